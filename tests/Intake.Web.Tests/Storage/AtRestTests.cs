using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;

namespace SafeIntake.Intake.Web.Tests.Storage;

/// <summary>
/// What a thief of the server's disk finds of rows that are gone, and of the hour anything happened
/// (docs/threat-model.md, "What the disk keeps").
/// </summary>
public sealed class AtRestTests : IDisposable
{
    private static readonly string[] DatabaseFiles = ["intake.db", "intake.db-wal"];
    private readonly IntakeApplicationFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task CancelledUpload_ItsMailboxKeyIsNotLeftInTheDatabaseFile()
    {
        using var witness = _factory.CreateWitness();
        var mailbox = Witnesses.NewCodenameKeys().MailboxKey.PublicKey.ToBase64();
        var ticket = await witness.CreateUploadAsync(1 << 20, mailbox: mailbox);
        Assert.Contains(mailbox, Scan(), StringComparison.Ordinal);

        using var cancel = await witness.CancelAsync(ticket.Id);
        Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);

        // The WAL holds old pages until a checkpoint; after one, the freed cell must be zeros (secure_delete).
        Checkpoint();
        Assert.DoesNotContain(mailbox, Scan(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_ExpiresAtAUtcMidnight_SoNoColumnKeepsTheHourItBegan()
    {
        using var witness = _factory.CreateWitness();
        await witness.CreateUploadAsync(1 << 20);

        var ticks = StoreSnapshot.Query(_factory.DataPath, "SELECT ExpiresAt FROM Uploads").Select(r => long.Parse(r["ExpiresAt"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(ticks);
        Assert.All(ticks, t => Assert.Equal(0, t % TimeSpan.TicksPerDay));
    }

    private string Scan() =>
        string.Concat(DatabaseFiles.Select(f => Path.Combine(_factory.DataPath, f)).Where(File.Exists)
            .Select(path =>
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(file, Encoding.Latin1);
                return reader.ReadToEnd();
            }));

    private void Checkpoint()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_factory.DataPath, "intake.db"), Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        command.ExecuteNonQuery();
    }
}
