using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SafeIntake.Review.Console;
using SafeIntake.Review.Console.Commands;
using SafeIntake.Review.Console.Home;
using SafeIntake.Review.Console.Tests.Support;
using SafeIntake.Review.Console.Triage;
using Spectre.Console.Testing;

// Issue 15's scale figures (bench/triage.sh). For each vault size (default 10,000 and 100,000 reports): the import
// rate, then the read paths a reviewer uses, in a running process and as cold commands (a new process each, as a
// reviewer types them), beside a baseline on the same vault file in the same run: a bare read of every row's plain
// columns, in process through Microsoft.Data.Sqlite and cold through the sqlite3 program. Medians of R runs (default 5).
// usage: TriageBench [sizes, comma-separated] [repeats] [the published safeintake-review to run cold]
var sizes = (args.Length > 0 ? args[0] : "10000,100000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
// Cold commands run the console as the reviewer installs it (bench/triage.sh publishes it as the guide says), or else
// this Release build through dotnet (framework-dependent and JIT-compiled: about a second slower to start).
string[] reviewCommand = args.Length > 2 ? [args[2]] : ["dotnet", Path.Combine(AppContext.BaseDirectory, "safeintake-review.dll")];
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0..3].Aggregate((a, b) => a + " " + b)}; "
    + $"cold commands run {string.Join(' ', reviewCommand)}");
foreach (var size in sizes)
{
    Run(size);
}

return 0;

void Run(int count)
{
    using var home = new TestHome();
    var alice = home.InitReviewer();
    using var export = new ExportBuilder();
    home.Expect(ExitCodes.Ok, "server", "trust", export.ServerKeyBase64);
    string[] categories = ["police violence", "detention", "land seizure", "threats", "other"];
    for (var i = 0; i < count; i++)
    {
        export.Add("report", Witness.Report(alice.EncryptionKey, $"report number {i} about the incident at gate {i % 97}", i % 3 == 0 ? "zh-Hant-HK" : "en",
            categories[i % categories.Length]));
    }

    var bundle = export.WriteTo(home.Root);
    var clock = Stopwatch.StartNew();
    home.Expect(ExitCodes.Ok, "import", bundle, "--json");
    var importSeconds = clock.Elapsed.TotalSeconds;
    File.Delete(bundle);

    var environment = new ConsoleEnvironment { GetVariable = name => home.Variables.GetValueOrDefault(name), UserHome = home.Root };
    using var session = VaultSession.Open(ConsoleHome.Resolve(home.Root, environment), new Passphrases(new TestConsole(), environment, null));
    var actions = session.Actions(DateTimeOffset.UtcNow);
    var ids = CaseQuery.List(session.Vault, new CaseFilter { Limit = int.MaxValue, Sort = "oldest" }).Items.Select(c => c.Id).ToList();
    // 3,000 triaged reports (or a third of a smaller vault), spread over the whole vault: each costs a signed audit entry.
    var triaged = Math.Min(3000, count / 3);
    clock.Restart();
    for (var n = 0; n < triaged; n++)
    {
        var id = ids[(int)((long)n * ids.Count / triaged)];
        actions.SetStatus(id, "triaged", null);
        actions.SetSeverity(id, n % 2 == 0 ? "high" : "low");
        if (n % 3 == 0)
        {
            actions.Tag(id, ["police"], remove: false);
        }
    }

    var triageSeconds = clock.Elapsed.TotalSeconds;
    var shownId = ids[0];
    var rows = new List<(string Name, double Ms, string Result)>();

    // In a running process (review's session, a script's loop).
    var connection = session.Vault.Connection;
    Measure(rows, "baseline: read every row's plain columns (Microsoft.Data.Sqlite)", () =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Id, Status, Severity, ReceivedDay FROM Envelopes";
        using var reader = command.ExecuteReader();
        var n = 0;
        while (reader.Read())
        {
            _ = reader.GetString(0);
            n++;
        }

        return $"{n} rows";
    });
    Measure(rows, "list (newest 50)", () => Found(session, new CaseFilter()));
    Measure(rows, "list --text \"gate 42\"", () => Found(session, new CaseFilter { Text = "gate 42" }));
    Measure(rows, "list --status triaged --severity high --tag police", () => Found(session, new CaseFilter { Statuses = ["triaged"], Severities = ["high"], Tags = ["police"] }));
    Measure(rows, "list --json (every report, as the command prints it)", () =>
    {
        var result = home.Run("list", "--json");
        return $"{result.Output.Length / 1024} KiB of JSON, whole command in this process";
    });
    Measure(rows, "show <id>", () => $"{CaseQuery.Show(session.Vault, shownId).History.Count} history entries");
    Measure(rows, "stats", () => $"{CaseQuery.Stats(session.Vault).Reports} reports");

    // Cold: a new process per command, as a reviewer types it (Argon2id at the test minimum, so the figure is the console's own).
    var cold = new List<(string Name, double Ms, string Result)>();
    var vaultFile = Path.Combine(home.Root, "vault", "vault.db");
    Measure(cold, "baseline: sqlite3 reads every row's plain columns", () => Process("sqlite3", [vaultFile, "SELECT Id, Status, Severity, ReceivedDay FROM Envelopes"], home));
    foreach (var command in new[] { new[] { "list" }, ["list", "--text", "gate 42"], ["list", "--json"], ["show", shownId], ["stats"] })
    {
        Measure(cold, "safeintake-review " + string.Join(' ', command.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a)),
            () => Process(reviewCommand[0], [.. reviewCommand[1..], .. command], home));
    }

    Console.WriteLine();
    Console.WriteLine($"## {count:N0} reports");
    Console.WriteLine();
    Console.WriteLine($"import: {count:N0} reports in {importSeconds:F1} s = {count / importSeconds:N0} reports/s (target at 100,000: <= 60 s)"
        + $"; triaged {triaged:N0} of them in {triageSeconds:F1} s");
    Print("in a running process", rows);
    Print("cold commands (a new process each)", cold);
}

void Measure(List<(string, double, string)> into, string name, Func<string> work)
{
    var result = work(); // warm-up: JIT, SQLite page cache
    var times = new List<double>();
    for (var r = 0; r < repeats; r++)
    {
        var watch = Stopwatch.StartNew();
        result = work();
        times.Add(watch.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    into.Add((name, times[times.Count / 2], result));
}

void Print(string title, List<(string Name, double Ms, string Result)> rows)
{
    Console.WriteLine();
    Console.WriteLine($"{title}, median of {repeats} runs, ratio to the baseline:");
    Console.WriteLine();
    Console.WriteLine("| | ms | ratio | result |");
    Console.WriteLine("|---|---|---|---|");
    foreach (var (name, ms, result) in rows)
    {
        Console.WriteLine($"| {name} | {ms:F1} | {ms / rows[0].Ms:F1} | {result} |");
    }
}

static string Found(VaultSession session, CaseFilter filter)
{
    var list = CaseQuery.List(session.Vault, filter);
    return $"{list.Total} found, {list.Items.Count} shown";
}

static string Process(string file, string[] arguments, TestHome home)
{
    var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }

    foreach (var (name, value) in home.Variables)
    {
        start.Environment[name] = value;
    }

    using var process = System.Diagnostics.Process.Start(start)!;
    var stderr = process.StandardError.ReadToEndAsync();
    var bytes = 0L;
    var buffer = new char[1 << 16];
    int read;
    while ((read = process.StandardOutput.Read(buffer, 0, buffer.Length)) > 0)
    {
        bytes += read;
    }

    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: exit {process.ExitCode}: {stderr.Result}");
    }

    return $"{bytes / 1024} KiB out";
}
