using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using SafeIntake.Intake.Web.Storage;

namespace SafeIntake.Intake.Web.Tests.Storage;

/// <summary>Upgrades a database written by the previous release, with the damage that release could leave.</summary>
public sealed class MigrationTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("safeintake-migration-").FullName;

    [Fact]
    public async Task ReplyUniqueIndex_OnADatabaseHoldingOneReplyTwice_UpgradesAndKeepsOneVisibleCopy()
    {
        var connection = $"Data Source={Path.Combine(folder, "intake.db")};Pooling=False";
        await using (var db = Open(connection))
        {
            await db.GetService<IMigrator>().MigrateAsync("20261126125241_AirGapTransfer");
            await db.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO Envelopes (Id, Kind, ReceivedDay, Size, EnvelopeHash, BundleHash, MailboxId, State)
                VALUES ('a1', 3, '2026-11-30', 10, 'h1', 'b', 'm1', 1),
                       ('a2', 3, '2026-11-30', 10, 'h1', 'b', 'm1', 1),
                       ('a3', 3, '2026-11-30', 10, 'h2', 'b', 'm1', 1),
                       ('r1', 1, '2026-11-30', 10, 'h1', 'b', 'm1', 1);
                """);
        }

        await using (var db = Open(connection))
        {
            await db.Database.MigrateAsync();
            var rows = await db.Envelopes.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync();

            Assert.Equal(["a1", "a2", "a3", "r1"], rows.Select(e => e.Id));
            var copy = rows.Single(e => e.Id == "a2");
            Assert.Equal(EnvelopeState.Deleted, copy.State);
            Assert.Null(copy.MailboxId);
            Assert.All(rows.Where(e => e.Id != "a2"), e => Assert.Equal(("m1", EnvelopeState.Stored), (e.MailboxId, e.State)));
        }
    }

    private static IntakeDbContext Open(string connection) =>
        new(new DbContextOptionsBuilder<IntakeDbContext>().UseSqlite(connection).Options);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
