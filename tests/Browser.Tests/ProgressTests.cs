using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Playwright;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// Honest progress while sending (issue 12), at phone size: the progress area comes into view, each of the four
/// steps (check, encrypt, send, confirm) has its words and its share of the bar, a remaining-time estimate appears
/// once the rate is known, and the padded total is explained. Uploads are slowed (each chunk held 1.5 s, as over a
/// slow Tor circuit) so the estimate has time to appear. Screenshots go to docs/screens/.
/// </summary>
public abstract class ProgressTestsBase<TFixture>(TFixture fixture) where TFixture : BrowserFixture
{
    protected abstract string Level { get; }

    [ChromiumTheory]
    [InlineData("en")]
    [InlineData("zh-Hant-HK")]
    [InlineData("zh-Hans")]
    public async Task Send_ShowsEachStep_RemainingTime_AndWhyTheTotalIsLarger(string lang)
    {
        var path = Path.Combine(Path.GetTempPath(), $"progress-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, RandomNumberGenerator.GetBytes(9 << 20));
        try
        {
            await using var witness = await fixture.NewSessionAsync($"progress-{Level}", lang,
                new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 }, IsMobile = true });
            await witness.Context.RouteAsync("**/api/v1/uploads/*", async route =>
            {
                if (route.Request.Method == "PATCH")
                {
                    await Task.Delay(1500);
                }

                await route.ContinueAsync();
            });
            await witness.OpenFormAsync();
            await witness.FillReportAsync(new WitnessReport("Progress, step by step.", "", "", null));
            await witness.AttachAsync("files", path);
            await witness.Page.EvaluateAsync("""
                () => {
                  window.__progress = [];
                  const record = () => window.__progress.push({
                    bar: Number(document.getElementById('progress').value),
                    text: document.getElementById('progress-text').textContent,
                    eta: document.getElementById('progress-eta').textContent,
                    padding: document.getElementById('progress-padding').hidden ? '' : document.getElementById('progress-padding').textContent,
                    steps: Array.from(document.querySelectorAll('#progress-steps li')).map(li => li.className)
                  });
                  new MutationObserver(record).observe(document.getElementById('sending'), { subtree: true, childList: true, characterData: true, attributes: true });
                }
                """);

            await witness.Page.Locator("#submit").ClickAsync();
            await witness.Page.Locator("#sending").WaitForAsync();
            // In view: the section's top is on screen, not below the greyed-out form.
            var top = await witness.Page.EvaluateAsync<double>("() => document.getElementById('sending').getBoundingClientRect().top");
            Assert.InRange(top, -1, 844 / 2);

            await witness.Page.Locator("#progress-eta:not(:empty), #done:not([hidden]), #form-error:not([hidden])").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 90_000 });
            Assert.True(await witness.Page.Locator("#progress-eta:not(:empty)").CountAsync() == 1,
                "no remaining-time estimate while sending: " + await witness.Page.EvaluateAsync<string>("() => document.getElementById('form-error').hidden + ' ' + document.getElementById('form-error').textContent + ' done:' + document.getElementById('done').hidden") + " " + await witness.Page.EvaluateAsync<string>("() => JSON.stringify(window.__progress.map(p => [p.bar, p.text, p.eta]))"));
            Directory.CreateDirectory(ScreensFolder);
            await witness.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreensFolder, $"progress-{Level}-{lang}.png") });
            await witness.AssertAccessibleAsync("sending");
            Assert.NotNull(await witness.WaitForDoneAsync());

            using var log = JsonDocument.Parse(await witness.Page.EvaluateAsync<string>("() => JSON.stringify(window.__progress)"));
            var steps = log.RootElement.EnumerateArray().Select(p => new
            {
                Bar = p.GetProperty("bar").GetInt32(),
                Text = p.GetProperty("text").GetString() ?? "",
                Eta = p.GetProperty("eta").GetString() ?? "",
                Padding = p.GetProperty("padding").GetString() ?? "",
                States = string.Join(",", p.GetProperty("steps").EnumerateArray().Select(s => s.GetString())),
            }).ToList();

            // The bar only moves forward and ends full.
            Assert.Equal(steps.Select(s => s.Bar).Order(), steps.Select(s => s.Bar));
            Assert.Equal(1000, steps[^1].Bar);

            // Each step in its own words, in order, with the step list saying which one is under way.
            int First(string key) => steps.FindIndex(s => s.Text.StartsWith(witness.T(key).Split('{')[0], StringComparison.Ordinal));
            var check = First("js.send.pow");
            var seal = First("js.send.seal");
            var upload = First("js.send.upload");
            var confirm = First("js.send.finalize");
            Assert.True(check >= 0 && seal > check && upload > seal && confirm > upload, $"steps out of order: {check}, {seal}, {upload}, {confirm}");
            // Once confirming, the words never go back to an earlier step.
            Assert.All(steps.Skip(confirm), s => Assert.StartsWith(witness.T("js.send.finalize"), s.Text, StringComparison.Ordinal));
            Assert.Equal("step-active,step-waiting,step-waiting,step-waiting", steps[check].States);
            Assert.Equal("step-done,step-active,step-waiting,step-waiting", steps[seal].States);
            Assert.Equal("step-done,step-done,step-active,step-waiting", steps[upload].States);
            Assert.Equal("step-done,step-done,step-done,step-active", steps[confirm].States);
            // The check's share is the first 5 %, confirming the last 5 %.
            Assert.All(steps.Take(seal), s => Assert.InRange(s.Bar, 0, 50));
            Assert.InRange(steps[confirm].Bar, 940, 960);

            // A remaining-time estimate, in the page's language, before the end.
            var etaPrefixes = EtaKeys.Select(k => witness.T(k).Split('{')[0]).Append(witness.T("js.send.eta.minute"));
            var etas = steps.Select(s => s.Eta).Where(e => e.Length > 0).Distinct().ToList();
            Assert.NotEmpty(etas);
            Assert.All(etas, e => Assert.Contains(etaPrefixes, p => e.StartsWith(p, StringComparison.Ordinal)));
            Assert.Equal("", steps[confirm].Eta);

            // The padded total explained: the words name both sizes, and they differ.
            var padding = steps.Select(s => s.Padding).Last(p => p.Length > 0);
            Assert.StartsWith(witness.T("js.send.padding").Split('{')[0], padding, StringComparison.Ordinal);
            var sizes = System.Text.RegularExpressions.Regex.Matches(padding, @"[0-9][0-9.,]*\s?[A-Za-z]+").Select(m => m.Value).ToList();
            Assert.True(sizes.Count >= 2 && sizes[0] != sizes[1], "padding text: " + padding);
            // At "Safer" libsodium's WebAssembly start fails with an uncaught error before its backup module takes
            // over (see NoWebAssemblyTests); anything else the page reports is a failure.
            witness.ConsoleProblems.RemoveAll(p =>
                p.StartsWith("uncaught: ReferenceError: WebAssembly is not defined", StringComparison.Ordinal) &&
                p.Contains("/lib/libsodium.js", StringComparison.Ordinal));
            witness.AssertCleanConsole();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static readonly string[] EtaKeys = ["js.send.eta.seconds", "js.send.eta.minutes"];

    private static string ScreensFolder => Path.Combine(IntakeServer.RepoRoot, "docs", "screens");
}

public sealed class ProgressTests(ProgressTests.Fixture fixture) : ProgressTestsBase<ProgressTests.Fixture>(fixture), IClassFixture<ProgressTests.Fixture>
{
    protected override string Level => "standard";

    public sealed class Fixture : BrowserFixture;
}

/// <summary>The same at Tor Browser "Safer", as near as Chromium gets: no JIT, no WebAssembly.</summary>
public sealed class ProgressSaferTests(ProgressSaferTests.Fixture fixture) : ProgressTestsBase<ProgressSaferTests.Fixture>(fixture), IClassFixture<ProgressSaferTests.Fixture>
{
    protected override string Level => "safer";

    public sealed class Fixture : BrowserFixture
    {
        protected override IEnumerable<string> ExtraChromiumArgs => NoWebAssemblyTests.Fixture.SaferArgs;
    }
}
