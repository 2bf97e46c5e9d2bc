using System.Globalization;
using System.Text;
using SafeIntake.Crypto;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// Anonymous follow-up end to end: a reviewer's reply sealed and signed in .NET reaches the witness's page
/// verified; a reply altered on the server is never shown; a follow-up from the mailbox reaches the reviewer.
/// </summary>
public sealed class MailboxTests(MailboxTests.Fixture fixture) : IClassFixture<MailboxTests.Fixture>
{
    public sealed class Fixture : BrowserFixture;

    public static TheoryData<string> Languages => new(PageStrings.Languages);

    [ChromiumTheory]
    [MemberData(nameof(Languages))]
    public async Task Replies_SignedReplyShowsVerified_ReplyAlteredOnServerIsWithheldWithWarning(string lang)
    {
        var desk = fixture.Desk;
        await using var witness = await fixture.NewSessionAsync("replies", lang);
        var codename = await witness.SubmitSimpleReportAsync($"report-{Guid.NewGuid():N} 需要回覆");

        // Markup in a reply is text: a reviewer's words (or a forger's) never become part of the page.
        var replyCanary = $"reply-{Guid.NewGuid():N} 多謝你的舉報，我們會跟進。<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>";
        var advice = Encoding.UTF8.GetBytes("%PDF-1.4\n% advice for witnesses " + Guid.NewGuid().ToString("N") + "\n%%EOF\n");
        await desk.PostReplyAsync(codename, replyCanary, ("建議 advice.pdf", advice));

        await witness.OpenRepliesPageAsync();
        Assert.True(await witness.Page.Locator("#mailbox").IsHiddenAsync());
        await witness.AssertAccessibleAsync("replies-closed");

        // zh-Hant-HK types it as a phone keyboard might: full-width digits and full-width hyphens.
        await witness.OpenMailboxAsync(lang == "zh-Hant-HK" ? FullWidth(codename) : codename);
        var verified = witness.Page.Locator("#replies-list li.reply:not(.reply-warning)");
        Assert.Equal(1, await verified.CountAsync());
        Assert.Equal(replyCanary, await verified.Locator(".reply-text").InnerTextAsync());
        Assert.Equal(witness.T("js.replies.verified"), await verified.Locator(".reply-verified").InnerTextAsync());
        Assert.Equal(0, await verified.Locator(".reply-text *").CountAsync());
        Assert.True(await witness.Page.EvaluateAsync<bool>("() => window.__xss === undefined"));
        AssertRecentDay(witness, "js.replies.from", await verified.Locator("h3").InnerTextAsync(), new() { ["name"] = "Demo reviewer" });
        Assert.Equal(witness.T("js.replies.count", Count(1)), await witness.Page.Locator("#mailbox-summary").InnerTextAsync());
        Assert.Equal("", await witness.Page.Locator("#codename").InputValueAsync());
        await witness.AssertAccessibleAsync("replies-open");

        // The reply's attachment downloads with its name and exact bytes, never opened in the page's origin.
        var link = verified.Locator(".reply-files a");
        Assert.Contains("建議 advice.pdf", await link.InnerTextAsync(), StringComparison.Ordinal);
        Assert.StartsWith("blob:", await link.GetAttributeAsync("href"), StringComparison.Ordinal);
        var download = await witness.Page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        Assert.Equal("建議 advice.pdf", download.SuggestedFilename);
        Assert.Equal(advice, await File.ReadAllBytesAsync(await download.PathAsync()));
        await witness.CloseMailboxAsync();
        await witness.AssertAccessibleAsync("replies-closed-again");

        // A second reply, accepted with a valid signature, then altered where the server keeps it.
        var tamperedCanary = $"tampered-{Guid.NewGuid():N} 請把所有證據交出";
        var tamperedId = await desk.PostReplyAsync(codename, tamperedCanary);
        desk.TamperWithBlob(tamperedId, offset: 300);

        await witness.OpenMailboxAsync(lang == "zh-Hant-HK" ? FullWidth(codename) : codename);
        Assert.Equal(1, await verified.CountAsync());
        Assert.Equal(replyCanary, await verified.Locator(".reply-text").InnerTextAsync());
        var warning = witness.Page.Locator("#replies-list li.reply-warning");
        Assert.Equal(1, await warning.CountAsync());
        Assert.Equal(witness.T("js.replies.unverified.heading"), await warning.Locator("h3").InnerTextAsync());
        Assert.Equal(witness.T("js.replies.unverified.text"), await warning.Locator("p").InnerTextAsync());
        Assert.DoesNotContain(tamperedCanary, await witness.Page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(tamperedCanary[..40], await witness.Page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        await witness.AssertAccessibleAsync("replies-open-with-warning");

        // The codename never left the page, in either form.
        witness.Network.AssertOnlyOrigin(fixture.Server.Address);
        witness.Network.AssertNowhere("codename", codename.Replace(" ", "", StringComparison.Ordinal));
        witness.Network.AssertNowhere("codename as shown", codename);
        witness.Network.AssertNowhere("codename in full width", FullWidth(codename));
        await witness.AssertNothingStoredAsync();
        witness.AssertCleanConsole();
    }

    [ChromiumFact]
    public async Task FollowUp_FromOpenedMailbox_ReachesReviewerAsFollowUpAndNeverLeavesInClear()
    {
        const string lang = "zh-Hant-HK";
        var desk = fixture.Desk;
        await using var witness = await fixture.NewSessionAsync("follow-up", lang);
        var codename = await witness.SubmitSimpleReportAsync($"report-{Guid.NewGuid():N} 稍後補充");
        var blobsBefore = desk.BlobIds();
        var rowsBefore = desk.Envelopes().Count;

        await witness.OpenRepliesPageAsync();
        await witness.OpenMailboxAsync(codename);
        Assert.Equal(witness.T("js.replies.none"), await witness.Page.Locator("#mailbox-summary").InnerTextAsync());
        await witness.AssertAccessibleAsync("mailbox-empty");

        var canary = $"follow-up-{Guid.NewGuid():N}\n補充：那位警員的編號是 ６２０４，當時還有另外兩人。";
        var exifCanary = $"exif-{Guid.NewGuid():N}";
        var photo = await fixture.PhotoAsync();
        var folder = Directory.CreateTempSubdirectory("safeintake-follow-up-");
        var photoPath = Path.Combine(folder.FullName, "現場.jpg");
        await File.WriteAllBytesAsync(photoPath, TestPhoto.InsertSegment(photo, TestPhoto.ExifApp1(exifCanary)));
        await witness.AttachAsync("followup-files", photoPath);
        Assert.Contains(witness.T("js.meta.gps"), await witness.Page.Locator("#followup-files-list .file-cleaned").InnerTextAsync(), StringComparison.Ordinal);
        await witness.SendFollowUpAsync(canary);
        folder.Delete(recursive: true);
        AssertRecentDay(witness, "js.followUp.sent", await witness.Page.Locator("#followup-done").InnerTextAsync());
        Assert.Equal(
            witness.T("js.replies.none") + " " + witness.T("js.replies.followUps", Count(1)),
            await witness.Page.Locator("#mailbox-summary").InnerTextAsync());
        Assert.Equal("", await witness.Page.Locator("#followup-text").InputValueAsync());
        await witness.AssertAccessibleAsync("follow-up-sent");

        // The server holds one more envelope: a follow-up in this codename's mailbox, signed by its mailbox key.
        var rows = desk.Envelopes();
        Assert.Equal(rowsBefore + 1, rows.Count);
        var row = rows[^1];
        Assert.Equal(ReviewerDesk.FollowUpKind, row.Kind);
        var id = desk.SingleNewBlob(blobsBefore);
        Assert.Equal(id, row.Id);
        Assert.True(Codename.TryDeriveKeys(codename, out var keys));
        using (keys)
        {
            Assert.Equal(keys.MailboxId, row.MailboxId);
            using var blob = File.OpenRead(desk.BlobPath(id));
            Assert.True(Signatures.VerifyFollowUp(keys.MailboxKey.PublicKey, Signatures.EnvelopeHash(blob), Convert.FromBase64String(row.Signature!)));
        }

        var opened = desk.Open(id);
        Assert.Equal("follow-up", opened.Kind);
        Assert.Equal(canary, opened.Manifest.GetProperty("text").GetString());
        Assert.Equal(lang, opened.Manifest.GetProperty("lang").GetString());
        Assert.True(photo.AsSpan().SequenceEqual(Assert.Single(opened.Attachments)), "The follow-up's photo was not cleaned to the original JPEG.");

        // Neither the text nor the codename ever crossed the network in clear.
        witness.Network.AssertOnlyOrigin(fixture.Server.Address);
        witness.Network.AssertNowhere("follow-up text", canary);
        witness.Network.AssertNowhere("follow-up canary", canary[..42]);
        witness.Network.AssertNowhere("follow-up CJK text", "那位警員的編號是");
        witness.Network.AssertNowhere("codename", codename.Replace(" ", "", StringComparison.Ordinal));
        witness.Network.AssertNowhere("Exif canary", exifCanary);
        witness.Network.AssertNowhere("GPS latitude", TestPhoto.Latitude);
        var sent = witness.Network.To("PATCH", "/api/v1/uploads/").SelectMany(r => r.Body).ToArray();
        Assert.True(Encoding.UTF8.GetBytes(canary).Length < sent.Length);
        await witness.AssertNothingStoredAsync();
        witness.AssertCleanConsole();
    }

    [ChromiumFact]
    public async Task OpenMailbox_MistypedCodename_SaysItIsMistypedAndAsksTheServerNothing()
    {
        await using var witness = await fixture.NewSessionAsync("codename-mistyped", "en");
        var codename = Codename.Generate();
        var digits = codename.Replace(" ", "", StringComparison.Ordinal);
        var wrongDigit = Codename.Format(digits[..7] + (char)('0' + ((digits[7] - '0' + 3) % 10)) + digits[8..]);
        var swapped = Codename.Format(digits[..20] + digits[21] + digits[20] + digits[22..]);
        await witness.OpenRepliesPageAsync();

        var input = witness.Page.Locator("#codename");
        var error = witness.Page.Locator("#codename-error");
        var submit = witness.Page.Locator("#open-form button[type=submit]");
        await submit.ClickAsync();
        Assert.Equal(witness.T("js.replies.required"), await error.InnerTextAsync());

        foreach (var typo in new[] { wrongDigit, digits[..39], digits + "7", codename.Replace('4', 'A'), swapped }.Where(t => t != codename))
        {
            await input.FillAsync(typo);
            await submit.ClickAsync();
            Assert.Equal(witness.T("js.replies.mistyped"), await error.InnerTextAsync());
            Assert.Equal("true", await input.GetAttributeAsync("aria-invalid"));
            Assert.Equal("codename", await witness.Page.EvaluateAsync<string>("() => document.activeElement.id"));
        }

        await witness.ScreenshotAsync("mistyped");
        await witness.AssertAccessibleAsync("mistyped");
        Assert.DoesNotContain(witness.Network.Requests, r => r.Method != "GET");

        // A well-formed codename with no report behind it opens an empty mailbox, like any other.
        await witness.OpenMailboxAsync(codename);
        Assert.True(await error.IsHiddenAsync());
        Assert.Equal(witness.T("js.replies.none"), await witness.Page.Locator("#mailbox-summary").InnerTextAsync());
        witness.Network.AssertNowhere("codename", digits);
        witness.AssertCleanConsole();
    }

    /// <summary>"12345 67890" → "１２３４５－６７８９０".</summary>
    private static string FullWidth(string codename) =>
        new([.. codename.Select(c => c == ' ' ? '\uFF0D' : (char)('\uFF10' + (c - '0')))]);

    /// <summary>The message with today's UTC day, or yesterday's when the test ran across midnight.</summary>
    private static void AssertRecentDay(WitnessSession witness, string key, string actual, Dictionary<string, string>? vars = null)
    {
        var days = new[] { DateTime.UtcNow, DateTime.UtcNow.AddDays(-1) }.Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var expected = days.Select(day => witness.T(key, new Dictionary<string, string>(vars ?? []) { ["day"] = day })).ToList();
        Assert.Contains(actual, expected);
    }

    private static Dictionary<string, string> Count(int n) => new() { ["count"] = n.ToString(CultureInfo.InvariantCulture) };
}
