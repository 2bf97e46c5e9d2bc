using System.Text;
using SafeIntake.Crypto;

namespace SafeIntake.VectorGen;

/// <summary>Reviewer-bundle vectors (docs/spec/envelope-v1.md §4): a success and one case per §4.3 rule.</summary>
internal static class BundleVectors
{
    private static readonly DateTimeOffset Issued = DateTimeOffset.FromUnixTimeSeconds(1767225600);  // 2026-01-01
    private static readonly DateTimeOffset Expires = DateTimeOffset.FromUnixTimeSeconds(1798761600); // 2027-01-01
    private const long Now = 1780000000;                                                               // 2026-05-28

    public static void WriteAll(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        using var org = new OrganisationSigningKey(Ed25519SecretKey.Import(Program.TestKey("organisation")));
        using var other = new OrganisationSigningKey(Ed25519SecretKey.Import(Program.TestKey("other organisation")));
        using var alice = new ReviewerIdentity(X25519SecretKey.Import(Program.TestKey("alice")), Ed25519SecretKey.Import(Program.TestKey("alice signing")));
        using var bob = new ReviewerIdentity(X25519SecretKey.Import(Program.TestKey("bob")), Ed25519SecretKey.Import(Program.TestKey("bob signing")));
        var bundle = new ReviewerBundle
        {
            Organisation = "Example Rights Group 人權組織",
            OrganisationKey = org.PublicKey,
            Epoch = 3,
            Issued = Issued,
            Expires = Expires,
            Reviewers = [alice.ToBundleEntry("alice", "Alice Chan 陳"), bob.ToBundleEntry("bob", "Bob \"B\" Lee")],
        };
        var signed = org.SignBundle(bundle);
        var text = signed.ToFileText();

        Write(folder, "success", "a valid bundle, two reviewers", org.PublicKey, Now, 0, "success", null, text,
            ("bundle-hash", Program.Hex(signed.Hash.Span)), ("fingerprint", signed.Fingerprint), ("epoch", "3"));
        Write(folder, "success-same-epoch-seen", "epoch equal to the highest seen", org.PublicKey, Now, 3, "success", null, text,
            ("bundle-hash", Program.Hex(signed.Hash.Span)), ("fingerprint", signed.Fingerprint), ("epoch", "3"));
        Write(folder, "expired", "now is the expiry second", org.PublicKey, Expires.ToUnixTimeSeconds(), 0, "BundleFailure", "expired", text);
        Write(folder, "rolled-back", "epoch 3 after epoch 4 was seen", org.PublicKey, Now, 4, "BundleFailure", "rollback", text);
        Write(folder, "wrong-pinned-key", "signed by another organisation than the pinned one", other.PublicKey, Now, 0, "BundleFailure", "signature", text);

        var body = signed.Body.ToArray();
        var signature = signed.Signature.ToArray();
        Write(folder, "flipped-signature", "a bit flipped in the signature", org.PublicKey, Now, 0, "BundleFailure", "signature", File(body, Flip(signature, 5)));
        Write(folder, "flipped-body", "a bit flipped in the body", org.PublicKey, Now, 0, "BundleFailure", "signature", File(Flip(body, 40), signature));
        Write(folder, "short-signature", "a 63-byte signature", org.PublicKey, Now, 0, "BundleFailure", "malformed", File(body, signature[..63]));
        Write(folder, "bad-base64", "the body is not base64", org.PublicKey, Now, 0, "BundleFailure", "malformed",
            $"{{\"format\":\"{SignedReviewerBundle.FormatName}\",\"body\":\"***\",\"signature\":\"{Convert.ToBase64String(signature)}\"}}");
        Write(folder, "not-json", "the file is not JSON", org.PublicKey, Now, 0, "BundleFailure", "malformed", text[..^5]);
        Write(folder, "wrong-format", "an unknown format name", org.PublicKey, Now, 0, "BundleFailure", "malformed", text.Replace("signed-bundle/1", "signed-bundle/2", StringComparison.Ordinal));

        var bodyBase64 = Convert.ToBase64String(body);
        Write(folder, "body-base64-with-newline", "a newline inside the base64 body", org.PublicKey, Now, 0, "BundleFailure", "malformed",
            File(body, signature).Replace(bodyBase64, bodyBase64.Insert(40, "\n"), StringComparison.Ordinal));
        var signatureBase64 = Convert.ToBase64String(signature);
        Write(folder, "signature-noncanonical-base64", "non-zero unused bits in the signature's base64", org.PublicKey, Now, 0, "BundleFailure", "malformed",
            File(body, signature).Replace(signatureBase64, NonCanonical(signatureBase64), StringComparison.Ordinal));
        Write(folder, "format-lone-surrogate", "the format is an escaped lone surrogate", org.PublicKey, Now, 0, "BundleFailure", "malformed",
            text.Replace(SignedReviewerBundle.FormatName, "\\ud800", StringComparison.Ordinal));

        // Bodies signed correctly by the pinned key but breaking a rule of §4.1.
        var good = Encoding.UTF8.GetString(body);
        SignedBad(folder, org, "body-org-key-differs", "orgKey names another organisation key", good.Replace(org.PublicKey.ToBase64(), other.PublicKey.ToBase64(), StringComparison.Ordinal), "org-key");
        SignedBad(folder, org, "body-epoch-zero", "epoch 0", good.Replace("\"epoch\":3", "\"epoch\":0", StringComparison.Ordinal), "malformed");
        SignedBad(folder, org, "body-issued-after-expiry", "issued after expires", good.Replace($"\"issued\":{Issued.ToUnixTimeSeconds()}", $"\"issued\":{Expires.ToUnixTimeSeconds() + 1}", StringComparison.Ordinal), "malformed");
        SignedBad(folder, org, "body-duplicate-reviewer-id", "two reviewers with id alice", good.Replace("\"id\":\"bob\"", "\"id\":\"alice\"", StringComparison.Ordinal), "malformed");
        SignedBad(folder, org, "body-bad-reviewer-id", "a reviewer id with an upper-case letter", good.Replace("\"id\":\"bob\"", "\"id\":\"Bob\"", StringComparison.Ordinal), "malformed");
        SignedBad(folder, org, "body-no-reviewers", "an empty reviewer list", good[..good.IndexOf('[', StringComparison.Ordinal)] + "[]}", "malformed");
        SignedBad(folder, org, "body-wrong-type", "type is not safeintake-reviewer-bundle", good.Replace("safeintake-reviewer-bundle", "safeintake-other", StringComparison.Ordinal), "malformed");
        SignedBad(folder, org, "body-duplicate-member", "epoch given twice", good.Replace("\"epoch\":3", "\"epoch\":3,\"epoch\":9", StringComparison.Ordinal), "malformed");
        SignedBad(folder, org, "body-short-key", "a reviewer key of 31 bytes", good.Replace(bob.EncryptionKey.PublicKey.ToBase64(), Convert.ToBase64String(new byte[31]), StringComparison.Ordinal), "malformed");
        SignedBad(folder, org, "body-id-trailing-newline", "a reviewer id of \"bob\\n\"", good.Replace("\"id\":\"bob\"", "\"id\":\"bob\\n\"", StringComparison.Ordinal), "malformed");
        SignedBad(folder, org, "body-key-noncanonical-base64", "non-zero unused bits in a reviewer key's base64", good.Replace(bob.EncryptionKey.PublicKey.ToBase64(), NonCanonical(bob.EncryptionKey.PublicKey.ToBase64()), StringComparison.Ordinal), "malformed");
        SignedBad(folder, org, "body-name-lone-surrogate", "a reviewer name that is an escaped lone surrogate", good.Replace("Bob \\\"B\\\" Lee", "\\udc00", StringComparison.Ordinal), "malformed");
        SignedBad(folder, org, "body-duplicate-x25519", "two reviewers share an X25519 key", good.Replace(bob.EncryptionKey.PublicKey.ToBase64(), alice.EncryptionKey.PublicKey.ToBase64(), StringComparison.Ordinal), "malformed");
    }

