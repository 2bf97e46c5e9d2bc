using SafeIntake.Crypto;

namespace SafeIntake.Intake.Web.Tests;

/// <summary>A production configuration for the real process: a fresh organisation key and its signed bundle on disk.</summary>
internal static class TestBundles
{
    public static Dictionary<string, string> Production(string data, string orgKey, string bundlePath) => new()
    {
        ["Intake__Mode"] = "Production",
        ["Intake__DataPath"] = data,
        ["Intake__OrganisationKey"] = orgKey,
        ["Intake__BundlePath"] = bundlePath,
    };

    /// <summary>Writes <c>bundle.json</c> in <paramref name="folder"/>: epoch 1, one reviewer "alice", expiring then.</summary>
    public static async Task<(string OrganisationKey, string BundlePath)> WriteAsync(string folder, DateTimeOffset expires, long epoch = 1, string file = "bundle.json")
    {
        using var organisation = OrganisationSigningKey.Generate();
        var path = Path.Combine(folder, file);
        await File.WriteAllTextAsync(path, Sign(organisation, expires, epoch));
        return (organisation.PublicKey.ToBase64(), path);
    }

    public static string Sign(OrganisationSigningKey organisation, DateTimeOffset expires, long epoch = 1)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        using var reviewer = ReviewerIdentity.Generate();
        var bundle = new ReviewerBundle
        {
            Organisation = "Test organisation",
            OrganisationKey = organisation.PublicKey,
            Epoch = epoch,
            Issued = expires.AddDays(-60),
            Expires = expires,
            Reviewers = [reviewer.ToBundleEntry("alice", "Alice")],
        };
        return organisation.SignBundle(bundle).ToFileText();
    }

    public static string Fingerprint(string bundlePath, string orgKey)
    {
        Assert.True(Ed25519PublicKey.TryParseBase64(orgKey, out var key));
        var verified = SignedReviewerBundle.Verify(File.ReadAllText(bundlePath), key, DateTimeOffset.UtcNow);
        Assert.True(verified.IsValid);
        return verified.Bundle.Fingerprint;
    }
}
