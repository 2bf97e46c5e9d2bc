using Microsoft.Extensions.Options;
using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web;

/// <summary>What the administrator needs to see at start-up: the mode, where data lives, the fingerprint to publish.</summary>
internal static class Banner
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
        Console.WriteLine(string.Join(Environment.NewLine, lines));
    }
}
