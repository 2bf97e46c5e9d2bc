using System.Diagnostics.CodeAnalysis;
using SafeIntake.Crypto;

namespace SafeIntake.Intake.Web.Security;

/// <summary>Why a reply was refused, in the order the checks run; each path maps these to its own problem code.</summary>
public enum ReplyFailure
{
    None,
    TooLarge,
    HeaderFailure,
    SignatureFailure,
}

/// <summary>
/// What travels beside a reply's envelope: the mailbox it is for, the reviewer of the current bundle who signed
/// it, and the §7.2 signature as sent (base64), which is stored and served to the witness unchanged.
/// </summary>
public sealed record ReplyClaim(Ed25519PublicKey Mailbox, BundleReviewer Reviewer, string Signature);

/// <summary>A reply whose §7.2 signature verified over exactly these envelope bytes.</summary>
public sealed record VerifiedReply(ReplyClaim Claim, EnvelopeHeader Header, byte[] EnvelopeHash);

/// <summary>The outcome of <see cref="ReplyVerifier.Verify"/>.</summary>
public sealed record ReplyVerification(ReplyFailure Failure, VerifiedReply? Reply)
{
    [MemberNotNullWhen(true, nameof(Reply))]
    public bool IsValid => Failure == ReplyFailure.None && Reply is not null;
}

/// <summary>
/// The server's one check of a reviewer's reply (envelope-v1.md §7.2), for <c>POST /api/v1/replies</c> and for
/// the replies in an outbox alike: a reviewer of the current bundle signed exactly these bytes for this mailbox.
/// The server cannot open the envelope; the signature is what stops a stolen fetch token or a compromised
/// transfer machine from putting words in a reviewer's mouth. Depends on the secret-free crypto only.
/// </summary>
public static class ReplyVerifier
{
    /// <summary>base64 of a 64-byte Ed25519 signature is always 88 characters.</summary>
    public const int SignatureBase64Length = 88;

    /// <summary>
    /// Reads the claims: a well-formed mailbox key, a reviewer id of <paramref name="bundle"/> (ids compare
    /// ordinally, so <c>DEMO</c> is not <c>demo</c>), and a signature string. Nothing is verified yet.
    /// </summary>
    public static bool TryReadClaim(ReviewerBundle bundle, string? mailbox, string? reviewerId, string? signature, [NotNullWhen(true)] out ReplyClaim? claim)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        claim = null;
        if (!Ed25519PublicKey.TryParseBase64(mailbox, out var key) || reviewerId is null || signature is null
            || bundle.FindReviewer(reviewerId) is not { } reviewer)
        {
            return false;
        }

        claim = new ReplyClaim(key, reviewer, signature);
        return true;
    }

    /// <summary>
    /// Checks the envelope against its claim: at most <paramref name="maxBytes"/>, a header that keeps
    /// §9 rules 1–6, then the reviewer's signature over <c>mailbox_pk ‖ BLAKE2b-256(envelope)</c>. The
    /// mailbox is bound by the signature, so a valid reply cannot be moved to another witness.
    /// </summary>
    public static ReplyVerification Verify(ReplyClaim claim, ReadOnlySpan<byte> envelope, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (envelope.Length > maxBytes)
        {
            return new(ReplyFailure.TooLarge, null);
        }

        if (!EnvelopeHeader.TryParse(envelope, out var header))
        {
            return new(ReplyFailure.HeaderFailure, null);
        }

        // envelope_hash is BLAKE2b-256 of every byte (§7.2), the same as Signatures.EnvelopeHash over a stream.
        var hash = Signatures.Hash(envelope);
        // Strict base64, as the witness page decodes it: a signature the page would show as unverified is not stored.
        if (!StrictBase64.TryDecode(claim.Signature, out var signature) || signature.Length != Signatures.Length
            || !Signatures.VerifyReply(claim.Reviewer.SigningKey, claim.Mailbox, hash, signature))
        {
            return new(ReplyFailure.SignatureFailure, null);
        }

        return new(ReplyFailure.None, new VerifiedReply(claim, header, hash));
    }
}
