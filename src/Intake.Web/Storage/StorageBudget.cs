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
        if (!HasFreeSpace(size))
        {
            return false;
        }

        var o = options.Value;
        var (today, total) = await UsageAsync(cancellationToken);
        return (o.MaxStorageBytesPerDay <= 0 || today + size <= o.MaxStorageBytesPerDay)
            && (o.MaxStorageBytes <= 0 || total + size <= o.MaxStorageBytes);
    }

    /// <summary>
    /// True when a configured cap is at least <see cref="NearlyFullPercent"/> % used: warned in <c>/healthz</c> before
    /// witnesses meet the refusal.
    /// </summary>
    public async Task<bool> IsNearlyFullAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var (today, total) = await UsageAsync(cancellationToken);
        return IsNearly(today, o.MaxStorageBytesPerDay) || IsNearly(total, o.MaxStorageBytes);

        // In 128 bits: a cap near long.MaxValue times 90 does not fit in 64.
        static bool IsNearly(long used, long cap) => cap > 0 && (Int128)used * 100 >= (Int128)cap * NearlyFullPercent;
    }

    /// <summary>Share of a cap, in percent, from which <see cref="IsNearlyFullAsync"/> warns.</summary>
    public const int NearlyFullPercent = 90;

    /// <summary>
    /// Bytes counted against the daily and the total cap: stored (today's, or all not deleted) plus what open uploads
    /// reserve. Each is 0 without its cap, so an unconfigured cap costs no query.
    /// </summary>
    private async Task<(long Today, long Total)> UsageAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.MaxStorageBytes <= 0 && o.MaxStorageBytesPerDay <= 0)
        {
            return (0, 0);
        }

        var now = time.GetUtcNow();
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        // Open uploads count whole, at their declared size: a reservation never sent still takes its room until it expires.
        var reserved = await Reserved(db, now, cancellationToken) ?? 0;
        long today = 0, total = 0;
        if (o.MaxStorageBytesPerDay > 0)
        {
            // The writer counts what it commits, so a busy day costs no scan of the day's rows per witness.
            today = reserved + (writer.BytesStoredOn(day) ?? await db.Envelopes.Where(e => e.ReceivedDay == day && e.Kind != EnvelopeKind.Reply)
                .SumAsync(e => (long?)e.Size, cancellationToken) ?? 0);
        }

        if (o.MaxStorageBytes > 0)
        {
            total = reserved + (writer.StoredBytes(now) ?? await SumStoredAsync(now, cancellationToken));
        }

        return (today, total);
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
