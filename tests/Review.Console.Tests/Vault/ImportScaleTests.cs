using System.Diagnostics;
using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Tests.Support;
using Xunit.Abstractions;

namespace SafeIntake.Review.Console.Tests.Vault;

/// <summary>Runs alone, after the parallel tests, so its time is its own.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>Issue 4: importing 10,000 small reports takes well under a minute on a 2-core machine.</summary>
[Collection(nameof(RunsAlone))]
public sealed class ImportScaleTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestHome _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public void Import_TenThousandSmallReports_AllArriveAndAreSearchable()
    {
        const int count = 10_000;
        var alice = _home.InitReviewer();
        using var export = new ExportBuilder();
        _home.Expect(ExitCodes.Ok, "server", "trust", export.ServerKeyBase64);
        var sealing = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            export.Report(alice, $"report number {i} about the incident at gate {i % 97}");
        }

        var path = export.WriteTo(_home.Root);
        output.WriteLine($"sealed {count} reports ({new FileInfo(path).Length / (1024 * 1024)} MiB bundle) in {sealing.Elapsed.TotalSeconds:F1} s");

        var import = Stopwatch.StartNew();
        var summary = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "import", path, "--json").Output)!;
        import.Stop();
        output.WriteLine($"imported {count} reports in {import.Elapsed.TotalSeconds:F1} s (unlock, verify, decrypt, vault, outbox)");

        Assert.Equal(count, (int)summary["newReports"]!);
        Assert.Empty(summary["quarantined"]!.AsArray());
        var hits = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "search", "gate 42", "--json").Output)!.AsArray();
        Assert.Equal(Enumerable.Range(0, count).Count(i => i % 97 == 42 || i == 42), hits.Count);
        Assert.Equal(count, (int)JsonNode.Parse(_home.Expect(ExitCodes.Ok, "outbox", "write", "--all", "--json").Output)!["acknowledged"]!);
    }
}
