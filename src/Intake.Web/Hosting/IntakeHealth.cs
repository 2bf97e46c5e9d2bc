using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SafeIntake.Intake.Web.Storage;
using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web.Hosting;

/// <summary>What <c>/healthz</c> answers (docs/spec/intake-api.md §Health): <c>ok</c>, or <c>degraded</c> with reason codes.</summary>
public sealed record HealthReport(string Status, IReadOnlyList<string> Reasons);

/// <summary>
/// Warnings before trouble: a reviewer bundle that expires within <see cref="WarningDays"/> (after it the form stops
/// sending), a disk under twice the free-space floor (below the floor uploads are refused), a storage cap 90 % used,
/// migrations not applied.
/// The witness page does not change until the bundle has expired; the administrator hears first, from the log (once a
/// day), <c>/healthz</c>, <c>admin stats</c> and <c>admin bundle show</c>.
/// </summary>
public sealed partial class IntakeHealth(BundleProvider bundle, IOptions<IntakeOptions> options, TimeProvider time, IServiceScopeFactory scopes, ILogger<IntakeHealth> log)
{
    public const int WarningDays = 14;
    public const string BundleExpiring = "bundle-expiring";
    public const string BundleExpired = "bundle-expired";
    public const string DiskNearlyFull = "disk-nearly-full";
    public const string StorageNearlyFull = "storage-nearly-full";
    public const string MigrationsPending = "migrations-pending";

    private readonly Lock _gate = new();
    private DateOnly _lastWarned;

    /// <summary>Whole days until the served bundle expires (0 on its last day), or null when more than <see cref="WarningDays"/>.</summary>
    public int? BundleExpiresInDays()
    {
        var left = bundle.Current.Bundle.Expires - time.GetUtcNow();
        return left <= TimeSpan.FromDays(WarningDays) ? Math.Max(0, (int)left.TotalDays) : null;
    }

    /// <summary>Free bytes on the data folder's disk are under twice <c>MinFreeBytes</c> (the floor where uploads stop).</summary>
    public bool IsDiskNearlyFull()
    {
        var floor = options.Value.MinFreeBytes;
        if (floor <= 0)
        {
            return false;
        }

        try
        {
            return new DriveInfo(Path.GetFullPath(options.Value.DataPath!)).AvailableFreeSpace < 2 * floor;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return true;
        }
    }

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        var reasons = new List<string>();
        if (bundle.Current.Bundle.Expires <= time.GetUtcNow())
        {
            reasons.Add(BundleExpired);
        }
        else if (BundleExpiresInDays() is not null)
        {
            reasons.Add(BundleExpiring);
        }

        if (IsDiskNearlyFull())
        {
            reasons.Add(DiskNearlyFull);
        }

        await using var scope = scopes.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<StorageBudget>().IsNearlyFullAsync(cancellationToken))
        {
            reasons.Add(StorageNearlyFull);
        }

        if ((await scope.ServiceProvider.GetRequiredService<IntakeDbContext>().Database.GetPendingMigrationsAsync(cancellationToken)).Any())
        {
            reasons.Add(MigrationsPending);
        }

        return new HealthReport(reasons.Count == 0 ? "ok" : "degraded", reasons);
    }

    /// <summary>The administrator's sentence about the bundle's expiry, or null while it is further than 14 days.</summary>
    public string? BundleWarning() => BundleExpiresInDays() is { } days
        ? $"The reviewer bundle (epoch {bundle.Current.Bundle.Epoch}) expires on {bundle.Current.Bundle.Expires:yyyy-MM-dd}, in {days} day(s): sign a new one offline and install it (admin bundle install), or witnesses cannot send after that day."
        : null;

    /// <summary>At most once per UTC day: a warning line for each trouble ahead. Called at start and hourly.</summary>
    public void WarnIfDue()
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        lock (_gate)
        {
            if (today == _lastWarned)
            {
                return;
            }

            _lastWarned = today;
        }

        if (BundleWarning() is { } warning)
        {
            LogBundleExpiring(log, warning);
        }

        if (IsDiskNearlyFull())
        {
            LogDiskNearlyFull(log, options.Value.DataPath!, options.Value.MinFreeBytes / 1048576);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogBundleExpiring(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The disk of the data folder {DataPath} has less than twice Intake:MinFreeBytes ({FloorMiB} MiB) free; below that floor new uploads are refused")]
    private static partial void LogDiskNearlyFull(ILogger logger, string dataPath, long floorMiB);
}

/// <summary>Runs <see cref="IntakeHealth.WarnIfDue"/> at start and every hour, so the warning reaches the log each day.</summary>
public sealed class HealthWarningService(IntakeHealth health) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        health.WarnIfDue();
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            health.WarnIfDue();
        }
    }
}
