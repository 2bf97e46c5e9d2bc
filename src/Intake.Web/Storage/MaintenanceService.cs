namespace SafeIntake.Intake.Web.Storage;

/// <summary>Hourly: deletes expired uploads and applies retention. What a crash left half-done is repaired at start-up only.</summary>
public sealed partial class MaintenanceService(IServiceScopeFactory scopes, ILogger<MaintenanceService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                // Never start-up repair here: a live finalize's staged blob has no row yet (issue 9).
                var uploads = await scope.ServiceProvider.GetRequiredService<IntakeStore>().SweepExpiredUploadsAsync(stoppingToken);
                var options = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<IntakeOptions>>().Value;
                await UnacknowledgedExpiry.ExpireAsync(scope.ServiceProvider.GetRequiredService<IntakeDbContext>(), scope.ServiceProvider.GetRequiredService<BlobStore>(), options.UnacknowledgedExpiryDays, scope.ServiceProvider.GetRequiredService<IntakeStore>().Today, stoppingToken);
                await scope.ServiceProvider.GetRequiredService<TransferStore>().ApplyRetentionAsync(options.RetentionDays, options.DeleteWhenAllAcknowledged, stoppingToken);
                if (uploads > 0)
                {
                    LogSwept(log, uploads);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(log, e.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Maintenance removed {Uploads} expired uploads")]
    private static partial void LogSwept(ILogger logger, int uploads);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Maintenance failed: {Error}")]
    private static partial void LogSweepFailed(ILogger logger, string error);
}
