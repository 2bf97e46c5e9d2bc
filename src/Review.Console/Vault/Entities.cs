namespace SafeIntake.Review.Console.Vault;

/// <summary>Triage states; every imported envelope starts as <see cref="New"/>. The transitions are <see cref="Triage.Workflow"/>.</summary>
public static class EnvelopeStatus
{
    public const string New = "new";
    public const string Triaged = "triaged";
    public const string Investigating = "investigating";
    public const string Closed = "closed";
    public const string Rejected = "rejected";
}

/// <summary>
/// One imported envelope: a report, a follow-up or a reply. Plain columns are what the server already knew (id,
/// sequence, kind, day, size, mailbox id) plus the console's own state; every byte[] column is a sealed cell
/// (<see cref="CellCipher"/>) with AD = "Envelopes" ‖ column ‖ <see cref="Id"/>.
/// </summary>
public sealed class VaultEnvelope
{
    public const string Table = "Envelopes";

    public required string Id { get; set; }

    public long Sequence { get; set; }

    public required string Kind { get; set; }

    public DateOnly ReceivedDay { get; set; }

    public long Size { get; set; }

    public string Status { get; set; } = EnvelopeStatus.New;

    /// <summary>Triage: low, medium, high or critical; null until a reviewer sets it.</summary>
    public string? Severity { get; set; }

    /// <summary>Triage: the reviewer id the case is assigned to.</summary>
    public string? Assignee { get; set; }

    /// <summary>hex(envelope_hash): matches a reply this console queued with the copy the server exported back.</summary>
    public string? EnvelopeHash { get; set; }

    /// <summary>hex(first 16 bytes of BLAKE2b-256(mailbox key)): the thread a report, its follow-ups and replies share.</summary>
    public string? MailboxId { get; set; }

    /// <summary>For follow-ups and replies: the report of the same mailbox, once it is in the vault.</summary>
    public string? CaseId { get; set; }

    /// <summary>Replies: the reviewer who signed.</summary>
    public string? ReviewerId { get; set; }

    public DateOnly ImportedDay { get; set; }

    /// <summary>The outbox file that last acknowledged this envelope; null until one did.</summary>
    public string? AcknowledgedIn { get; set; }

    public int AttachmentCount { get; set; }

    public required byte[] Manifest { get; set; }

    public byte[]? Language { get; set; }

    public byte[]? What { get; set; }

    public byte[]? When { get; set; }

    public byte[]? Where { get; set; }

    public byte[]? Category { get; set; }

    /// <summary>Follow-ups and replies: their text.</summary>
    public byte[]? Text { get; set; }

    /// <summary>Triage: the tags, a sealed JSON array of strings (they may name the abuse; each is also a blind-index token).</summary>
    public byte[]? Tags { get; set; }

    /// <summary>Triage: why the report was rejected (sealed).</summary>
    public byte[]? StatusReason { get; set; }
}

/// <summary>An internal note on a report: never sent to anyone. Row id for its sealed cell = <see cref="Id"/>.</summary>
public sealed class VaultNote
{
    public const string Table = "Notes";

    public required string Id { get; set; }

    public required string EnvelopeId { get; set; }

    public required string ReviewerId { get; set; }

    public DateTimeOffset Created { get; set; }

    public required byte[] Text { get; set; }
}

/// <summary>Two reports a reviewer marked as the same incident (<see cref="First"/> sorts before <see cref="Second"/>).</summary>
public sealed class VaultLink
{
    public required string First { get; set; }

    public required string Second { get; set; }
}

/// <summary>
/// One entry of the hash-chained, signed audit log (docs/spec/vault-v1.md §8). <see cref="Entry"/> is a sealed cell
/// (row id = the sequence number in decimal); <see cref="Hash"/> chains it to the entry before, and
/// <see cref="Signature"/> is the reviewer's Ed25519 signature over the hash.
/// </summary>
public sealed class AuditEntry
{
    public const string Table = "AuditLog";

    public long Sequence { get; set; }

    public required string ReviewerId { get; set; }

    /// <summary>
    /// The report the entry is about (also sealed inside the entry, and checked against it by audit verify): plain so
    /// that <c>show</c> reads one report's history without opening the whole log.
    /// </summary>
    public string? CaseId { get; set; }

    /// <summary>The signer's Ed25519 public key, base64: the audit log's "key id".</summary>
    public required string SigningKey { get; set; }

    public required byte[] Entry { get; set; }

    public required byte[] Hash { get; set; }

    public required byte[] Signature { get; set; }
}

/// <summary>
/// A reply this console sealed and signed for a witness, waiting for an outbox (docs/spec/vault-v1.md §9). The
/// envelope is already encrypted to the witness and the team; <see cref="Text"/> is the reviewer's sealed copy.
/// </summary>
public sealed class OutgoingReply
{
    public const string Table = "OutgoingReplies";

    /// <summary>hex(envelope_hash).</summary>
    public required string Id { get; set; }

    public required string CaseId { get; set; }

    public required string ReviewerId { get; set; }

    /// <summary>The witness's mailbox key, base64.</summary>
    public required string Mailbox { get; set; }

    public DateTimeOffset Created { get; set; }

    public required byte[] Envelope { get; set; }

    public required byte[] Signature { get; set; }

    public required byte[] Text { get; set; }

    /// <summary>The outbox file that carries it; null while it waits.</summary>
    public string? QueuedIn { get; set; }
}

/// <summary>An attachment's metadata; its bytes are <see cref="VaultAttachmentChunk"/> rows. Id = envelope id ":" position.</summary>
public sealed class VaultAttachment
{
    public const string Table = "Attachments";

    public required string Id { get; set; }

    public required string EnvelopeId { get; set; }

    public int Position { get; set; }

    public long Size { get; set; }

    public int ChunkCount { get; set; }

    public required byte[] Name { get; set; }

    public required byte[] Type { get; set; }
}

/// <summary>64 KiB of an attachment, sealed with AD row id = attachment id "#" number "/" chunk count (so none can be dropped).</summary>
public sealed class VaultAttachmentChunk
{
    public const string Table = "AttachmentChunks";
    public const int PlaintextLength = 64 * 1024;

    public required string AttachmentId { get; set; }

    public int Number { get; set; }

    public required byte[] Data { get; set; }

    public static string RowId(string attachmentId, int number, int count) => $"{attachmentId}#{number}/{count}";
}

/// <summary>A blind-index entry: keyed BLAKE2b-256 of one token of an envelope's text.</summary>
public sealed class SearchToken
{
    public required byte[] Token { get; set; }

    public required string EnvelopeId { get; set; }
}

/// <summary>An item an import refused (bad hash, does not open, bad signature), with why; retried on the next import.</summary>
public sealed class QuarantinedItem
{
    public required string Id { get; set; }

    public long Sequence { get; set; }

    public required string Kind { get; set; }

    public DateOnly ReceivedDay { get; set; }

    public long Size { get; set; }

    public required string Reason { get; set; }

    public DateOnly FirstSeenDay { get; set; }

    public DateOnly LastSeenDay { get; set; }

    public int Attempts { get; set; }
}

/// <summary>Vault state: the reviewer id, the highest sequence imported, and a sealed key check.</summary>
public sealed class VaultSetting
{
    public const string Table = "Settings";
    public const string ReviewerId = "reviewer-id";
    public const string LastSequence = "last-sequence";
    public const string KeyCheck = "key-check";
    public const string AuditHead = "audit-head";

    public required string Name { get; set; }

    public string? Value { get; set; }

    public byte[]? Sealed { get; set; }
}
