namespace SafeIntake.Intake.Web.Storage;

/// <summary>Hourly: deletes expired uploads and whatever a crash left half-done.</summary>
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
                var (uploads, orphans) = await scope.ServiceProvider.GetRequiredService<IntakeStore>().RecoverAsync(stoppingToken);
                var options = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<IntakeOptions>>().Value;
                await UnacknowledgedExpiry.ExpireAsync(scope.ServiceProvider.GetRequiredService<IntakeDbContext>(), scope.ServiceProvider.GetRequiredService<BlobStore>(), options.UnacknowledgedExpiryDays, scope.ServiceProvider.GetRequiredService<IntakeStore>().Today, stoppingToken);
                await scope.ServiceProvider.GetRequiredService<TransferStore>().ApplyRetentionAsync(options.RetentionDays, stoppingToken, options.DeleteWhenAllAcknowledged);
                if (uploads + orphans > 0)
                {
                    LogSwept(log, uploads, orphans);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(log, e.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Maintenance removed {Uploads} expired uploads and {Orphans} orphaned blobs")]
    private static partial void LogSwept(ILogger logger, int uploads, int orphans);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Maintenance failed: {Error}")]
    private static partial void LogSweepFailed(ILogger logger, string error);
}
