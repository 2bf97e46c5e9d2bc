using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace SafeIntake.Review.Console.Tests.Support;

/// <summary>
/// A reviewer ("alice") with a pinned server key and an export to fill, for the triage tests: import what was added,
/// run commands for their JSON, and reach the vault file with plain SQL the way an attacker with the disk would.
/// </summary>
public sealed class TriageHome : IDisposable
{
    private int _bundles;

    public TriageHome()
    {
        Alice = Home.InitReviewer();
        Home.Expect(ExitCodes.Ok, "server", "trust", Export.ServerKeyBase64);
    }

    public TestHome Home { get; } = new();

    public ExportBuilder Export { get; } = new();

    public ReviewerKeys Alice { get; }

    public string VaultFile => Home.Path("vault", "vault.db");

    /// <summary>Adds a report received on <paramref name="day"/> and returns its id.</summary>
    public string Report(string what, string day = "2026-11-25", string lang = "en", string? category = null, Crypto.CodenameKeys? codename = null,
        params (string Name, byte[] Bytes)[] attachments)
    {
        var entry = Export.Add("report", Witness.Report(Alice.EncryptionKey, what, lang, category, codename, attachments), codename?.MailboxKey.PublicKey.ToBase64());
        entry.Day = day;
        return entry.Id;
    }

    public string FollowUp(Crypto.CodenameKeys codename, string text, string day = "2026-11-25")
    {
        var entry = Export.FollowUp(Alice, codename, text);
        entry.Day = day;
        return entry.Id;
    }

    /// <summary>Imports everything added so far (what is in the vault already counts as a duplicate).</summary>
    public void Import() =>
        Home.Expect(ExitCodes.Ok, "import", Export.WriteTo(Home.Root, $"export-{++_bundles}.bundle"), "--no-outbox");

    /// <summary>Runs a command with --json, expects exit 0 and parses what it printed.</summary>
    public JsonNode Json(params string[] args)
    {
        var result = Home.Expect(ExitCodes.Ok, [.. args, "--json"]);
        return JsonNode.Parse(result.Output) ?? throw new InvalidOperationException($"`{string.Join(' ', args)}` printed null");
    }

    public RunResult Expect(int exitCode, params string[] args) => Home.Expect(exitCode, args);

    /// <summary>The ids of <c>list</c> with these extra arguments (every match, as --json lists them).</summary>
    public IReadOnlyList<string> ListIds(params string[] args) =>
        Json(["list", .. args]).AsArray().Select(e => (string)e!["id"]!).ToList();

    public JsonArray Audit(params string[] args) => Json(["audit", "show", .. args]).AsArray();

    /// <summary>Opens the vault file with SQLite alone: no key, as anyone with the disk can.</summary>
    public SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = VaultFile, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public int Sql(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }

    public T Scalar<T>(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        Export.Dispose();
        Home.Dispose();
    }
}
