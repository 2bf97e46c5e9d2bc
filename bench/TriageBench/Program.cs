using System.Diagnostics;
using System.Globalization;
using SafeIntake.Review.Console;
using SafeIntake.Review.Console.Commands;
using SafeIntake.Review.Console.Home;
using SafeIntake.Review.Console.Tests.Support;
using SafeIntake.Review.Console.Triage;
using Spectre.Console.Testing;

// Builds a vault of N reports (default 10,000) the way import does, triages a third of them, then times the read
// paths the issue names against a baseline measured on the same vault in the same run: a bare scan of every row's
// plain columns (the least any list must do). Prints medians of R runs (default 9) and their ratio to the baseline.
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9;
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

var setup = Stopwatch.StartNew();
home.Expect(ExitCodes.Ok, "import", export.WriteTo(home.Root), "--json");
Console.WriteLine($"imported {count} reports in {setup.Elapsed.TotalSeconds:F1} s");

var environment = new ConsoleEnvironment { GetVariable = name => home.Variables.GetValueOrDefault(name), UserHome = home.Root };
var console = new TestConsole();
using var session = VaultSession.Open(ConsoleHome.Resolve(home.Root, environment), new Passphrases(console, environment, null));
var actions = session.Actions(DateTimeOffset.UtcNow);
var ids = CaseQuery.List(session.Vault, new CaseFilter { Limit = int.MaxValue, Sort = "oldest" }).Items.Select(c => c.Id).ToList();
setup.Restart();
for (var i = 0; i < ids.Count; i += 3)
{
    actions.SetStatus(ids[i], "triaged", null);
    actions.SetSeverity(ids[i], i % 2 == 0 ? "high" : "low");
    if (i % 9 == 0)
    {
        actions.Tag(ids[i], ["police"], remove: false);
    }
}

Console.WriteLine($"triaged {ids.Count / 3} reports ({AuditLog.Read(session.Vault).Count} audit entries) in {setup.Elapsed.TotalSeconds:F1} s");

var measurements = new List<(string Name, double Median, string Result)>();
void Measure(string name, Func<string> work)
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
    measurements.Add((name, times[times.Count / 2], result));
}

var db = session.Vault.Db;
Measure("baseline: scan every row's plain columns", () => $"{Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AsNoTracking(db.Envelopes).Select(e => new { e.Id, e.Status, e.Severity }).ToList().Count} rows");
Measure("list --status new --text \"gate 42\"", () => Found(new CaseFilter { Statuses = ["new"], Text = "gate 42" }));
Measure("list --status triaged --severity high --tag police", () => Found(new CaseFilter { Statuses = ["triaged"], Severities = ["high"], Tags = ["police"] }));
Measure("list --category detention (opens every category cell)", () => Found(new CaseFilter { Category = "detention" }));
Measure("list (newest 50, no filter)", () => Found(new CaseFilter()));
Measure("show <id> (a triaged report with history)", () => $"{CaseQuery.Show(session.Vault, ids[0]).History.Count} history entries");
Measure("stats", () => $"{CaseQuery.Stats(session.Vault).Reports} reports");

// The whole command as a reviewer runs it: unlock (Argon2id at the test minimum here), open, query, print.
Measure("whole command: list -s new -q \"gate 42\" (fast-Argon2 keyfile)", () => home.Run("list", "--status", "new", "--text", "gate 42").ExitCode.ToString(CultureInfo.InvariantCulture));

var baseline = measurements[0].Median;
Console.WriteLine();
Console.WriteLine($"{count} reports, median of {repeats} runs, ratio to the baseline scan:");
foreach (var (name, median, result) in measurements)
{
    Console.WriteLine($"  {name,-62} {median,9:F1} ms  {median / baseline,6:F1}×  ({result})");
}

string Found(CaseFilter filter)
{
    var list = CaseQuery.List(session.Vault, filter);
    return $"{list.Total} found, {list.Items.Count} shown";
}
