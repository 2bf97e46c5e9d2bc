using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Vault;

/// <summary>
/// No query's SQL parameter count grows with the vault: SQLite refuses more than 32,766 variables, and EF Core 10
/// expands <c>ids.Contains(x)</c> into one per id unless told otherwise. The rows past the first report are written
/// with SQL directly (import would take minutes): plain columns only, their sealed cells empty.
/// </summary>
[Collection(nameof(RunsAlone))]
public sealed class VaultScaleTests : IDisposable
{
    private const int Extra = 33_000;
    private readonly TriageHome _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void ListJson_MoreReportsThanSqliteHasVariables_ListsThemAll()
    {
        var real = _t.Report("the one report sealed and imported for real");
        _t.Import();
        Assert.Equal(Extra, _t.Sql(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $extra)
            INSERT INTO Envelopes (Id, Sequence, Kind, ReceivedDay, Size, Status, ImportedDay, AttachmentCount, Manifest)
            SELECT printf('%032x', i), 1000 + i, 'report', e.ReceivedDay, e.Size, 'new', e.ImportedDay, 0, e.Manifest
            FROM n, (SELECT * FROM Envelopes LIMIT 1) AS e
            """, ("$extra", Extra)));

        var all = _t.Json("list").AsArray();

        Assert.Equal(Extra + 1, all.Count);
        Assert.Equal(Extra + 1, all.Select(e => (string)e!["id"]!).Distinct().Count());
        Assert.Equal("the one report sealed and imported for real", (string?)all.Single(e => (string?)e!["id"] == real)!["what"]);
        Assert.Equal(Extra + 1, (int)_t.Json("stats")["reports"]!);
        Assert.Equal(Extra + 1, _t.Json("list", "--status", "new", "--sort", "oldest").AsArray().Count);
    }
}
