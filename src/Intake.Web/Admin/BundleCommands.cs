using System.ComponentModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Hosting;
using SafeIntake.Intake.Web.Storage;
using SafeIntake.Intake.Web.Trust;
using Spectre.Console.Cli;

namespace SafeIntake.Intake.Web.Admin;

/// <summary>
/// <c>bundle show</c>: the installed bundle (what the server serves from its next start): epoch, expiry with the
/// 14-day warning, reviewers, and the fingerprint the administrator publishes for witnesses to compare.
/// </summary>
public sealed class BundleShowCommand(AdminHost host) : AdminCommand<AdminSettings>(host)
{
    protected override Task<int> RunAsync(IServiceProvider services, AdminSettings settings, CancellationToken cancellationToken)
    {
        var provider = services.GetRequiredService<BundleProvider>();
        var health = services.GetRequiredService<IntakeHealth>();
        var path = services.GetRequiredService<IOptions<IntakeOptions>>().Value.BundlePath;
        var bundle = provider.Current.Bundle;
        var warning = health.BundleWarning();
        var lines = new List<string>
        {
            $"bundle file:      {path}",
            $"organisation:     {bundle.Organisation}",
            $"organisation key: {provider.OrganisationKey.ToBase64()}",
            $"epoch:            {bundle.Epoch}",
            $"issued:           {bundle.Issued:yyyy-MM-dd}",
            $"expires:          {bundle.Expires:yyyy-MM-dd}",
            $"fingerprint:      {provider.Current.Fingerprint}   (publish this where witnesses can compare it)",
            $"reviewers:        {bundle.Reviewers.Count}",
        };
        lines.AddRange(bundle.Reviewers.Select(r => $"  {r.Id,-16} {r.Name}"));
        if (warning is not null)
        {
            lines.Add("WARNING: " + warning);
        }

        return Task.FromResult(Answer(settings, new
        {
            file = path,
            organisation = bundle.Organisation,
            organisationKey = provider.OrganisationKey.ToBase64(),
            epoch = bundle.Epoch,
            issued = DateOnly.FromDateTime(bundle.Issued.UtcDateTime),
            expires = DateOnly.FromDateTime(bundle.Expires.UtcDateTime),
            expiresInDays = health.BundleExpiresInDays(),
            fingerprint = provider.Current.Fingerprint,
            hash = provider.CurrentHashHex,
            reviewers = bundle.Reviewers.Select(r => new { id = r.Id, name = r.Name }),
            warning,
        }, lines));
    }
}

public sealed class BundleInstallSettings : AdminSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("The signed reviewer bundle, as safeintake-review org sign-bundle wrote it")]
    public string File { get; init; } = "";
}

/// <summary>
/// <c>bundle install</c>: verifies against the pinned organisation key (not expired, epoch not lower than any served)
/// and replaces Intake:BundlePath atomically (a temporary file beside it, fsync, rename): the service user needs write
/// access to that folder, not to the file (deploy/install.sh makes /etc/safeintake/bundle so).
/// </summary>
public sealed class BundleInstallCommand(AdminHost host) : AdminCommand<BundleInstallSettings>(host)
{
    protected override async Task<int> RunAsync(IServiceProvider services, BundleInstallSettings settings, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<IntakeOptions>>().Value;
        var current = services.GetRequiredService<BundleProvider>();
        if (!System.IO.File.Exists(settings.File))
        {
            return Refuse(settings, $"No such file: {settings.File}");
        }

        var text = await System.IO.File.ReadAllTextAsync(settings.File, cancellationToken);
        var db = services.GetRequiredService<IntakeDbContext>();
        var highest = await db.Bundles.MaxAsync(b => (long?)b.Epoch, cancellationToken) ?? 0;
        var result = SignedReviewerBundle.Verify(text, current.OrganisationKey, DateTimeOffset.UtcNow, highest);
        if (!result.IsValid)
        {
            return Refuse(settings, result.Failure switch
            {
                BundleFailureReason.RolledBack => $"Refused: the bundle's epoch is lower than epoch {highest} already served (a rollback).",
                BundleFailureReason.Expired => "Refused: the bundle has expired.",
                BundleFailureReason.Signature => "Refused: the bundle is not signed by the pinned organisation key.",
                _ => "Refused: the file is not a valid signed reviewer bundle.",
            });
        }

        try
        {
            BlobStore.WriteAllBytesAtomic(options.BundlePath!, System.Text.Encoding.UTF8.GetBytes(text));
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return Refuse(settings,
                $"Refused: cannot write beside {options.BundlePath} as {Environment.UserName} ({BundleProvider.Reason(e)}); run as the service user (sudo -u safeintake …) on a folder it owns (docs/admin/install.md).");
        }

        var bundle = result.Bundle;
        return Answer(settings, new { installed = options.BundlePath, epoch = bundle.Bundle.Epoch, fingerprint = bundle.Fingerprint, reviewers = bundle.Bundle.Reviewers.Count },
        [
            $"Installed bundle epoch {bundle.Bundle.Epoch}, fingerprint {bundle.Fingerprint}, {bundle.Bundle.Reviewers.Count} reviewer(s).",
            "Restart the server to serve it, and publish the fingerprint where witnesses can compare it.",
        ]);
    }
}
