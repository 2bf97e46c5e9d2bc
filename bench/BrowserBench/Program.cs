using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using SafeIntake.Browser.Tests;

// Proof of work as the page runs it (a fresh Worker per solve, a fresh token from POST /api/v1/pow each time, the
// server's default work), in Chromium at "Standard" and at "Safer" (--jitless, WebAssembly deleted: what
// NoWebAssemblyTests does), solves alternating between the two so load on a shared machine hits both alike.
// The old scheme (BLAKE2b in libsodium.js, 16 bits) is timed in the same pages: its rate over 2,048 hashes gives the
// median and p95 of a geometric search of mean 2^16 (ln 2 and ln 20 times the mean), as solving it at "Safer"
// takes minutes.
var solves = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 60;
var chromium = "/usr/bin/chromium";
await using var server = await IntakeServer.StartAsync();
using var playwright = await Playwright.CreateAsync();
string[] common = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
await using var standard = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = common });
await using var safer = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = [.. common, "--js-flags=--jitless"] });

async Task<IPage> OpenAsync(IBrowser browser, bool deleteWebAssembly)
{
    var context = await browser.NewContextAsync(new() { BaseURL = server.Address.ToString() });
    if (deleteWebAssembly)
    {
        await context.AddInitScriptAsync("delete globalThis.WebAssembly;");
    }

    var page = await context.NewPageAsync();
    await page.GotoAsync("/en/");
    await page.Locator("#bundle-fingerprint .fp-group").First.WaitForAsync(new() { Timeout = 120_000 });
    return page;
}

const string SolveOnce =
    """
    async () => {
      const pow = await (await fetch('/api/v1/pow', { method: 'POST' })).json();
      const start = performance.now();
      const nonce = await new Promise((resolve, reject) => {
        const w = new Worker('/js/pow-worker.js');
        w.onmessage = (e) => { if (e.data.type === 'done') { w.terminate(); resolve(e.data.nonce); } else if (e.data.type === 'error') reject(new Error('pow error')); };
        w.postMessage({ token: pow.token, difficulty: pow.difficulty, iterations: pow.iterations });
      });
      const ms = performance.now() - start;
      if (!(await SafeIntakePow.verify(crypto.subtle, pow.token, pow.difficulty, pow.iterations, nonce))) throw new Error('bad nonce');
      return { ms, trials: Number(nonce) + 1, difficulty: pow.difficulty, iterations: pow.iterations, wasm: typeof WebAssembly !== 'undefined' };
    }
    """;

const string OldRate =
    """
    () => {
      const input = new Uint8Array(18 + 220 + 8); input.set(new TextEncoder().encode('SafeIntake/v1 pow'));
      const t = performance.now();
      for (let i = 0; i < 2048; i++) { input[input.length - 1] = i & 255; input[input.length - 2] = i >> 8; sodium.crypto_generichash(32, input, null); }
      return 2048 / ((performance.now() - t) / 1000);
    }
    """;

var pages = new[] { ("Standard", await OpenAsync(standard, false)), ("Safer", await OpenAsync(safer, true)) };
var times = pages.ToDictionary(p => p.Item1, _ => new List<double>());
var trials = pages.ToDictionary(p => p.Item1, _ => 0L);
var oldRates = pages.ToDictionary(p => p.Item1, _ => new List<double>());
bool? saferWasm = null;
int difficulty = 0, iterations = 0;
for (var i = 0; i < solves; i++)
{
    foreach (var (name, page) in i % 2 == 0 ? pages : pages.Reverse())
    {
        var r = await page.EvaluateAsync<JsonElement>(SolveOnce);
        times[name].Add(r.GetProperty("ms").GetDouble());
        trials[name] += r.GetProperty("trials").GetInt64();
        difficulty = r.GetProperty("difficulty").GetInt32();
        iterations = r.GetProperty("iterations").GetInt32();
        if (name == "Safer")
        {
            saferWasm = r.GetProperty("wasm").GetBoolean();
        }

        if (i % 10 == 0)
        {
            oldRates[name].Add(await page.EvaluateAsync<double>(OldRate));
        }
    }
}

if (saferWasm != false)
{
    throw new InvalidOperationException("the Safer page still had WebAssembly");
}

static double Quantile(List<double> values, double q)
{
    var sorted = values.Order().ToList();
    var pos = q * (sorted.Count - 1);
    var lo = (int)Math.Floor(pos);
    return sorted[lo] + ((sorted[Math.Min(lo + 1, sorted.Count - 1)] - sorted[lo]) * (pos - lo));
}

var inv = CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(inv, $"proof of work in Chromium, {solves} solves per level, {difficulty} bits x {iterations} PBKDF2 iterations (a fresh Worker and token per solve)"));
Console.WriteLine("                    median (s)   p95 (s)   mean (s)   trials/s   | old BLAKE2b 16 bits: hashes/s  median (s)  p95 (s)");
foreach (var (name, _) in pages)
{
    var t = times[name];
    var rate = trials[name] / (t.Sum() / 1000);
    var old = oldRates[name].Max();
    var oldMean = 65536 / old;
    Console.WriteLine(string.Create(inv,
        $"  {name,-10} {Quantile(t, 0.5) / 1000,14:F2} {Quantile(t, 0.95) / 1000,9:F2} {t.Average() / 1000,10:F2} {rate,10:F0}   | {old,24:F0} {oldMean * Math.Log(2),11:F2} {oldMean * Math.Log(20),8:F2}"));
}

Console.WriteLine(string.Create(inv, $"  HMAC iterations/s in the browser: Standard {trials["Standard"] * iterations / (times["Standard"].Sum() / 1000):N0}, Safer {trials["Safer"] * iterations / (times["Safer"].Sum() / 1000):N0}"));
Console.WriteLine($"  load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
