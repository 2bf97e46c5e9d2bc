namespace SafeIntake.Browser.Tests;

/// <summary>What the form does around a submission: a missing description, a double submit, hiding the codename.</summary>
public sealed class FormBehaviourTests(FormBehaviourTests.Fixture fixture) : IClassFixture<FormBehaviourTests.Fixture>
{
    public sealed class Fixture : BrowserFixture;

    [ChromiumFact]
    public async Task Submit_WithoutDescription_MarksTheFieldAndSendsNothing()
    {
        await using var witness = await fixture.NewSessionAsync("missing-description", "zh-Hant-HK");
        await witness.OpenFormAsync();
        await witness.FillReportAsync(new WitnessReport("   \n  ", "昨晚", "", null));
        await witness.Page.Locator("#submit").ClickAsync();

        var error = witness.Page.Locator("#what-error");
        await error.WaitForAsync();
        Assert.Equal(witness.T("js.form.whatMissing"), await error.InnerTextAsync());
        Assert.Equal("true", await witness.Page.Locator("#what").GetAttributeAsync("aria-invalid"));
        Assert.Contains("what-error", await witness.Page.Locator("#what").GetAttributeAsync("aria-describedby"), StringComparison.Ordinal);
        Assert.Equal("what", await witness.Page.EvaluateAsync<string>("() => document.activeElement.id"));
        Assert.True(await witness.Page.Locator("#sending").IsHiddenAsync());
        await witness.ScreenshotAsync("missing-description");
        await witness.AssertAccessibleAsync("missing-description");
        Assert.DoesNotContain(witness.Network.Requests, r => r.Method != "GET");

        // Writing something clears the mark and the report goes.
        await witness.Page.Locator("#what").FillAsync("現在補上描述。");
        Assert.NotNull(await witness.SubmitReportAsync());
        Assert.Null(await witness.Page.Locator("#what").GetAttributeAsync("aria-invalid"));
        witness.AssertCleanConsole();
    }

    [ChromiumFact]
    public async Task Submit_TwiceInARow_SendsOneReport()
    {
        var desk = fixture.Desk;
        var before = desk.BlobIds();
        await using var witness = await fixture.NewSessionAsync("double-submit", "en");
        await witness.OpenFormAsync();
        await witness.FillReportAsync(new WitnessReport("Sent once, clicked twice.", "", "", null));
        await witness.Page.EvaluateAsync("""
            () => {
              const form = document.getElementById('report-form');
              form.requestSubmit();
              form.requestSubmit();
            }
            """);
        Assert.NotNull(await witness.WaitForDoneAsync());
        await witness.Page.WaitForTimeoutAsync(1000);
        Assert.Single(witness.Network.To("POST", "/api/v1/pow"));
        Assert.Single(witness.Network.To("POST", "/api/v1/uploads"), r => new Uri(r.Url).AbsolutePath == "/api/v1/uploads");
        desk.SingleNewBlob(before);
        witness.AssertCleanConsole();
    }

