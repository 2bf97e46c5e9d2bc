using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace SafeIntake.Intake.Web.Storage;

/// <summary>
/// Refuses new ciphertext before the disk fills: a total and a daily cap on what is stored or reserved by open
/// uploads (declared sizes count from creation), and a free-space floor on the data folder's disk
/// (docs/admin/storage-limits.md).
/// </summary>
public sealed class StorageBudget(IntakeDbContext db, IntakeWriter writer, IOptions<IntakeOptions> options, TimeProvider time)
{
    // Every create asks it; compiled once (IntakeStore's lookups say why).
    private static readonly Func<IntakeDbContext, DateTimeOffset, CancellationToken, Task<long?>> Reserved =
        EF.CompileAsyncQuery((IntakeDbContext c, DateTimeOffset now, CancellationToken _) => c.Uploads.Where(u => u.ExpiresAt > now).Sum(u => (long?)u.DeclaredSize));

    /// <summary>Seconds a refused client is told to wait: space comes back with acknowledgements and the daily reset.</summary>
    public const int RetryAfterSeconds = 3600;

    /// <summary>True when the disk holding the data folder keeps the floor after <paramref name="extra"/> more bytes.</summary>
    public bool HasFreeSpace(long extra)
    {
        var floor = options.Value.MinFreeBytes;
        if (floor <= 0)
        {
            return true;
        }

        try
        {
            var drive = new DriveInfo(Path.GetFullPath(options.Value.DataPath!));
            return drive.AvailableFreeSpace - Math.Max(0, extra) >= floor;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Unknown free space is not a reason to refuse witnesses; the caps below still apply.
            return true;
        }
    }

    /// <summary>True when a new upload of <paramref name="size"/> bytes fits every cap and the floor.</summary>
    public async Task<bool> AdmitsAsync(long size, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!HasFreeSpace(size))
        {
            return false;
        }

        if (o.MaxStorageBytes <= 0 && o.MaxStorageBytesPerDay <= 0)
        {
            return true;
        }

        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        // Open uploads count whole, at their declared size: a reservation never sent still takes its room until it expires.
        var reserved = await Reserved(db, now, cancellationToken) ?? 0;
        if (o.MaxStorageBytesPerDay > 0)
        {
            // The writer counts what it commits, so a busy day costs no scan of the day's rows per witness.
            var storedToday = writer.BytesStoredOn(today) ?? await db.Envelopes.Where(e => e.ReceivedDay == today && e.Kind != EnvelopeKind.Reply)
                .SumAsync(e => (long?)e.Size, cancellationToken) ?? 0;
            if (storedToday + reserved + size > o.MaxStorageBytesPerDay)
            {
                return false;
            }
        }

        if (o.MaxStorageBytes > 0)
        {
            var stored = writer.StoredBytes(now) ?? await SumStoredAsync(now, cancellationToken);
            if (stored + reserved + size > o.MaxStorageBytes)
            {
                return false;
            }
        }

        return true;
    }

    private async Task<long> SumStoredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Read before the sum: a row committed while it runs is counted twice (high), never missed.
        var committedBefore = writer.CommittedBytes;
        var sum = await db.Envelopes.Where(e => e.State != EnvelopeState.Deleted).SumAsync(e => (long?)e.Size, cancellationToken) ?? 0;
        writer.RememberStoredBytes(sum, committedBefore, now);
        return sum;
    }
}
