using System.ComponentModel;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SafeIntake.Intake.Web.Storage;
using Spectre.Console.Cli;

namespace SafeIntake.Intake.Web.Admin;

public sealed class BackupSettings : AdminSettings
{
    [CommandArgument(0, "<FOLDER>")]
    [Description("A new or empty folder for the copy (made 0700: it holds the server's signing key)")]
    public string Folder { get; init; } = "";
}

/// <summary>
/// <c>backup &lt;folder&gt;</c>: a consistent copy of the data folder, also while the server runs. The database goes
/// first, through SQLite's online backup (one snapshot, beside the server's writes; it takes no lock on the data
/// folder); then the blobs that snapshot names as stored — blobs are written once (temp file, rename) and never
/// changed, so a copy of each is whole, and one that arrived later is simply not in this backup — then the key ring
/// and <c>server-signing.key</c>, so a restored server signs exports with the key reviewers pinned. Uploads in
/// progress and logs are left out. Restore: docs/admin/backup.md.
/// </summary>
public sealed class BackupCommand(AdminHost host) : AdminCommand<BackupSettings>(host)
{
    protected override async Task<int> RunAsync(IServiceProvider services, BackupSettings settings, CancellationToken cancellationToken)
    {
        var dataPath = services.GetRequiredService<IOptions<IntakeOptions>>().Value.DataPath!;
        var target = Path.GetFullPath(settings.Folder);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            return Refuse(settings, $"Refused: {target} is not empty; give a new or empty folder.");
        }

        if (target.StartsWith(Path.GetFullPath(dataPath).TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            return Refuse(settings, "Refused: the backup folder is inside the data folder.");
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(target);
        }
        else
        {
            Directory.CreateDirectory(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await BackupDatabaseAsync(Path.Combine(dataPath, "intake.db"), Path.Combine(target, "intake.db"), cancellationToken);

        var stored = await StoredEnvelopeIdsAsync(Path.Combine(target, "intake.db"), cancellationToken);
        var blobs = services.GetRequiredService<BlobStore>();
        var blobTarget = Directory.CreateDirectory(Path.Combine(target, "blobs")).FullName;
        long bytes = 0;
        var missing = new List<string>();
        foreach (var id in stored)
        {
            var source = blobs.BlobPath(id);
            if (!File.Exists(source))
            {
                // Deleted by retention after the snapshot (acknowledged, or past its days): nothing to copy.
                missing.Add(id);
                continue;
            }

            var destination = Path.Combine(blobTarget, id);
            File.Copy(source, destination);
            File.SetLastWriteTimeUtc(destination, File.GetLastWriteTimeUtc(source)); // the day, as the server keeps it
            bytes += new FileInfo(destination).Length;
        }

        CopyFolder(Path.Combine(dataPath, "keys"), Path.Combine(target, "keys"));
        var signingKey = Path.Combine(dataPath, "server-signing.key");
        if (File.Exists(signingKey))
        {
            File.Copy(signingKey, Path.Combine(target, "server-signing.key"));
        }

        var copied = stored.Count - missing.Count;
        return Answer(settings, new { folder = target, envelopes = stored.Count, blobs = copied, bytes, missing },
        [
            $"Backed up to {target}: the database ({stored.Count} stored envelopes), {copied} blobs ({bytes / 1048576.0:F1} MiB), the key ring and server-signing.key.",
            missing.Count == 0 ? "Every stored envelope's blob is in the copy." : $"{missing.Count} blob(s) were deleted by retention after the database snapshot: their rows are in the copy, their ciphertext is not (listed under --json).",
            "Keep it as safe as the server: the key ring in it opens the server's signing key. Restore: docs/admin/backup.md.",
        ]);
    }

    private static async Task BackupDatabaseAsync(string source, string destination, CancellationToken cancellationToken)
    {
        await using var from = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        await using var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false }.ToString());
        await from.OpenAsync(cancellationToken);
        await to.OpenAsync(cancellationToken);
        await using (var busy = from.CreateCommand())
        {
            busy.CommandText = "PRAGMA busy_timeout=10000;";
            await busy.ExecuteNonQueryAsync(cancellationToken);
        }

        // sqlite3_backup: a page-by-page copy of one consistent state, WAL included, while the server keeps writing.
        from.BackupDatabase(to);
    }

    private static async Task<List<string>> StoredEnvelopeIdsAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Id FROM Envelopes WHERE State <> $deleted ORDER BY Sequence";
        command.Parameters.AddWithValue("$deleted", (int)EnvelopeState.Deleted);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            if (BlobStore.IsId(id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    private static void CopyFolder(string source, string destination)
    {
        if (!Directory.Exists(source))
        {
            return;
        }

        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }
    }
}
