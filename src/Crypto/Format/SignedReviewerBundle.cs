using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace SafeIntake.Crypto;

/// <summary>Why a bundle was refused: for the console's log and the page's message, never for the attacker.</summary>
public enum BundleFailureReason
{
    None,
    Malformed,
    Signature,
    OrganisationKey,
    Expired,
    RolledBack,
}

/// <summary>The outcome of <see cref="SignedReviewerBundle.Verify"/>.</summary>
public sealed record BundleVerification(BundleFailureReason Failure, SignedReviewerBundle? Bundle)
{
    [MemberNotNullWhen(true, nameof(Bundle))]
    public bool IsValid => Failure == BundleFailureReason.None && Bundle is not null;
}

/// <summary>
/// A reviewer bundle with the organisation's signature (docs/spec/envelope-v1.md §4.2–4.4). The signature
/// covers the body bytes exactly as received; nothing is re-encoded before it is checked or hashed.
/// </summary>
public sealed class SignedReviewerBundle
{
    public const string FormatName = "safeintake-signed-bundle/1";
    public const string SignatureContext = "SafeIntake/v1 reviewer-bundle";

    /// <summary>Signed bundle files are small; anything larger is refused before parsing.</summary>
    public const int MaxFileLength = 256 * 1024;

    private readonly byte[] _body;
    private readonly byte[] _signature;

    private SignedReviewerBundle(byte[] body, byte[] signature, ReviewerBundle bundle)
    {
        _body = body;
        _signature = signature;
        Bundle = bundle;
        Hash = Primitives.Blake2b256(Primitives.Concat(body, signature));
    }

    public ReviewerBundle Bundle { get; }

    /// <summary>bundle_hash = BLAKE2b-256(body ‖ signature): what every envelope names.</summary>
    public ReadOnlyMemory<byte> Hash { get; }

    public string Fingerprint => Fingerprints.Format(Hash.Span);

    public ReadOnlySpan<byte> Body => _body;

    public ReadOnlySpan<byte> Signature => _signature;

    /// <summary>The message the organisation signs: context ‖ 0x00 ‖ body.</summary>
    public static byte[] SignedMessage(ReadOnlySpan<byte> body) => Primitives.Concat(Primitives.SignaturePrefix(SignatureContext), body.ToArray());

    /// <summary>Assembles a bundle from a body and a signature made elsewhere (the organisation's offline key).</summary>
    public static SignedReviewerBundle FromSignature(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature)
    {
        if (!ReviewerBundle.TryDecode(body, out var bundle))
        {
            throw Error.Argument(nameof(body), "The body is not a valid reviewer bundle.");
        }

        if (!Primitives.VerifyDetached(signature, SignedMessage(body), bundle.OrganisationKey))
        {
            throw Error.Argument(nameof(signature), "The signature does not verify under the bundle's organisation key.");
        }

        return new SignedReviewerBundle(body.ToArray(), signature.ToArray(), bundle);
    }

    /// <summary>The signed file (§4.2), as served to witnesses.</summary>
    public string ToFileText() => FileText(_body, _signature);

    /// <summary>The §4.2 file for any body and signature; base64 is written as is, not as \u002B escapes.</summary>
    internal static string FileText(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature) =>
        $"{{\"format\":\"{FormatName}\",\"body\":\"{Convert.ToBase64String(body)}\",\"signature\":\"{Convert.ToBase64String(signature)}\"}}";

    /// <summary>
    /// Verifies a signed bundle file against the pinned organisation key, the clock and the highest epoch
    /// accepted before (docs/spec/envelope-v1.md §4.3). An equal epoch passes only with the same hash.
    /// </summary>
    public static BundleVerification Verify(string fileText, Ed25519PublicKey pinnedOrganisationKey, DateTimeOffset now,
        long highestSeenEpoch = 0, ReadOnlyMemory<byte> hashAtSeenEpoch = default)
    {
        ArgumentNullException.ThrowIfNull(pinnedOrganisationKey);
        if (fileText is null || fileText.Length > MaxFileLength || !TryReadFile(fileText, out var body, out var signature))
        {
            return new(BundleFailureReason.Malformed, null);
        }

        if (!Primitives.VerifyDetached(signature, SignedMessage(body), pinnedOrganisationKey))
        {
            return new(BundleFailureReason.Signature, null);
        }

        if (!ReviewerBundle.TryDecode(body, out var bundle))
        {
            return new(BundleFailureReason.Malformed, null);
        }

        var signed = new SignedReviewerBundle(body, signature, bundle);
        if (!bundle.OrganisationKey.Equals(pinnedOrganisationKey))
        {
            return new(BundleFailureReason.OrganisationKey, null);
        }

        if (now >= bundle.Expires)
        {
            return new(BundleFailureReason.Expired, null);
        }

        if (bundle.Epoch < highestSeenEpoch
            || (bundle.Epoch == highestSeenEpoch && !hashAtSeenEpoch.IsEmpty && !hashAtSeenEpoch.Span.SequenceEqual(signed.Hash.Span)))
        {
            return new(BundleFailureReason.RolledBack, null);
        }

        return new(BundleFailureReason.None, signed);
    }

    private static bool TryReadFile(string fileText, out byte[] body, out byte[] signature)
    {
        body = [];
        signature = [];
        try
        {
            using var document = JsonDocument.Parse(fileText, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 4 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName
                || !root.TryGetProperty("body", out var bodyText) || bodyText.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("signature", out var signatureText) || signatureText.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            return StrictBase64.TryDecode(bodyText.GetString(), out body) && body.Length > 0
                && StrictBase64.TryDecode(signatureText.GetString(), out signature) && signature.Length == Primitives.SignatureLength;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }
}
