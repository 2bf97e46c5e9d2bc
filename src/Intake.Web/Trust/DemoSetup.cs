using System.Text;
using SafeIntake.Crypto;
using Sodium;

namespace SafeIntake.Intake.Web.Trust;

/// <summary>
/// First run with no configuration: a demo organisation and a demo reviewer in a clearly labelled folder, so the
/// form works at once and the console can open what was submitted. The demo puts a reviewer's secret key on the
/// server's disk, which production never does; the folder's README and the start-up banner say so.
/// </summary>
public static class DemoSetup
{
    public const string Passphrase = "demo";
    public const string BundleFile = "bundle.json";
    public const string OrganisationPublicKeyFile = "organisation.pub";

    /// <summary>Creates the demo folder if it is missing; returns the pinned organisation key and the bundle path.</summary>
    public static (Ed25519PublicKey OrganisationKey, string BundlePath) Ensure(string folder, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Directory.CreateDirectory(folder);
        var bundlePath = Path.Combine(folder, BundleFile);
        var orgPath = Path.Combine(folder, OrganisationPublicKeyFile);
        if (File.Exists(bundlePath) && File.Exists(orgPath)
            && Ed25519PublicKey.TryParseBase64(File.ReadAllText(orgPath).Trim(), out var existing)
            && SignedReviewerBundle.Verify(File.ReadAllText(bundlePath), existing, time.GetUtcNow()) is { IsValid: true } verified)
        {
            WriteReviewerPublicFile(folder, verified.Bundle.Bundle.Reviewers[0]);
            return (existing, bundlePath);
        }

        var org = PublicKeyAuth.GenerateKeyPair();
        var reviewerBox = PublicKeyBox.GenerateKeyPair();
        var reviewerSign = PublicKeyAuth.GenerateKeyPair();
        try
        {
            var orgKey = Ed25519PublicKey.Import(org.PublicKey);
            var now = time.GetUtcNow();
            var bundle = new ReviewerBundle
            {
                Organisation = "SafeIntake demo organisation (not for real reports)",
                OrganisationKey = orgKey,
                Epoch = 1,
                Issued = now.AddMinutes(-5),
                Expires = now.AddDays(365),
                Reviewers = [new BundleReviewer("demo", "Demo reviewer", X25519PublicKey.Import(reviewerBox.PublicKey), Ed25519PublicKey.Import(reviewerSign.PublicKey))],
            };
            var body = bundle.Encode();
            var signed = SignedReviewerBundle.FromSignature(body, PublicKeyAuth.SignDetached(SignedReviewerBundle.SignedMessage(body), org.PrivateKey));

            // Libsodium's 64-byte Ed25519 secret key starts with the 32-byte seed the keyfile stores.
            var reviewerSecret = Concat(reviewerBox.PrivateKey, reviewerSign.PrivateKey.AsSpan(0, 32));
            Write(folder, "reviewer.key", KeyfileFormat.Seal(KeyfileKind.Reviewer, reviewerSecret, Passphrase, Argon2Parameters.Minimum));
            Write(folder, "organisation.key", KeyfileFormat.Seal(KeyfileKind.Organisation, org.PrivateKey.AsSpan(0, 32), Passphrase, Argon2Parameters.Minimum));
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(reviewerSecret);
            Write(folder, BundleFile, Encoding.UTF8.GetBytes(signed.ToFileText()));
            Write(folder, "README.txt", Encoding.UTF8.GetBytes(Readme(signed.Fingerprint)));
            Write(folder, OrganisationPublicKeyFile, Encoding.ASCII.GetBytes(orgKey.ToBase64() + "\n"));
            WriteReviewerPublicFile(folder, bundle.Reviewers[0]);
            return (orgKey, bundlePath);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(org.PrivateKey);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(reviewerBox.PrivateKey);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(reviewerSign.PrivateKey);
        }
    }

    private static byte[] Concat(byte[] a, ReadOnlySpan<byte> b) => [.. a, .. b];

    /// <summary>
    /// The reviewer's public file as the console's <c>keys init</c> writes it, so the demo folder doubles as a console
    /// home (<c>--home</c>): reviewer.key, reviewer.pub.json and organisation.pub are where the console looks.
    /// </summary>
    private static void WriteReviewerPublicFile(string folder, BundleReviewer reviewer)
    {
        var path = Path.Combine(folder, "reviewer.pub.json");
        if (!File.Exists(path))
        {
            Write(folder, "reviewer.pub.json", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
            {
                ["id"] = reviewer.Id,
                ["name"] = reviewer.Name,
                ["x25519"] = reviewer.EncryptionKey.ToBase64(),
                ["ed25519"] = reviewer.SigningKey.ToBase64(),
            }));
        }
    }

    private static void Write(string folder, string name, byte[] contents) =>
        Storage.BlobStore.WriteAllBytesAtomic(Path.Combine(folder, name), contents);

    private static string Readme(string fingerprint) => $"""
        SAFEINTAKE DEMO — FOR TRYING ONLY. DO NOT USE FOR REAL REPORTS.

        This folder was created because the intake server started with no configuration.
          organisation.key  the demo organisation's signing key (passphrase: {Passphrase})
          reviewer.key      the demo reviewer's keys (passphrase: {Passphrase}) — open reports with the console
          bundle.json       the signed reviewer bundle the server serves (fingerprint {fingerprint})
          organisation.pub  the organisation key the server pins
          reviewer.pub.json the demo reviewer's public keys: this folder also works as a console --home
          server-data/      what the server stores: ciphertext, the database, its key ring and logs

        In production a reviewer's key never touches the server, and passphrases are long and secret.
        See docs/admin/ to run SafeIntake for real. Delete this folder to start the demo afresh.

        """;
}
