using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace SafeIntake.Intake.Web.Storage;

/// <summary>
/// Settings every connection to the intake database gets as it opens.
/// busy_timeout: SQLite itself waits for a busy writer (it backs off from 1 ms), instead of Microsoft.Data.Sqlite's own
/// retry, which sleeps 150 ms a time; those sleeps were most of the server's latency under load (bench/load.sh).
/// secure_delete: a deleted row's bytes (an expired upload's mailbox key and size, a revoked token's label, a deleted
/// envelope's hashes) are overwritten with zeros, not left in free pages for whoever seizes the disk
/// (docs/threat-model.md, "What the disk keeps"). The WAL keeps an old page until the next checkpoint.
/// </summary>
public sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    private const string Pragma = "PRAGMA busy_timeout = 10000; PRAGMA secure_delete = ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
