using Microsoft.Playwright;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// Tor Browser at the "Safer" security level turns WebAssembly off (javascript.options.wasm = false), and the pages
/// tell witnesses to use Tor Browser at "Safer". libsodium.js carries a plain-JavaScript backup module for that
/// case, so the page can still seal a report there.
/// </summary>
/// <remarks>
/// Fails today: libsodium-sumo.js and libsodium-wrappers.js are two deferred scripts, and between them the browser
/// runs microtasks; with no WebAssembly the first script's failed start swaps in the backup module in a microtask,
/// which deletes <c>libsodium.ready</c>, so the second script throws "Cannot read properties of undefined (reading
/// 'then')" and the page reports "This browser could not start the encryption … use … Tor Browser". Served as one
/// script (the two npm files concatenated), the backup works. See the browser-tests report to the lead.
/// </remarks>
public sealed class NoWebAssemblyTests(NoWebAssemblyTests.Fixture fixture) : IClassFixture<NoWebAssemblyTests.Fixture>
{
    public sealed class Fixture : BrowserFixture;

    private const string NoWasm = "delete globalThis.WebAssembly;";

    [ChromiumFact(Skip = "Product bug: without WebAssembly (Tor Browser 'Safer') libsodium.js never starts because its two files load as separate scripts; remove this Skip once they are served as one.")]
    public async Task WithoutWebAssembly_ReportIsStillSealedAndOpens()
    {
        var desk = fixture.Desk;
        var before = desk.BlobIds();
        await using var witness = await fixture.NewSessionAsync("no-webassembly", "en");
        // Chromium has no switch for it, so WebAssembly is removed from every page and from the proof-of-work worker.
        await witness.Context.AddInitScriptAsync(NoWasm);
        await witness.Context.RouteAsync("**/js/pow-worker.js", async route =>
        {
            var headers = await route.Request.AllHeadersAsync();
            if (headers.GetValueOrDefault("sec-fetch-dest") != "worker")
            {
                await route.ContinueAsync();
                return;
            }

            var response = await route.FetchAsync();
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = NoWasm + await response.TextAsync() });
        });

        await witness.Page.GotoAsync("/en/");
        Assert.True(await witness.Page.EvaluateAsync<bool>("() => typeof WebAssembly === 'undefined'"));
        await witness.Page.Locator("#bundle-fingerprint .fp-group, #bundle-error:not([hidden])").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await witness.ScreenshotAsync("form");
        Assert.True(await witness.Page.Locator("#bundle-error").IsHiddenAsync(),
            "Without WebAssembly the page refuses: " + await witness.Page.Locator("#bundle-error-reason").TextContentAsync());
        await witness.WaitForVerifiedBundleAsync();

        var what = $"no-wasm-{Guid.NewGuid():N}";
        await witness.FillReportAsync(new WitnessReport(what, "", "", null));
        var codename = await witness.SubmitReportAsync();
        Assert.NotNull(codename);

        var opened = desk.Open(desk.SingleNewBlob(before));
        Assert.Equal(what, opened.Manifest.GetProperty("fields").GetProperty("what").GetString());
    }
}
