using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// The small things of issue 12, each where a witness would see it: the picker's text, the warnings per file type,
/// the Chinese spacing, the codename box on a phone, the favicon, and the page at "Safest" (JavaScript off).
/// </summary>
public sealed class SmallThingsTests(SmallThingsTests.Fixture fixture) : IClassFixture<SmallThingsTests.Fixture>
{
    public sealed class Fixture : BrowserFixture;

    private static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    [ChromiumTheory]
    [InlineData("en")]
    [InlineData("zh-Hant-HK")]
    [InlineData("zh-Hans")]
    public async Task Picker_ChosenTextAndBinFiles_WarnsForWhatEachIs_NoNativeNoFileChosen_SpacingFitsTheLanguage(string lang)
    {
        var folder = Directory.CreateTempSubdirectory("small-things-");
        try
        {
            var text = Path.Combine(folder.FullName, "notes.txt");
            var binary = Path.Combine(folder.FullName, "dump.bin");
            await File.WriteAllTextAsync(text, "plain words");
            await File.WriteAllBytesAsync(binary, [1, 2, 3, 4, 5]);
            await using var witness = await fixture.NewSessionAsync("small-picker", lang, new BrowserNewContextOptions { ViewportSize = Phone });
            await witness.OpenFormAsync();
            await witness.AttachAsync("files", text, binary);

            var items = witness.Page.Locator("#files-list .file-item");
            var txtItem = await items.Filter(new LocatorFilterOptions { HasText = "notes.txt" }).InnerTextAsync();
            var binItem = await items.Filter(new LocatorFilterOptions { HasText = "dump.bin" }).InnerTextAsync();
            Assert.Contains(witness.T("js.files.cannot.text"), txtItem, StringComparison.Ordinal);
            Assert.Contains(witness.T("js.files.cannot.other"), binItem, StringComparison.Ordinal);
            Assert.DoesNotContain(witness.T("js.files.cannot.media"), txtItem + binItem, StringComparison.Ordinal);
            Assert.DoesNotContain(witness.T("js.files.cannot.office"), txtItem + binItem, StringComparison.Ordinal);

            // The browser's own "No file chosen" beside a list of chosen files is not drawn (its text is transparent);
            // the button still is.
            Assert.Equal("rgba(0, 0, 0, 0)", await witness.Page.Locator("#files").EvaluateAsync<string>("i => getComputedStyle(i).color"));
            Assert.NotEqual("rgba(0, 0, 0, 0)", await witness.Page.Locator("#files").EvaluateAsync<string>("i => getComputedStyle(i, '::file-selector-button').color"));

            // Sentences in the summary: a space between them in English, none after a Chinese full stop.
            var summary = await witness.Page.Locator("#files-summary").InnerTextAsync();
            Assert.Contains(witness.T("js.files.summaryWarnings", new Dictionary<string, string> { ["count"] = "2" }), summary, StringComparison.Ordinal);
            Assert.DoesNotMatch(new Regex("。 "), summary);
            if (lang == "en")
            {
                Assert.Matches(new Regex(@"\. Files with"), summary);
            }

            await witness.ScreenshotAsync("picker");
            await witness.AssertAccessibleAsync("picker");
            witness.AssertCleanConsole();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [ChromiumTheory]
    [InlineData("en")]
    [InlineData("zh-Hans")]
    public async Task Replies_OnAPhone_The47CharacterCodenameFitsTheBox_AndEnterOpens(string lang)
    {
        await using var witness = await fixture.NewSessionAsync("small-codename", lang, new BrowserNewContextOptions { ViewportSize = Phone });
        await witness.OpenRepliesPageAsync();
        var box = witness.Page.Locator("#codename");
        await box.FillAsync("12345 67890 12345 67890 12345 67890 12345 67890");
        Assert.Equal(47, (await box.InputValueAsync()).Length);
        var fits = await box.EvaluateAsync<bool>("b => b.scrollWidth <= b.clientWidth && b.scrollHeight <= b.clientHeight + 1");
        Assert.True(fits, "the codename does not fit its box at 390 px");
        var right = await box.EvaluateAsync<double>("b => b.getBoundingClientRect().right");
        Assert.InRange(right, 0, Phone.Width);
        Directory.CreateDirectory(ScreensFolder);
        await witness.Page.Locator("#open-form").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(ScreensFolder, $"codename-phone-{lang}.png") });

        // Enter in the box opens the mailbox as a one-line field did: this codename fails its check digit.
        await box.PressAsync("Enter");
        await witness.Page.Locator("#codename-error:not([hidden])").WaitForAsync();
        Assert.DoesNotContain("\n", await box.InputValueAsync(), StringComparison.Ordinal);
        witness.AssertCleanConsole();
    }

    [ChromiumFact]
    public async Task Favicon_IsServedHere_AndThePageAsksForNothingElse()
    {
        await using var witness = await fixture.NewSessionAsync("small-favicon", "en");
        await witness.OpenFormAsync();
        Assert.Equal("/favicon.ico", await witness.Page.Locator("link[rel=icon]").GetAttributeAsync("href"));
        var response = await witness.Page.APIRequest.GetAsync("/favicon.ico");
        Assert.Equal(200, response.Status);
        Assert.Equal("image/x-icon", response.Headers["content-type"]);
        Assert.Equal(new byte[] { 0, 0, 1, 0 }, (await response.BodyAsync())[..4]);
        witness.Network.AssertOnlyOrigin(fixture.Server.Address);
        witness.AssertCleanConsole();
    }

    [ChromiumTheory]
    [InlineData("en")]
    [InlineData("zh-Hant-HK")]
    [InlineData("zh-Hans")]
    public async Task Safest_NoJavaScript_SaysWhatToDoFirst_AndTheFormLooksDisabled(string lang)
    {
        await using var witness = await fixture.NewSessionAsync("small-safest", lang, new BrowserNewContextOptions { JavaScriptEnabled = false, ViewportSize = Phone });
        await witness.Page.GotoAsync($"/{lang}/");

        var heading = witness.Page.Locator("noscript .noscript-heading");
        Assert.Equal(witness.T("page.noscript.heading"), await heading.InnerTextAsync());
        var box = await witness.Page.Locator("noscript .noscript-notice").BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.InRange(box.Y, 0, 60);
        Assert.True(box.Y + box.Height < Phone.Height, "the whole notice is on the first screen");
        // Nothing pretends to be under way, and the fields look as disabled as they are.
        Assert.True(await witness.Page.Locator("#bundle-status").IsHiddenAsync());
        Assert.True(await witness.Page.Locator("#what").IsDisabledAsync());
        Assert.Equal("dashed", await witness.Page.Locator("#what").EvaluateAsync<string>("t => getComputedStyle(t).borderTopStyle"));
        Directory.CreateDirectory(ScreensFolder);
        await witness.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreensFolder, $"safest-{lang}.png") });

        // The replies page says the same first.
        await witness.Page.GotoAsync($"/{lang}/replies");
        Assert.Equal(witness.T("page.noscript.heading"), await witness.Page.Locator("noscript .noscript-heading").InnerTextAsync());
        Assert.True(await witness.Page.Locator("#bundle-status").IsHiddenAsync());
    }

    private static string ScreensFolder => Path.Combine(IntakeServer.RepoRoot, "docs", "screens");
}
