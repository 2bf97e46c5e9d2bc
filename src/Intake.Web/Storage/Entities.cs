namespace SafeIntake.Intake.Web.Storage;

public enum EnvelopeKind
{
    Report = 1,
    FollowUp = 2,
    Reply = 3,
}

public enum EnvelopeState
{
    /// <summary>Stored, waiting for the reviewers.</summary>
    Stored = 1,

    /// <summary>Acknowledged by at least one reviewer; still held until the retention policy deletes it.</summary>
    Acknowledged = 2,

    /// <summary>Ciphertext deleted by the retention policy; the row stays so export sequences have no holes.</summary>
    Deleted = 3,
}

/// <summary>
/// One stored envelope. Deliberately absent: any time of day, client address, user agent or request detail.
/// <see cref="Sequence"/> orders envelopes for export; it reveals arrival order within a day and nothing more.
/// </summary>
public sealed class StoredEnvelope
{
    public long Sequence { get; set; }

    /// <summary>32 random hex digits; also the blob's file name.</summary>
    public required string Id { get; set; }

    public EnvelopeKind Kind { get; set; }

    public DateOnly ReceivedDay { get; set; }

    public long Size { get; set; }

    /// <summary>BLAKE2b-256 of the whole envelope (hex), for export manifests and signatures.</summary>
    public required string EnvelopeHash { get; set; }

    /// <summary>The reviewer bundle the envelope was sealed under (hex).</summary>
    public required string BundleHash { get; set; }

    /// <summary>The witness's mailbox (envelope-v1.md §6.3), when the report can receive replies.</summary>
    public string? MailboxId { get; set; }

    public string? MailboxKey { get; set; }

    /// <summary>Replies: the reviewer who signed. Replies and follow-ups: the §7.2 signature (base64).</summary>
    public string? ReviewerId { get; set; }

    public string? Signature { get; set; }

    public EnvelopeState State { get; set; } = EnvelopeState.Stored;
}

/// <summary>An upload in progress. Its bytes are in the uploads folder; the file length is how many arrived.</summary>
public sealed class PendingUpload
{
    public required string Id { get; set; }

    public EnvelopeKind Kind { get; set; }

    public long DeclaredSize { get; set; }

    public string? MailboxKey { get; set; }

    /// <summary>Rounded up to the hour: the sweep needs a deadline, not the moment the witness arrived.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>A fetch token: it reads ciphertext for one reviewer and can do nothing else. Only its hash is kept.</summary>
public sealed class FetchToken
{
    public required string Id { get; set; }

    /// <summary>BLAKE2b-256 of the token (hex).</summary>
    public required string Hash { get; set; }

    public required string ReviewerId { get; set; }

    public string Label { get; set; } = "";

    public DateOnly CreatedDay { get; set; }

    public DateOnly? RevokedDay { get; set; }
}

/// <summary>One reviewer has imported one envelope (from a signed outbox).</summary>
public sealed class Acknowledgement
{
    public required string EnvelopeId { get; set; }

    public required string ReviewerId { get; set; }

    public DateOnly Day { get; set; }
}

/// <summary>An outbox already processed, by the hash of its signed body: the same outbox has no second effect.</summary>
public sealed class ProcessedOutbox
{
    public required string Hash { get; set; }

    public required string ReviewerId { get; set; }

    public DateOnly Day { get; set; }
}

/// <summary>A reviewer bundle this server has served: envelopes may name only these.</summary>
public sealed class ServedBundle
{
    public required string Hash { get; set; }

    public long Epoch { get; set; }

    public DateOnly InstalledDay { get; set; }

    public required string FileText { get; set; }
}
