using Sodium;

namespace SafeIntake.Crypto;

/// <summary>
/// The detached signatures of docs/spec/envelope-v1.md §7, as the server and the browser check them. Every
/// input starts with a versioned context and 0x00, so a signature made for one purpose never verifies for another.
/// </summary>
public static class Signatures
{
    public const string ReplyKeysContext = "SafeIntake/v1 reply-keys";
    public const string FollowUpContext = "SafeIntake/v1 follow-up";
    public const string ReplyContext = "SafeIntake/v1 reply";
    public const string ChallengeContext = "SafeIntake/v1 mailbox-challenge";
    /// <summary>Every Ed25519 signature is 64 bytes.</summary>
    public const int Length = 64;

    public const string ExportContext = "SafeIntake/v1 export";
    public const string OutboxContext = "SafeIntake/v1 outbox";
    public const string AuditContext = "SafeIntake/v1 audit";

    /// <summary>What the server signs over an export manifest (export-bundle-v1.md §2).</summary>
    public static byte[] ExportMessage(ReadOnlySpan<byte> manifest) => Primitives.Concat(Primitives.SignaturePrefix(ExportContext), manifest.ToArray());

    /// <summary>What a reviewer signs over an outbox body (export-bundle-v1.md §3).</summary>
    public static byte[] OutboxMessage(ReadOnlySpan<byte> body) => Primitives.Concat(Primitives.SignaturePrefix(OutboxContext), body.ToArray());

    public static bool VerifyExport(Ed25519PublicKey server, ReadOnlySpan<byte> manifest, ReadOnlySpan<byte> signature) =>
        Primitives.VerifyDetached(signature, ExportMessage(manifest), server);

    /// <summary>What a reviewer signs over one audit-log entry's chain hash (vault-v1.md §8).</summary>
    public static byte[] AuditMessage(ReadOnlySpan<byte> entryHash) => Primitives.Concat(Primitives.SignaturePrefix(AuditContext), entryHash.ToArray());

    public static bool VerifyAudit(Ed25519PublicKey reviewer, ReadOnlySpan<byte> entryHash, ReadOnlySpan<byte> signature) =>
        entryHash.Length == Primitives.HashLength && Primitives.VerifyDetached(signature, AuditMessage(entryHash), reviewer);

    public static bool VerifyOutbox(Ed25519PublicKey reviewer, ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature) =>
        Primitives.VerifyDetached(signature, OutboxMessage(body), reviewer);

    /// <summary>BLAKE2b-256 of a byte string (unkeyed), as the specs use for hashes of tokens, outboxes and manifests.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data) => Primitives.Blake2b256(data);

    public static byte[] ReplyKeysMessage(X25519PublicKey replyKey, ReadOnlySpan<byte> envelopeNonce) =>
        Primitives.Concat(Primitives.SignaturePrefix(ReplyKeysContext), replyKey.ToArray(), envelopeNonce.ToArray());

    public static byte[] FollowUpMessage(Ed25519PublicKey mailbox, ReadOnlySpan<byte> envelopeHash) =>
        Primitives.Concat(Primitives.SignaturePrefix(FollowUpContext), mailbox.ToArray(), envelopeHash.ToArray());

    public static byte[] ReplyMessage(Ed25519PublicKey mailbox, ReadOnlySpan<byte> envelopeHash) =>
        Primitives.Concat(Primitives.SignaturePrefix(ReplyContext), mailbox.ToArray(), envelopeHash.ToArray());

    public static byte[] ChallengeMessage(ReadOnlySpan<byte> challenge) =>
        Primitives.Concat(Primitives.SignaturePrefix(ChallengeContext), challenge.ToArray());

    public static bool VerifyReplyKeys(Ed25519PublicKey mailbox, X25519PublicKey replyKey, ReadOnlySpan<byte> envelopeNonce, ReadOnlySpan<byte> signature) =>
        Primitives.VerifyDetached(signature, ReplyKeysMessage(replyKey, envelopeNonce), mailbox);

    public static bool VerifyFollowUp(Ed25519PublicKey mailbox, ReadOnlySpan<byte> envelopeHash, ReadOnlySpan<byte> signature) =>
        envelopeHash.Length == Primitives.HashLength && Primitives.VerifyDetached(signature, FollowUpMessage(mailbox, envelopeHash), mailbox);

    public static bool VerifyReply(Ed25519PublicKey reviewer, Ed25519PublicKey mailbox, ReadOnlySpan<byte> envelopeHash, ReadOnlySpan<byte> signature) =>
        envelopeHash.Length == Primitives.HashLength && Primitives.VerifyDetached(signature, ReplyMessage(mailbox, envelopeHash), reviewer);

    public static bool VerifyChallenge(Ed25519PublicKey mailbox, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> signature) =>
        Primitives.VerifyDetached(signature, ChallengeMessage(challenge), mailbox);

    /// <summary>envelope_hash = BLAKE2b-256 of every byte of the envelope, streamed.</summary>
    public static byte[] EnvelopeHash(Stream envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        using var hash = new GenericHash.GenericHashAlgorithm((byte[]?)null, Primitives.HashLength);
        return hash.ComputeHash(envelope);
    }

    /// <summary>mailbox_id = hex of the first 16 bytes of BLAKE2b-256(mailbox public key) (§6.3).</summary>
    public static string MailboxId(Ed25519PublicKey mailbox) => Convert.ToHexStringLower(Primitives.Blake2b256(mailbox.Bytes).AsSpan(0, 16));
}
