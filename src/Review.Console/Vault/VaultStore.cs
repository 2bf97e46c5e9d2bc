using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Home;

namespace SafeIntake.Review.Console.Vault;

/// <summary>
/// The open vault: one SQLite connection (WAL, <c>secure_delete</c>), the EF context on it, and the keys derived from
/// the reviewer's X25519 secret. Opening checks the file before SQLite touches it, so a truncated or foreign file is
/// a clear error, and checks the key against a sealed cell, so another reviewer's key is refused.
/// </summary>
public sealed class VaultStore : IDisposable
{
    private const string KeyCheckText = "SafeIntake vault v1";

    private VaultStore(SqliteConnection connection, VaultDbContext db, VaultKeys keys, string path)
    {
        Connection = connection;
        Db = db;
        Keys = keys;
        Path = path;
    }

    public SqliteConnection Connection { get; }

    public VaultDbContext Db { get; }

    public VaultKeys Keys { get; }

    public string Path { get; }

    public static VaultStore Open(ConsoleHome home, string reviewerId, X25519SecretKey reviewerKey)
    {
        ArgumentNullException.ThrowIfNull(home);
        var path = home.VaultFile;
        CheckFile(path);
        AtomicFile.CreatePrivateFolder(home.VaultFolder);
        var isNew = !File.Exists(path);

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        VaultDbContext? db = null;
        VaultKeys? keys = null;
        try
        {
            connection.Open();
            // secure_delete: freed pages are overwritten, so deleted ciphertext does not linger in the file.
            Execute(connection, "PRAGMA secure_delete = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;");
            AtomicFile.RestrictToOwner(path);
            // One JSON parameter per collection (json_each), never one parameter per item: EF Core 10's default expands
            // `ids.Contains(x)` into one SQL variable per id, and SQLite refuses more than 32,766 ("too many SQL variables").
            db = new VaultDbContext(new DbContextOptionsBuilder<VaultDbContext>()
                .UseSqlite(connection, o => o.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter)).Options);
            var logExisted = TableExists(connection, AuditEntry.Table);
            MigrateIfNeeded(connection, db);
            keys = VaultKeys.Derive(reviewerKey);
            var store = new VaultStore(connection, db, keys, path);
            store.CheckOwner(reviewerId, isNew);
            if (isNew || !logExisted)
            {
                // Only here does a log start: anywhere else a missing head means the log was removed.
                Triage.AuditLog.Start(store);
            }

            return store;
        }
        catch
        {
            keys?.Dispose();
            db?.Dispose();
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Migrates only when the file lacks a migration this build knows. EF's Migrate() also diffs the model on every
    /// call, which costs a cold process more than the whole query it is about to run; the history table says enough.
    /// </summary>
    private static bool TableExists(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", table);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>The newest migration in Vault/Migrations; a test keeps it equal to what EF finds there.</summary>
    public const string LatestMigration = "20261126153356_Triage";

    private static void MigrateIfNeeded(SqliteConnection connection, VaultDbContext db)
    {
        var latest = LatestMigration;
        string? applied = null;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsHistory'";
            if (command.ExecuteScalar() is not null)
            {
                command.CommandText = "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId DESC LIMIT 1";
                applied = command.ExecuteScalar() as string;
            }
        }

        if (!string.Equals(applied, latest, StringComparison.Ordinal))
        {
            db.Database.Migrate();
        }
    }

    /// <summary>A vault file that is not SQLite, is shorter than its header says, or is empty is refused before it is opened.</summary>
    public static void CheckFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return;
        }

        var damaged = new CommandFailedException(
            $"The vault file {path} is damaged (truncated or not a vault). Nothing was changed. Restore it from your backup, "
            + "or move it away to start an empty vault and import your bundles again.");
        if (info.Length < 100)
        {
            throw damaged;
        }

        var header = new byte[100];
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            file.ReadExactly(header);
        }

        if (!header.AsSpan(0, 16).SequenceEqual("SQLite format 3\0"u8))
        {
            throw damaged;
        }

        var pageSize = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(16)) is var size && size == 1 ? 65536L : size;
        var changeCounter = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(24));
        var pageCount = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(28));
        var validFor = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(92));
        if (pageSize < 512 || (validFor == changeCounter && info.Length < pageSize * pageCount))
        {
            throw damaged;
        }
    }

    public string? GetSetting(string name) =>
        Db.Settings.AsNoTracking().Where(s => s.Name == name).Select(s => s.Value).SingleOrDefault();

    public long LastSequence => long.TryParse(GetSetting(VaultSetting.LastSequence), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private void CheckOwner(string reviewerId, bool isNew)
    {
        var check = Db.Settings.AsNoTracking().SingleOrDefault(s => s.Name == VaultSetting.KeyCheck);
        if (check is null)
        {
            if (!isNew && Db.Envelopes.Any())
            {
                throw new CommandFailedException($"The vault {Path} has lost its key check: it was altered. Restore it from your backup.");
            }

            Db.Settings.Add(new VaultSetting
            {
                Name = VaultSetting.KeyCheck,
                Sealed = Keys.Cells.Seal(VaultSetting.Table, "Sealed", VaultSetting.KeyCheck, Encoding.ASCII.GetBytes(KeyCheckText)),
            });
            Db.Settings.Add(new VaultSetting { Name = VaultSetting.ReviewerId, Value = reviewerId });
            Db.SaveChanges();
            Db.ChangeTracker.Clear();
            return;
        }

        if (check.Sealed is null || !Keys.Cells.TryOpen(VaultSetting.Table, "Sealed", VaultSetting.KeyCheck, check.Sealed))
        {
            throw new CommandFailedException(
                $"The vault {Path} belongs to another reviewer key (reviewer '{GetSetting(VaultSetting.ReviewerId)}'). Use that reviewer's --home.");
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        Keys.Dispose();
        Db.Dispose();
        // Fold the WAL back into the file, so the folder holds one vault file between commands.
        try
        {
            Execute(Connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
        catch (SqliteException)
        {
            // Best effort: SQLite replays the WAL on the next open.
        }

        Connection.Dispose();
    }
}
