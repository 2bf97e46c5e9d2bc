namespace SafeIntake.Review.Console.Vault;

/// <summary>Triage states (issue 5 adds the transitions); every imported envelope starts as <see cref="New"/>.</summary>
public static class EnvelopeStatus
{
    public const string New = "new";
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

    public required string Name { get; set; }

    public string? Value { get; set; }

    public byte[]? Sealed { get; set; }
}