    private static void SignedBad(string folder, OrganisationSigningKey org, string name, string description, string body, string reason)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var signature = org.Key.Sign(SignedReviewerBundle.SignedMessage(bytes));
        Write(folder, name, description, org.PublicKey, Now, 0, "BundleFailure", reason, File(bytes, signature));
    }

    private static string File(byte[] body, byte[] signature) => SignedReviewerBundle.FileText(body, signature);

    /// <summary>Sets an unused low bit in the last base64 character before the padding.</summary>
    private static string NonCanonical(string base64)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var last = base64.TrimEnd('=').Length - 1;
        return base64[..last] + Alphabet[Alphabet.IndexOf(base64[last], StringComparison.Ordinal) | 1] + base64[(last + 1)..];
    }

    private static byte[] Flip(byte[] data, int offset)
    {
        var copy = (byte[])data.Clone();
        copy[offset] ^= 0x01;
        return copy;
    }

    private static void Write(string folder, string name, string description, Ed25519PublicKey pinned, long now, long seenEpoch, string expect, string? reason, string file,
        params (string, string)[] extra)
    {
        var verification = SignedReviewerBundle.Verify(file, pinned, DateTimeOffset.FromUnixTimeSeconds(now), seenEpoch);
        var outcome = verification.IsValid ? "success" : "BundleFailure";
        var actualReason = verification.Failure switch
        {
            BundleFailureReason.None => null,
            BundleFailureReason.Signature => "signature",
            BundleFailureReason.Expired => "expired",
            BundleFailureReason.RolledBack => "rollback",
            BundleFailureReason.OrganisationKey => "org-key",
            _ => "malformed",
        };
        if (outcome != expect || actualReason != reason)
        {
            throw new InvalidOperationException($"bundle {name}: expected {expect}/{reason}, got {outcome}/{actualReason}");
        }

        var headers = new List<(string, string)>
        {
            ("description", description), ("expect", expect), ("org-key", pinned.ToHex()), ("now", now.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("seen-epoch", seenEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (reason is not null)
        {
            headers.Add(("reason", reason));
        }

        headers.AddRange(extra);
        Program.WriteVector(folder, name, headers, file);
    }
}
