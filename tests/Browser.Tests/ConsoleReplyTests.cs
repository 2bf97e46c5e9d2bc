using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.Playwright;
using SafeIntake.Crypto;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// The reply loop with nothing stubbed: a witness reports with a codename in Chromium; the reviewer fetches on an
/// "online" home, imports, triages and replies on an "air-gapped" home with the real console; the outboxes are
/// uploaded; the witness's "check for replies" page shows the reply as verified, and withholds it once the server
/// alters it. The server never holds any of the words in clear.
/// </summary>
public sealed class ConsoleReplyTests(ConsoleReplyTests.Fixture fixture) : IClassFixture<ConsoleReplyTests.Fixture>
{
    public sealed class Fixture : BrowserFixture;


    [ChromiumFact]
    public async Task ReplyWrittenInConsole_ShowsVerifiedToWitness_AndIsWithheldOnceAlteredOnServer()
    {
        var server = fixture.Server;
        var desk = fixture.Desk;
        var console = new ReviewConsole(server, "demo");
        var root = Directory.CreateTempSubdirectory("safeintake-console-reply-").FullName;
        try
        {
            await RunLoopAsync(server, desk, console, root);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n--- console transcript ---\n{console.Transcript}\n--- server output ---\n{server.Output}", e);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private async Task RunLoopAsync(IntakeServer server, ReviewerDesk desk, ReviewConsole console, string root)
    {
        var online = Directory.CreateDirectory(Path.Combine(root, "online")).FullName;
        var airGapped = Directory.CreateDirectory(Path.Combine(root, "air-gapped")).FullName;
        var usb = Directory.CreateDirectory(Path.Combine(root, "usb")).FullName;
        foreach (var file in new[] { "reviewer.key", "reviewer.pub.json" })
        {
            File.Copy(Path.Combine(server.DemoPath, file), Path.Combine(airGapped, file));
        }

        // The witness reports, asking for replies (the form's default): the browser module seals it.
        var reportCanary = $"report-{Guid.NewGuid():N} the officer took my phone at the north gate";
        await using var witness = await fixture.NewSessionAsync("console-reply", "en");
        var codename = await witness.SubmitSimpleReportAsync(reportCanary);

        // The administrator's side: the key reviewers pin, and a fetch token for the demo reviewer.
        var serverKey = FirstLine(await console.AdminAsync("server-key"));
        var token = FirstLine(await console.AdminAsync("token", "create", "--reviewer", ReviewerDesk.DemoReviewerId));
        Assert.StartsWith("sift_", token, StringComparison.Ordinal);
        var tokenFile = Path.Combine(online, "token.txt");
        await File.WriteAllTextAsync(tokenFile, token);

        // Online machine: pin, fetch.
        await console.RunAsync(online, "server", "trust", serverKey);
        var firstExport = Path.Combine(usb, "export-1.sie");
        await console.RunAsync(online, "fetch", "--server", server.Address.ToString(), "--token-file", tokenFile, "--out", firstExport);

        // Air-gapped machine: pin the server, install the organisation's bundle (replies need it), import.
        using var http = new HttpClient { BaseAddress = server.Address };
        var bundleFile = Path.Combine(usb, "bundle.json");
        await File.WriteAllTextAsync(bundleFile, await http.GetStringAsync(new Uri("/api/v1/bundle", UriKind.Relative)));
        var organisationKey = (await File.ReadAllTextAsync(Path.Combine(server.DemoPath, "organisation.pub"))).Trim();
        await console.RunAsync(airGapped, "server", "trust", serverKey);
        await console.RunAsync(airGapped, "bundle", "install", bundleFile, "--org-key", organisationKey);
        var imported = await console.JsonAsync(airGapped, "import", firstExport);
        Assert.Equal(1, imported.GetProperty("newReports").GetInt32());
        Assert.Equal(0, imported.GetProperty("quarantined").GetArrayLength());
        var ackOutbox = imported.GetProperty("outbox").GetString()!;

        var listed = await console.JsonAsync(airGapped, "list");
        var report = Assert.Single(listed.EnumerateArray());
        Assert.Equal(reportCanary, report.GetProperty("what").GetString());
        var id = report.GetProperty("id").GetString()!;

        // Triage and the reply.
        var noteCanary = $"note-{Guid.NewGuid():N} called the clinic, they confirm the date";
        var replyMarker = $"ref-{Guid.NewGuid():N}"[..16];
        var replyCanary = $"Thank you for your report. We have read it and will follow up. 多謝你的舉報，我們會跟進。 ({replyMarker})";
        await console.RunAsync(airGapped, "set-status", id, "triaged");
        await console.RunAsync(airGapped, "set-severity", id, "high");
        await console.RunAsync(airGapped, "note", id, "--text", noteCanary);
        var dayBefore = UtcDay();
        await console.RunAsync(airGapped, "reply", id, "--text", replyCanary);
        var signedDays = new HashSet<string> { dayBefore, UtcDay() };
        var written = await console.JsonAsync(airGapped, "outbox", "write");
        Assert.Equal(1, written.GetProperty("replies").GetInt32());
        // The import's outbox was never uploaded: the reply's replaces it, carrying its acknowledgement too (issue 15).
        var replyOutbox = written.GetProperty("outbox").GetString()!;
        Assert.Equal(ackOutbox, replyOutbox);
        await console.RunAsync(airGapped, "audit", "verify");

        // Online machine: the one pending outbox.
        var replied = await console.JsonAsync(online, "upload-outbox", replyOutbox, "--server", server.Address.ToString());
        Assert.Equal(1, replied.GetProperty("acknowledged").GetInt32());
        Assert.Equal(1, replied.GetProperty("replies").GetInt32());

        // The server filed it in the codename's mailbox, signed by the demo reviewer.
        var replyRow = Assert.Single(desk.Envelopes(), r => r.Kind == ReviewerDesk.ReplyKind);
        Assert.Equal(ReviewerDesk.DemoReviewerId, replyRow.ReviewerId);
        Assert.True(Codename.TryDeriveKeys(codename, out var keys));
        using (keys)
        {
            Assert.Equal(keys.MailboxId, replyRow.MailboxId);
        }

        // The witness reads it: the reviewer's words, verified, dated by the day the reviewer signed.
        await witness.OpenRepliesPageAsync();
        await witness.OpenMailboxAsync(codename);
        var verified = witness.Page.Locator("#replies-list li.reply:not(.reply-warning)");
        Assert.Equal(1, await verified.CountAsync());
        Assert.Equal(replyCanary, await verified.Locator(".reply-text").InnerTextAsync());
        Assert.Equal(witness.T("js.replies.verified"), await verified.Locator(".reply-verified").InnerTextAsync());
        var heading = await verified.Locator("h3").InnerTextAsync();
        Assert.Contains(heading, signedDays.Select(day => witness.T("js.replies.from", new Dictionary<string, string> { ["name"] = "Demo reviewer", ["day"] = day })));
        Assert.Equal(0, await witness.Page.Locator("#replies-list li.reply-warning").CountAsync());
        Assert.Equal(witness.T("js.replies.count", new Dictionary<string, string> { ["count"] = "1" }), await witness.Page.Locator("#mailbox-summary").InnerTextAsync());
        // Docs screenshot only on request (SAFEINTAKE_SCREENS=<folder>), so a test run leaves the checkout clean.
        if (Environment.GetEnvironmentVariable("SAFEINTAKE_SCREENS") is { Length: > 0 } screens)
        {
            await ScreenshotMailboxAsync(witness.Page, Path.Combine(screens, "witness-reply-verified.png"));
        }

        // The reply comes back to the air-gapped machine as an ordinary envelope, and the thread shows it once.
        var secondExport = Path.Combine(usb, "export-2.sie");
        await console.RunAsync(online, "fetch", "--server", server.Address.ToString(), "--token-file", tokenFile, "--out", secondExport);
        var reimported = await console.JsonAsync(airGapped, "import", secondExport);
        Assert.Equal(1, reimported.GetProperty("replies").GetInt32());
        Assert.Equal(0, reimported.GetProperty("quarantined").GetArrayLength());
        var shown = await console.JsonAsync(airGapped, "show", id);
        var thread = shown.GetProperty("thread").EnumerateArray().ToList();
        var reply = Assert.Single(thread, m => m.GetProperty("kind").GetString() == "reply");
        Assert.Equal(replyCanary, reply.GetProperty("text").GetString());
        Assert.Equal(ReviewerDesk.DemoReviewerId, reply.GetProperty("author").GetString());
        Assert.Equal("delivered to the server", reply.GetProperty("delivery").GetString());
        Assert.Contains(shown.GetProperty("notes").EnumerateArray(), n => n.GetProperty("text").GetString() == noteCanary);
        Assert.Equal("triaged", shown.GetProperty("summary").GetProperty("status").GetString());
        Assert.Equal("high", shown.GetProperty("summary").GetProperty("severity").GetString());
        await console.RunAsync(airGapped, "audit", "verify");

        // The server alters the stored reply inside its payload: the page withholds it and warns.
        desk.TamperWithBlob(replyRow.Id, PayloadOffset(desk.BlobPath(replyRow.Id)));
        await witness.OpenRepliesPageAsync();
        await witness.OpenMailboxAsync(codename);
        var warning = witness.Page.Locator("#replies-list li.reply-warning");
        Assert.Equal(1, await warning.CountAsync());
        Assert.Equal(witness.T("js.replies.unverified.heading"), await warning.Locator("h3").InnerTextAsync());
        Assert.Equal(witness.T("js.replies.unverified.text"), await warning.Locator("p").InnerTextAsync());
        Assert.Equal(0, await verified.CountAsync());
        Assert.Equal(witness.T("js.replies.count", new Dictionary<string, string> { ["count"] = "0" }), await witness.Page.Locator("#mailbox-summary").InnerTextAsync());
        Assert.DoesNotContain(replyMarker, await witness.Page.ContentAsync(), StringComparison.Ordinal);

        // The codename never left the page; the page ran cleanly.
        witness.Network.AssertOnlyOrigin(server.Address);
        witness.Network.AssertNowhere("codename", codename.Replace(" ", "", StringComparison.Ordinal));
        witness.Network.AssertNowhere("codename as shown", codename);
        witness.AssertCleanConsole();

        // Neither the server nor the online machine ever held the words in clear. The data folder's lock is held
        // exclusively by the running server and cannot be opened; it must stay empty.
        var lockFile = Path.Combine(server.DataPath, "intake.lock");
        Assert.Equal(0, new FileInfo(lockFile).Length);
        var files = Directory.EnumerateFiles(server.DataPath, "*", SearchOption.AllDirectories)
            .Where(f => f != lockFile)
            .Concat(Directory.EnumerateFiles(online, "*", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(usb, "*", SearchOption.AllDirectories))
            .ToDictionary(f => f, ReadShared);
        Assert.Contains(files.Keys, f => Path.GetFileName(f) == "intake.db");
        foreach (var (name, canary) in new[] { ("report", reportCanary), ("note", noteCanary), ("reply", replyCanary), ("reply marker", replyMarker) })
        {
            Assert.DoesNotContain(canary, server.Output, StringComparison.Ordinal);
            var bytes = Encoding.UTF8.GetBytes(canary);
            foreach (var (file, contents) in files)
            {
                Assert.False(contents.AsSpan().IndexOf(bytes) >= 0, $"The {name} text is in clear in {file}.");
            }
        }
    }

    /// <summary>The open mailbox, with a margin: the picture in docs/reviewer of what a witness sees.</summary>
    private static async Task ScreenshotMailboxAsync(IPage page, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var box = await page.Locator("#mailbox").BoundingBoxAsync();
        Assert.NotNull(box);
        // The box is in viewport coordinates, a full-page clip in page coordinates.
        var scrollY = await page.EvaluateAsync<float>("() => window.scrollY");
        const float margin = 24;
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = path,
            FullPage = true,
            Clip = new Clip { X = box.X - margin, Y = box.Y + scrollY - margin, Width = box.Width + (2 * margin), Height = box.Height + (2 * margin) },
        });
    }

    /// <summary>An offset in the middle of an envelope's payload, past its header (envelope-v1.md §2.1: 92 + 80·N bytes).</summary>
    private static long PayloadOffset(string blob)
    {
        var bytes = File.ReadAllBytes(blob);
        var header = 92 + (80 * BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(58, 2)));
        Assert.True(bytes.Length > header + 32, "The stored reply has no payload.");
        return header + ((bytes.Length - header) / 2);
    }

    /// <summary>A file the running server may hold open (its SQLite database and journal).</summary>
    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private static string UtcDay() => DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
