using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.Options;
using SafeIntake.Intake.Web.Storage;
using Spectre.Console.Cli;

namespace SafeIntake.Intake.Web.Admin;

public sealed class RetentionSettings : AdminSettings
{
    [CommandOption("--apply")]
    [Description("Apply the policy now instead of at the next hourly sweep")]
    public bool Apply { get; init; }
}

/// <summary><c>retention [--apply]</c>.</summary>
public sealed class RetentionCommand(AdminHost host) : AdminCommand<RetentionSettings>(host)
{
    protected override async Task<int> RunAsync(IServiceProvider services, RetentionSettings settings, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<IntakeOptions>>().Value;
        if (settings.Apply)
        {
            var deleted = await services.GetRequiredService<TransferStore>().ApplyRetentionAsync(options.RetentionDays, options.DeleteWhenAllAcknowledged, CancellationToken.None);
            return Answer(settings, new { deleted }, [$"Deleted {deleted} envelopes' ciphertext."]);
        }

        return Answer(settings, new { deleteWhenAllAcknowledged = options.DeleteWhenAllAcknowledged, retentionDays = options.RetentionDays, unacknowledgedExpiryDays = options.UnacknowledgedExpiryDays },
        [
            $"Delete once every reviewer has acknowledged: {(options.DeleteWhenAllAcknowledged ? "yes" : "no")} (Intake:DeleteWhenAllAcknowledged)",
            $"Delete after days regardless: {(options.RetentionDays > 0 ? options.RetentionDays.ToString(CultureInfo.InvariantCulture) : "never")} (Intake:RetentionDays)",
            $"Delete unacknowledged after days: {(options.UnacknowledgedExpiryDays > 0 ? options.UnacknowledgedExpiryDays.ToString(CultureInfo.InvariantCulture) : "never")} (Intake:UnacknowledgedExpiryDays)",
        ]);
    }
}
