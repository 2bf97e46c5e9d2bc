using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace SafeIntake.Intake.Web.Storage;

/// <summary>
/// Lets SQLite itself wait for a busy writer (it backs off from 1 ms), instead of Microsoft.Data.Sqlite's own retry,
/// which sleeps 150 ms a time: with concurrent witnesses every create and finalize meets a busy writer, and those
/// sleeps were most of the server's latency under load (bench/load.sh).
/// </summary>
public sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    private const string Pragma = "PRAGMA busy_timeout = 10000;";

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
