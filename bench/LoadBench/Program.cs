using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using SafeIntake.Bench;
using SafeIntake.Intake.Web.Tests;

// bench/load.sh runs this. Loopback only; every loop is bounded by its report count. The two servers are not
// disposed: the ProcessExit handler that kills them needs their Process objects alive.
//   LoadBench baseline <url> <folder>              the bare app (started by the bench itself)
//   LoadBench <server dll> <demo folder> [per-level reports]
if (args is ["baseline", var baseUrl, var baseFolder])
{
    await Baseline.RunAsync(baseUrl, baseFolder);
    return 0;
}

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: LoadBench <SafeIntake.Intake.Web.dll> <empty folder> [reports per level, default 320]");
    return 2;
}

var serverDll = Path.GetFullPath(args[0]);
var root = Path.GetFullPath(args[1]);
var perLevel = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 320;
int[] levels = [1, 16, 64];
const int EnvelopeBytes = 64 << 10;

var project = Launch("dotnet", $"\"{serverDll}\" --urls {{url}}", Path.Combine(root, "project"), new()
{
    ["Intake__Mode"] = "Demo",
    ["Intake__DemoPath"] = Path.Combine(root, "project"),
    // Throughput, not abuse control: the budget and the proof of work would otherwise be what is measured.
    ["Intake__PowDifficulty"] = "1",
    ["Intake__PowIterations"] = "1",
    ["Intake__RateLimitPerMinute"] = "10000000",
    ["Serilog__MinimumLevel__Default"] = "Warning",
}, out var projectUrl);
var baseline = Launch("dotnet", $"\"{typeof(Baseline).Assembly.Location}\" baseline {{url}} \"{Path.Combine(root, "baseline")}\"", Path.Combine(root, "baseline-home"), new(), out var baselineUrl);
await WaitReadyAsync(projectUrl);
await WaitReadyAsync(baselineUrl);

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
var witness = new WitnessClient(new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(projectUrl) }, Path.Combine(root, "project"));
var bare = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(baselineUrl) };

// Every report is sealed before the clock starts, each distinct (the server stores identical bytes once).
const int Warmup = 200;
const int Rounds = 3;
var total = perLevel * levels.Length + 2 * Warmup;
var attachment = new byte[EnvelopeBytes];
var envelopes = new List<byte[]>(total);
for (var i = 0; i < total; i++)
{
    Random.Shared.NextBytes(attachment);
    envelopes.Add(await witness.SealAsync("report", new JsonObject { ["category"] = "police", ["lang"] = "en", ["text"] = $"bench {i}" }, [("photo.bin", attachment)]));
}

var next = 0;
byte[] Take() => envelopes[Interlocked.Increment(ref next) - 1];

// Warm both (JIT up to its optimised tier, connection pool, SQLite) outside the figures: a server in service runs
// warm, and with 8 warm-up reports the first level mostly measured the JIT.
for (var i = 0; i < Warmup; i++)
{
    await ProjectOnce(Take());
    await BaselineOnce(Take());
}

