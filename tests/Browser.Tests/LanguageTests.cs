using Microsoft.Playwright;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// The page speaks the witness's language from the browser's Accept-Language, offers the other two by plain links,
/// and remembers nothing: no cookie, so the next visit negotiates afresh.
/// </summary>
public sealed class LanguageTests(LanguageTests.Fixture fixture) : IClassFixture<LanguageTests.Fixture>
{
    public sealed class Fixture : BrowserFixture;

    private static readonly Dictionary<string, string> SwitchPaths = new()
    {
        ["en"] = "/en/",
        ["zh-Hant-HK"] = "/zh-Hant-HK/",
        ["zh-Hans"] = "/zh-Hans/",
    };

    public static TheoryData<string, string> Negotiations => new()
    {
        { "zh-HK", "zh-Hant-HK" },
        { "zh-CN", "zh-Hans" },
        { "fr", "en" },
        { "fr-FR,zh-TW;q=0.8,en;q=0.5", "zh-Hant-HK" },
        { "en-GB,zh-CN;q=0.9", "en" },
    };

    [ChromiumTheory]
    [MemberData(nameof(Negotiations))]
    public async Task Root_NegotiatesFromAcceptLanguage_SwitchLinksLeadToTheOthers_NoCookie(string acceptLanguage, string expected)
    {
        var name = "language-" + acceptLanguage.Split(',')[0];
        await using var witness = await fixture.NewSessionAsync(name, expected, new BrowserNewContextOptions
        {
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Accept-Language"] = acceptLanguage },
        });
        var page = witness.Page;

        var response = await page.GotoAsync("/");
        Assert.NotNull(response);
        Assert.Equal(acceptLanguage, (await response.Request.AllHeadersAsync())["accept-language"]);
        Assert.Equal(expected, await page.Locator("html").GetAttributeAsync("lang"));
        Assert.Equal(witness.T("page.title"), await page.TitleAsync());
        await witness.WaitForVerifiedBundleAsync();
        await witness.ScreenshotAsync("negotiated");

        // One link per language, each marked with its own language; the current one says so.
        var links = page.Locator("nav.lang-nav a");
        Assert.Equal(3, await links.CountAsync());
        foreach (var (lang, path) in SwitchPaths)
        {
            var link = page.Locator($"nav.lang-nav a[hreflang='{lang}']");
            Assert.Equal(path, await link.GetAttributeAsync("href"));
            Assert.Equal(lang, await link.GetAttributeAsync("lang"));
            Assert.Equal(lang == expected ? "page" : null, await link.GetAttributeAsync("aria-current"));
        }

        // Following each other link gives that language, with the switch pointing onward.
        foreach (var (lang, path) in SwitchPaths.Where(l => l.Key != expected))
        {
            await page.GotoAsync("/");
            await page.Locator($"nav.lang-nav a[hreflang='{lang}']").ClickAsync();
            await page.WaitForURLAsync(new Uri(fixture.Server.Address, path).ToString());
            Assert.Equal(lang, await page.Locator("html").GetAttributeAsync("lang"));
            Assert.Equal(PageStrings.Get(lang, "page.title"), await page.TitleAsync());
            Assert.Equal("page", await page.Locator($"nav.lang-nav a[hreflang='{lang}']").GetAttributeAsync("aria-current"));
            await witness.ScreenshotAsync("switched-to-" + lang);

            // The replies page's switch stays on the replies page.
            await page.Locator("p.page-switch a").ClickAsync();
            await page.WaitForURLAsync(new Uri(fixture.Server.Address, $"/{lang}/replies").ToString());
            Assert.Equal(PageStrings.Get(lang, "replies.title"), await page.TitleAsync());
            await witness.ScreenshotAsync("replies-" + lang);
            foreach (var (other, otherPath) in SwitchPaths)
            {
                Assert.Equal(otherPath + "replies", await page.Locator($"nav.lang-nav a[hreflang='{other}']").GetAttributeAsync("href"));
            }
        }

        // Nothing was remembered: the root still follows Accept-Language after visiting other languages.
        await page.GotoAsync("/");
        Assert.Equal(expected, await page.Locator("html").GetAttributeAsync("lang"));
        await witness.ScreenshotAsync("negotiated-again");
        witness.Network.AssertOnlyOrigin(fixture.Server.Address);
        await witness.AssertNothingStoredAsync();
        witness.AssertCleanConsole();
    }

    [ChromiumFact]
    public async Task UnknownLanguagePath_IsNotFound_AndSetsNoCookie()
    {
        await using var witness = await fixture.NewSessionAsync("language-unknown", "en");
        var response = await witness.Page.GotoAsync("/fr/");
        Assert.NotNull(response);
        Assert.Equal(404, response.Status);
        await witness.ScreenshotAsync("not-found");
        await witness.AssertNothingStoredAsync();
    }
}
