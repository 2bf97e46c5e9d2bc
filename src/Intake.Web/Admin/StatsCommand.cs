using System.Globalization;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Intake.Web.Hosting;
using SafeIntake.Intake.Web.Storage;
using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web.Admin;

/// <summary><c>stats</c>: counts for monitoring, the bundle's expiry (with the 14-day warning) and the health status.</summary>
public sealed class StatsCommand(AdminHost host) : AdminCommand<AdminSettings>(host)
{
    protected override async Task<int> RunAsync(IServiceProvider services, AdminSettings settings, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<IntakeDbContext>();
        var byKind = (await db.Envelopes.AsNoTracking().GroupBy(e => new { e.Kind, e.State })
            .Select(g => new { g.Key.Kind, g.Key.State, Count = g.Count(), Bytes = g.Sum(e => e.Size) }).ToListAsync(cancellationToken))
            .OrderBy(r => r.Kind).ThenBy(r => r.State).ToList();
        var uploads = await db.Uploads.CountAsync(cancellationToken);
        var tokens = await db.FetchTokens.CountAsync(t => t.RevokedDay == null, cancellationToken);
        var bundle = services.GetRequiredService<BundleProvider>().Current;
        var healthService = services.GetRequiredService<IntakeHealth>();
        var health = await healthService.CheckAsync(cancellationToken);
        var warning = healthService.BundleWarning();
        var lines = byKind.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Kind,-9} {r.State,-13} {r.Count,8} envelopes {r.Bytes / 1048576.0,10:F1} MiB")).ToList();
        lines.Add($"uploads in progress: {uploads}");
        lines.Add($"active fetch tokens: {tokens}");
        lines.Add($"bundle: epoch {bundle.Bundle.Epoch}, expires {bundle.Bundle.Expires:yyyy-MM-dd}");
        lines.Add($"health: {health.Status}{(health.Reasons.Count > 0 ? " (" + string.Join(", ", health.Reasons) + ")" : "")}");
        if (warning is not null)
        {
            lines.Add("WARNING: " + warning);
        }

        return Answer(settings, new
        {
            envelopes = byKind.Select(r => new { kind = r.Kind, state = r.State, count = r.Count, bytes = r.Bytes }),
            uploadsInProgress = uploads,
            activeFetchTokens = tokens,
            bundle = new { epoch = bundle.Bundle.Epoch, expires = DateOnly.FromDateTime(bundle.Bundle.Expires.UtcDateTime), expiresInDays = healthService.BundleExpiresInDays() },
            health = new { status = health.Status, reasons = health.Reasons },
            warning,
        }, lines);
    }
}