Console.WriteLine($"{perLevel} reports of {envelopes[0].Length / 1024} KiB per level; machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0..3].Aggregate((a, b) => a + " " + b)}");
Console.WriteLine();
Console.WriteLine("| concurrency | app | reports/s | create p50/p99 ms | chunk p50/p99 ms | finalize p50/p99 ms | ratio |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var concurrency in levels)
{
    // The two alternate, in rounds, so that a slow moment of a shared machine falls on both rather than on one.
    var b = Level.Empty;
    var p = Level.Empty;
    for (var round = 0; round < Rounds; round++)
    {
        b += await RunLevelAsync(concurrency, perLevel / 2 / Rounds, BaselineOnce);
        p += await RunLevelAsync(concurrency, perLevel / 2 / Rounds, ProjectOnce);
    }

    Console.WriteLine(Row(concurrency, "bare ASP.NET Core, fsync + rename", b, ""));
    Console.WriteLine(Row(concurrency, "SafeIntake", p, $"{p.PerSecond / b.PerSecond:0.00}"));
}

return 0;

async Task<Phases> ProjectOnce(byte[] envelope)
{
    var clock = Stopwatch.StartNew();
    var ticket = await witness.CreateUploadAsync(envelope.Length);
    var create = clock.Elapsed.TotalMilliseconds;
    using (var patch = await witness.PatchAsync(ticket.Id, 0, envelope))
    {
        Expect(patch, HttpStatusCode.NoContent);
    }

    var chunk = clock.Elapsed.TotalMilliseconds - create;
    using (var done = await witness.FinalizeAsync(ticket.Id))
    {
        Expect(done, HttpStatusCode.Created);
    }

    return new(create, chunk, clock.Elapsed.TotalMilliseconds - create - chunk);
}

async Task<Phases> BaselineOnce(byte[] envelope)
{
    var clock = Stopwatch.StartNew();
    string id;
    using (var created = await bare.PostAsync(new Uri("/api/v1/uploads", UriKind.Relative), new StringContent("{}")))
    {
        Expect(created, HttpStatusCode.Created);
        id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    var create = clock.Elapsed.TotalMilliseconds;
    using (var patch = await bare.PatchAsync(new Uri($"/api/v1/uploads/{id}", UriKind.Relative), new ByteArrayContent(envelope)))
    {
        Expect(patch, HttpStatusCode.NoContent);
    }

    var chunk = clock.Elapsed.TotalMilliseconds - create;
    using (var done = await bare.PostAsync(new Uri($"/api/v1/uploads/{id}/finalize", UriKind.Relative), null))
    {
        Expect(done, HttpStatusCode.Created);
    }

    return new(create, chunk, clock.Elapsed.TotalMilliseconds - create - chunk);
}

async Task<Level> RunLevelAsync(int concurrency, int reports, Func<byte[], Task<Phases>> once)
{
    var results = new System.Collections.Concurrent.ConcurrentBag<Phases>();
    var remaining = reports;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (Interlocked.Decrement(ref remaining) >= 0)
        {
            results.Add(await once(Take()));
        }
    }));
    return new(results.ToList(), clock.Elapsed.TotalSeconds);
}

static string Row(int concurrency, string app, Level level, string ratio)
{
    string P(Func<Phases, double> phase)
    {
        var sorted = level.Runs.Select(phase).Order().ToArray();
        return $"{sorted[sorted.Length / 2]:0.0} / {sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))]:0.0}";
    }

    return $"| {concurrency} | {app} | {level.PerSecond:0.0} | {P(r => r.Create)} | {P(r => r.Chunk)} | {P(r => r.Finalize)} | {ratio} |";
}

static void Expect(HttpResponseMessage response, HttpStatusCode status)
{
    if (response.StatusCode != status)
    {
        throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode}, expected {(int)status}");
    }
}

static Process Launch(string file, string arguments, string home, Dictionary<string, string> environment, out string url)
{
    Directory.CreateDirectory(home);
    using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
    {
        listener.Start();
        url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }

    var start = new ProcessStartInfo(file, arguments.Replace("{url}", url, StringComparison.Ordinal)) { WorkingDirectory = home, RedirectStandardOutput = true, RedirectStandardError = true };
    start.Environment["ASPNETCORE_URLS"] = url;
    foreach (var (key, value) in environment)
    {
        start.Environment[key] = value;
    }

    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    };
    return process;
}

static async Task WaitReadyAsync(string url)
{
    using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(2) };
    for (var attempt = 0; attempt < 120; attempt++)
    {
        try
        {
            if ((await http.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
        }

        await Task.Delay(500);
    }

    throw new TimeoutException($"{url} did not start in 60 s");
}

internal sealed record Phases(double Create, double Chunk, double Finalize);

/// <summary>The runs of one app at one concurrency, over one or more rounds; reports/s over their summed wall time.</summary>
internal sealed record Level(List<Phases> Runs, double Seconds)
{
    public static readonly Level Empty = new([], 0);

    public double PerSecond => Runs.Count / Seconds;

    public static Level operator +(Level a, Level b) => new([.. a.Runs, .. b.Runs], a.Seconds + b.Seconds);
}