    [ChromiumFact]
    public async Task Submit_WithoutReplies_ShowsNoCodename_StoresNoMailbox_FileNameWithMarkupStaysText()
    {
        var desk = fixture.Desk;
        var before = desk.BlobIds();
        var folder = Directory.CreateTempSubdirectory("safeintake-markup-");
        const string name = "<img src=x onerror=\"window.__xss=1\">notes.txt";
        var path = Path.Combine(folder.FullName, name);
        await File.WriteAllTextAsync(path, "plain notes");
        try
        {
            await using var witness = await fixture.NewSessionAsync("no-replies", "en");
            await witness.OpenFormAsync();
            await witness.FillReportAsync(new WitnessReport("No replies, please.", "", "", null));
            await witness.AttachAsync("files", path);
            Assert.Equal(name, await witness.Page.Locator("#files-list .file-label").InnerTextAsync());
            await witness.Page.Locator("#want-replies").UncheckAsync();
            Assert.Null(await witness.SubmitReportAsync());

            Assert.Equal(witness.T("done.noReplies"), await witness.Page.Locator("#done-no-replies").InnerTextAsync());
            Assert.Equal("", (await witness.Page.Locator("#codename").TextContentAsync())!.Trim());
            Assert.True(await witness.Page.EvaluateAsync<bool>("() => window.__xss === undefined"));
            await witness.AssertAccessibleAsync("done-no-replies");

            var create = Assert.Single(witness.Network.To("POST", "/api/v1/uploads"), r => new Uri(r.Url).AbsolutePath == "/api/v1/uploads");
            using (var body = System.Text.Json.JsonDocument.Parse(create.Body))
            {
                Assert.Equal(System.Text.Json.JsonValueKind.Null, body.RootElement.GetProperty("mailbox").ValueKind);
            }

            var id = desk.SingleNewBlob(before);
            Assert.Null(Assert.Single(desk.Envelopes(), r => r.Id == id).MailboxId);
            var opened = desk.Open(id);
            Assert.False(opened.Manifest.TryGetProperty("replyTo", out _));
            Assert.Equal(name, Assert.Single(opened.Manifest.GetProperty("attachments").EnumerateArray().ToList()).GetProperty("name").GetString());
            Assert.Equal("plain notes"u8.ToArray(), Assert.Single(opened.Attachments));
            witness.AssertCleanConsole();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [ChromiumFact]
    public async Task RemovedAttachment_IsNeverSent()
    {
        var desk = fixture.Desk;
        var before = desk.BlobIds();
        var folder = Directory.CreateTempSubdirectory("safeintake-remove-");
        var regretted = Path.Combine(folder.FullName, "my-staff-card.txt");
        var kept = Path.Combine(folder.FullName, "evidence.txt");
        await File.WriteAllTextAsync(regretted, "name on the staff card");
        await File.WriteAllTextAsync(kept, "the evidence");
        try
        {
            await using var witness = await fixture.NewSessionAsync("remove-attachment", "zh-Hant-HK");
            await witness.OpenFormAsync();
            await witness.FillReportAsync(new WitnessReport("只附上證據。", "", "", null));
            await witness.AttachAsync("files", regretted, kept);
            await witness.Page.Locator("#files-list .file-item").Filter(new() { HasText = "my-staff-card.txt" }).GetByRole(Microsoft.Playwright.AriaRole.Button).ClickAsync();
            Assert.Equal(1, await witness.Page.Locator("#files-list .file-item").CountAsync());
            await witness.ScreenshotAsync("one-removed");
            Assert.NotNull(await witness.SubmitReportAsync());

            var opened = desk.Open(desk.SingleNewBlob(before));
            Assert.Equal("evidence.txt", Assert.Single(opened.Manifest.GetProperty("attachments").EnumerateArray().ToList()).GetProperty("name").GetString());
            Assert.Equal("the evidence"u8.ToArray(), Assert.Single(opened.Attachments));
            witness.AssertCleanConsole();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [ChromiumFact]
    public async Task DonePage_HideCodename_RemovesItFromThePage()
    {
        await using var witness = await fixture.NewSessionAsync("hide-codename", "zh-Hans");
        var codename = await witness.SubmitSimpleReportAsync("写完代号后把它隐藏。");
        await witness.Page.Locator("#hide-codename").ClickAsync();

        var hidden = witness.Page.Locator("#codename-hidden");
        await hidden.WaitForAsync();
        Assert.Equal(witness.T("done.codename.hidden"), await hidden.InnerTextAsync());
        Assert.Equal("codename-hidden", await witness.Page.EvaluateAsync<string>("() => document.activeElement.id"));
        Assert.True(await witness.Page.Locator("#codename-area").IsHiddenAsync());
        var page = await witness.Page.ContentAsync();
        Assert.DoesNotContain(codename, page, StringComparison.Ordinal);
        Assert.DoesNotContain(codename[..11], page, StringComparison.Ordinal);
        await witness.ScreenshotAsync("codename-hidden");
        await witness.AssertAccessibleAsync("codename-hidden");
        witness.AssertCleanConsole();
    }
}
