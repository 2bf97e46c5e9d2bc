using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using SafeIntake.Review.Console.Tests.Support;
using SafeIntake.Review.Console.Vault;

namespace SafeIntake.Review.Console.Tests.Vault;

/// <summary>A vault written by the first release (InitialVault only) opens, migrates and triages like a new one.</summary>
public sealed class VaultUpgradeTests : IDisposable
{
    private readonly TriageHome _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void VaultOfTheFirstSchema_IsMigratedOnOpenAndKeepsItsReports()
    {
        var first = _t.Report("imported before triage existed");
        _t.Import();
        DowngradeToInitialVault(_t.VaultFile);
        Assert.DoesNotContain("Severity", Columns(_t.VaultFile, "Envelopes"));

        var second = _t.Report("imported after the upgrade");
        _t.Import();
        _t.Expect(ExitCodes.Ok, "set-status", first, "triaged");
        _t.Expect(ExitCodes.Ok, "tag", first, "police");

        Assert.Contains("Severity", Columns(_t.VaultFile, "Envelopes"));
        Assert.Equal([first], _t.ListIds("--tag", "police"));
        Assert.Equal(2, _t.ListIds().Count);
        Assert.Contains(second, _t.ListIds("--status", "new"));
        Assert.True((bool)_t.Json("audit", "verify")["intact"]!);
    }

    /// <summary>Rolls the file back to the first migration, as a vault from the previous release is.</summary>
    private static void DowngradeToInitialVault(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var db = new VaultDbContext(new DbContextOptionsBuilder<VaultDbContext>().UseSqlite(connection).Options);
        db.GetService<IMigrator>().Migrate(db.Database.GetMigrations().First());
        // The first release wrote no audit log: drop what this run's import recorded, and its head.
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM Settings WHERE Name = 'audit-head'";
        command.ExecuteNonQuery();
    }

    private static List<string> Columns(string path, string table)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
