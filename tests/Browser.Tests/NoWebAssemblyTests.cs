using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// Tor Browser at the "Safer" security level turns WebAssembly and the JavaScript JIT off
/// (javascript.options.wasm, .ion, .baselinejit = false), and the pages tell witnesses that "Safer" works.
/// libsodium.js carries a plain-JavaScript backup module for that case; it starts only when libsodium-sumo.js and
/// libsodium-wrappers.js run as one script (<c>/lib/libsodium.js</c>): as two, the browser ran microtasks between
/// them, the backup's start deleted <c>libsodium.ready</c>, and the page refused to seal.
/// </summary>
public sealed class NoWebAssemblyTests(NoWebAssemblyTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<NoWebAssemblyTests.Fixture>
{
    /// <summary>V8 without its JIT exposes no WebAssembly, in pages and workers alike: "Safer", as near as Chromium gets.</summary>
    public sealed class Fixture : BrowserFixture
    {
        internal static readonly string[] SaferArgs = ["--js-flags=--jitless"];

        protected override IEnumerable<string> ExtraChromiumArgs => SaferArgs;
    }

    // Records what the proof-of-work worker answers, so a silent fall-back to solving on the page is seen.
    private const string RecordWorkerMessages =
        "(() => { globalThis.__workerMessages = []; const NativeWorker = globalThis.Worker; " +
        "globalThis.Worker = class extends NativeWorker { constructor(url, options) { super(url, options); " +
        "this.addEventListener('message', e => globalThis.__workerMessages.push(e.data && e.data.type)); } }; })();";

    private const string NoWebAssembly = "() => typeof WebAssembly === 'undefined'";

    [ChromiumFact]
    public async Task WithoutWebAssembly_ReportIsSealedInPageAndWorker_ReviewerOpensIt_ReplyShowsVerified()
    {
        var desk = fixture.Desk;
        var before = desk.BlobIds();
        await using var witness = await fixture.NewSessionAsync("no-webassembly", "en");
        await witness.Context.AddInitScriptAsync(RecordWorkerMessages);

        await witness.Page.GotoAsync("/en/");
        Assert.True(await witness.Page.EvaluateAsync<bool>(NoWebAssembly));
        await witness.Page.Locator("#bundle-fingerprint .fp-group, #bundle-error:not([hidden])").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await witness.ScreenshotAsync("form");
        Assert.True(await witness.Page.Locator("#bundle-error").IsHiddenAsync(),
            "Without WebAssembly the page refuses: " + await witness.Page.Locator("#bundle-error-reason").TextContentAsync());
        await witness.WaitForVerifiedBundleAsync();

        var what = $"no-wasm-{Guid.NewGuid():N}";
        await witness.FillReportAsync(new WitnessReport(what, "", "", null));
        var codename = await witness.SubmitReportAsync();
        Assert.NotNull(codename);

        // The worker started libsodium too, and solved the proof of work itself rather than leaving it to the page.
        var answers = await witness.Page.EvaluateAsync<string[]>("() => globalThis.__workerMessages");
        Assert.Equal("done", Assert.Single(answers, a => a != "progress"));

        var opened = desk.Open(desk.SingleNewBlob(before));
        Assert.Equal(what, opened.Manifest.GetProperty("fields").GetProperty("what").GetString());

        // The replies page loads the same script: the codename derives its keys and a signed reply verifies.
        var reply = $"reply-{Guid.NewGuid():N}";
        await desk.PostReplyAsync(codename, reply);
        await witness.OpenRepliesPageAsync();
        Assert.True(await witness.Page.EvaluateAsync<bool>(NoWebAssembly));
        await witness.OpenMailboxAsync(codename);
        var verified = witness.Page.Locator("#replies-list li.reply:not(.reply-warning)");
        Assert.Equal(reply, await verified.Locator(".reply-text").InnerTextAsync());
        Assert.Equal(witness.T("js.replies.verified"), await verified.Locator(".reply-verified").InnerTextAsync());
        // libsodium's WebAssembly start fails with an uncaught error (its abort() names WebAssembly.RuntimeError)
        // before the backup module takes over; anything else the page reports is a failure.
        witness.ConsoleProblems.RemoveAll(p =>
            p.StartsWith("uncaught: ReferenceError: WebAssembly is not defined", StringComparison.Ordinal) &&
            p.Contains("/lib/libsodium.js", StringComparison.Ordinal));
        witness.AssertCleanConsole();
    }

    /// <summary>
    /// Not a benchmark: logs, from one run on this machine, what a witness waits for with WebAssembly, without it
    /// (JIT on), and without both (as at "Safer"): start-up, one text-only seal as the form makes it, and the proof
    /// of work at the production work of 2^8 PBKDF2 trials of 4000 iterations (estimated from 64 trials).
    /// </summary>
    [ChromiumFact]
    public async Task SealTimes_WithAndWithoutWebAssembly_AreLoggedAndEnvelopesMatchInSize()
    {
        await using var normal = await fixture.Browser.BrowserType.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ChromiumPath,
            Headless = true,
            Args = BrowserFixture.ChromiumArgs,
        });
        var wasm = await MeasureAsync(normal, deleteWebAssembly: false);
        var noWasm = await MeasureAsync(normal, deleteWebAssembly: true);
        var safer = await MeasureAsync(fixture.Browser, deleteWebAssembly: false);
        Assert.False(wasm.NoWebAssembly);
        Assert.True(noWasm.NoWebAssembly);
        Assert.True(safer.NoWebAssembly);
        Assert.Equal(wasm.EnvelopeBytes, noWasm.EnvelopeBytes);
        Assert.Equal(wasm.EnvelopeBytes, safer.EnvelopeBytes);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"""
                              WebAssembly   no WebAssembly   no WebAssembly, no JIT
             start-up (ms) {wasm.StartMs,14:F0} {noWasm.StartMs,16:F0} {safer.StartMs,24:F0}
             seal (ms)     {wasm.SealMs,14:F1} {noWasm.SealMs,16:F1} {safer.SealMs,24:F1}
             pow 2^8 (s)   {wasm.PowMs / 1000,14:F1} {noWasm.PowMs / 1000,16:F1} {safer.PowMs / 1000,24:F1}
             envelope {wasm.EnvelopeBytes} bytes
             """));
    }

    private sealed record Timing(bool NoWebAssembly, double StartMs, double SealMs, double PowMs, long EnvelopeBytes);

    private async Task<Timing> MeasureAsync(IBrowser browser, bool deleteWebAssembly)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Server.Address.ToString() });
        if (deleteWebAssembly)
        {
            await context.AddInitScriptAsync("delete globalThis.WebAssembly;");
        }

        var page = await context.NewPageAsync();
        await page.GotoAsync("/en/");
        // Start-up: from navigation until the page has verified the reviewers' bundle (libsodium is ready by then).
        await page.Locator("#bundle-fingerprint .fp-group").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var start = await page.EvaluateAsync<double>("() => performance.now()");
        // A report as app.js builds it with replies wanted: codename, keys, seal (median of 5, after one warm-up).
        var json = await page.EvaluateAsync<JsonElement>(
            """
            async () => {
              const C = SafeIntakeCrypto;
              const kp = sodium.crypto_box_keypair();
              const report = async () => {
                const keys = await C.deriveCodenameKeys(await C.generateCodename());
                let bytes = 0;
                await C.seal({
                  recipients: [kp.publicKey], bundleHash: new Uint8Array(32), replyKeys: keys, attachments: [],
                  manifest: { kind: 'report', lang: 'en', sealedBy: 'browser/1',
                              fields: { what: 'x'.repeat(2000), when: '', where: '', category: null } },
                  onChunk: (c) => { bytes += c.length; }
                });
                return bytes;
              };
              const envelopeBytes = await report();
              const times = [];
              for (let i = 0; i < 5; i++) { const t = performance.now(); await report(); times.push(performance.now() - t); }
              times.sort((a, b) => a - b);
              // 64 trials at the default 4000 iterations, scaled to the 2^8 expected at the default difficulty.
              const t = performance.now();
              for (let i = 0; i < 64; i++) await SafeIntakePow.trial(crypto.subtle, 'timing', i, 4000);
              const pow = (performance.now() - t) * 4;
              return { noWasm: typeof WebAssembly === 'undefined', seal: times[2], pow, envelopeBytes };
            }
            """);
        return new Timing(
            json.GetProperty("noWasm").GetBoolean(), start, json.GetProperty("seal").GetDouble(),
            json.GetProperty("pow").GetDouble(), json.GetProperty("envelopeBytes").GetInt64());
    }
}
