using Microsoft.EntityFrameworkCore;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Hosting;
using SafeIntake.Intake.Web.Storage;

namespace SafeIntake.Intake.Web.Trust;

/// <summary>
/// The reviewer bundle the server serves, verified against the pinned organisation key at start-up (a bad
/// bundle stops the server rather than serve keys witnesses would reject), and the list of every bundle it has
/// served, which an envelope must name.
/// </summary>
public sealed class BundleProvider(Ed25519PublicKey organisationKey, SignedReviewerBundle current, string fileText)
{
    public Ed25519PublicKey OrganisationKey { get; } = organisationKey;

    public SignedReviewerBundle Current { get; } = current;

    public string FileText { get; } = fileText;

    public string CurrentHashHex => Convert.ToHexStringLower(Current.Hash.Span);

    /// <summary>Loads and verifies the bundle; the message of the exception says what an administrator must fix.</summary>
    public static BundleProvider Load(string? organisationKeyBase64, string? bundlePath, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(organisationKeyBase64) || string.IsNullOrWhiteSpace(bundlePath))
        {
            throw new IntakeConfigurationException(
                "Production mode needs Intake:OrganisationKey (the organisation's Ed25519 public key, base64) and Intake:BundlePath (the signed reviewer bundle). See docs/admin/.");
        }

        if (!Ed25519PublicKey.TryParseBase64(organisationKeyBase64.Trim(), out var orgKey))
        {
            throw new IntakeConfigurationException("Intake:OrganisationKey is not a base64 Ed25519 public key (44 characters).", ExitCodes.Trust);
        }

        if (!File.Exists(bundlePath))
        {
            throw new IntakeConfigurationException($"Intake:BundlePath names a file that does not exist: {bundlePath}", ExitCodes.Trust);
        }

        string text;
        try
        {
            text = File.ReadAllText(bundlePath);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new IntakeConfigurationException(
                $"The reviewer bundle {bundlePath} cannot be read by this user ({Environment.UserName}): {Reason(e)}. It must be readable by the service user (docs/admin/install.md).",
                ExitCodes.Trust);
        }

        var result = SignedReviewerBundle.Verify(text, orgKey, now);
        return result.IsValid
            ? new BundleProvider(orgKey, result.Bundle, text)
            : throw new IntakeConfigurationException(result.Failure switch
            {
                BundleFailureReason.Signature => "The reviewer bundle is not signed by the pinned organisation key (Intake:OrganisationKey).",
                BundleFailureReason.Expired => "The reviewer bundle has expired: sign a new one with the organisation key.",
                BundleFailureReason.OrganisationKey => "The reviewer bundle names another organisation key than the pinned one.",
                _ => "The reviewer bundle file is malformed.",
            }, ExitCodes.Trust);
    }

    /// <summary>What went wrong with a file, without a stack trace: "permission denied" or the system's sentence.</summary>
    public static string Reason(Exception e) => e is UnauthorizedAccessException ? "permission denied" : (e?.Message ?? "").TrimEnd('.');

    /// <summary>Records the current bundle as served, refusing one whose epoch is lower than one served before.</summary>
    public async Task RecordServedAsync(IntakeDbContext db, DateOnly today, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var hash = CurrentHashHex;
        if (await db.Bundles.AnyAsync(b => b.Hash == hash, cancellationToken))
        {
            return;
        }

        var highest = await db.Bundles.MaxAsync(b => (long?)b.Epoch, cancellationToken) ?? 0;
        if (Current.Bundle.Epoch < highest)
        {
            throw new IntakeConfigurationException($"The reviewer bundle's epoch {Current.Bundle.Epoch} is lower than epoch {highest} served before (a rollback).", ExitCodes.Trust);
        }

        db.Bundles.Add(new ServedBundle { Hash = hash, Epoch = Current.Bundle.Epoch, InstalledDay = today, FileText = FileText });
        await db.SaveChangesAsync(cancellationToken);
    }
}
