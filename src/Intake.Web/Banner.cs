using Microsoft.Extensions.Options;
using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web;

/// <summary>What the administrator needs to see at start-up: the mode, where data lives, the fingerprint to publish.</summary>
internal static partial class Banner
{
    public static void Print(WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<IntakeOptions>>().Value;
        var bundle = app.Services.GetRequiredService<BundleProvider>();
        var lines = new List<string>();
        if (options.Mode == IntakeMode.Demo)
        {
            lines.Add("DEMO MODE: for trying SafeIntake only. Do not use it for real reports.");
            lines.Add($"  demo organisation and reviewer: {options.DemoPath}  (keyfile passphrase: {DemoSetup.Passphrase})");
        }

        lines.Add($"  data folder: {options.DataPath}");
        lines.Add($"  organisation key: {bundle.OrganisationKey.ToBase64()}");
        lines.Add($"  reviewer bundle: epoch {bundle.Current.Bundle.Epoch}, fingerprint {bundle.Current.Fingerprint}, expires {bundle.Current.Bundle.Expires:yyyy-MM-dd}");
        var health = app.Services.GetRequiredService<Hosting.IntakeHealth>();
        if (health.BundleWarning() is { } warning)
        {
            lines.Add("  WARNING: " + warning);
        }

        Console.WriteLine(string.Join(Environment.NewLine, lines));

        // The log keeps it too: under systemd stdout goes nowhere, and the fingerprint is what the administrator publishes.
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SafeIntake.Intake.Web.Banner");
        var mode = options.Mode.ToString();
        var expires = bundle.Current.Bundle.Expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var fingerprint = bundle.Current.Fingerprint;
        LogServing(log, mode, bundle.Current.Bundle.Epoch, fingerprint, expires);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving in {Mode} mode the reviewer bundle epoch {Epoch}, fingerprint {Fingerprint} (publish it), expires {Expires}")]
    private static partial void LogServing(ILogger logger, string mode, long epoch, string fingerprint, string expires);
}
