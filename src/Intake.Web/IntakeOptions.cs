namespace SafeIntake.Intake.Web;

/// <summary>How the server runs: a self-contained demo, or production with a pinned organisation key.</summary>
public enum IntakeMode
{
    Demo,
    Production,
}

/// <summary>A report category offered on the form, with its label in each language.</summary>
public sealed class CategoryOption
{
    public string Id { get; set; } = "";

    public Dictionary<string, string> Labels { get; set; } = [];
}

/// <summary>The <c>Intake</c> configuration section (docs/admin/configuration.md).</summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary>Unset: Demo in the Development environment, Production in any other (fail closed).</summary>
    public IntakeMode Mode { get; set; } = IntakeMode.Production;

    /// <summary>Where ciphertext, the database, the DataProtection key ring and logs live.</summary>
    public string? DataPath { get; set; }

    /// <summary>Demo mode: where the demo organisation and reviewer are created.</summary>
    public string? DemoPath { get; set; }

    /// <summary>The organisation's Ed25519 public key (base64), pinned: bundles must be signed by it.</summary>
    public string? OrganisationKey { get; set; }

    /// <summary>The signed reviewer bundle file to serve.</summary>
    public string? BundlePath { get; set; }

    /// <summary>
    /// Leading zero bits a proof-of-work trial must have: 2^PowDifficulty trials expected. Each bit doubles the
    /// witness's wait (docs/spec/intake-api.md, "Proof of work").
    /// </summary>
    public int PowDifficulty { get; set; } = 8;

    /// <summary>PBKDF2-HMAC-SHA-256 iterations in one trial; also the server's cost to verify one answer.</summary>
    public int PowIterations { get; set; } = 4000;

    public int PowLifetimeMinutes { get; set; } = 30;

    /// <summary>Largest envelope accepted: 2 GiB of attachments plus header, padding and tags.</summary>
    public long MaxEnvelopeBytes { get; set; } = (2L << 30) + (256L << 20);

    /// <summary>Largest total of attachments the form accepts before sealing.</summary>
    public long MaxAttachmentBytes { get; set; } = 2L << 30;

    public int ChunkBytes { get; set; } = 4 << 20;

    public int UploadExpiryHours { get; set; } = 24;

    /// <summary>Global (never per-client) budget of witness actions per minute.</summary>
    public int RateLimitPerMinute { get; set; } = 120;

    /// <summary>Global budget of mailbox challenges and openings per minute, apart from the witness budget.</summary>
    public int MailboxRateLimitPerMinute { get; set; } = 120;

    /// <summary>Global budget of reviewer outboxes and replies per minute, apart from the witness budget.</summary>
    public int ReviewerRateLimitPerMinute { get; set; } = 60;

    public long MaxReplyBytes { get; set; } = 16L << 20;

    /// <summary>Largest outbox body (JSON with base64 replies); refused with 413 before it is read (default 64 MiB).</summary>
    public long MaxOutboxBytes { get; set; } = 64L << 20;

    /// <summary>Ciphertext held at most, stored and reserved by open uploads, in bytes (0: no cap but the free-space floor).</summary>
    public long MaxStorageBytes { get; set; }

    /// <summary>Ciphertext accepted per UTC day, stored and reserved, in bytes (0: no daily cap). Default 20 GiB.</summary>
    public long MaxStorageBytesPerDay { get; set; } = 20L << 30;

    /// <summary>New uploads are refused when the data folder's disk would have less than this free (default 2 GiB).</summary>
    public long MinFreeBytes { get; set; } = 2L << 30;

    /// <summary>
    /// A report or follow-up that no reviewer acknowledged this many days after it arrived is deleted, even when
    /// <see cref="RetentionDays"/> is 0 (0: never). Default 90: garbage nobody can open does not stay for ever.
    /// </summary>
    public int UnacknowledgedExpiryDays { get; set; } = 90;

    /// <summary>Slowest request body accepted, bytes per second after a grace period; slower clients get 408.</summary>
    public int MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>An onion address to advertise with <c>Onion-Location</c>, e.g. http://xyz.onion.</summary>
    public string? OnionLocation { get; set; }

    public List<CategoryOption> Categories { get; set; } = [];

    /// <summary>Delete ciphertext once every reviewer of the current bundle has acknowledged it (default on).</summary>
    public bool DeleteWhenAllAcknowledged { get; set; } = true;

    /// <summary>Delete ciphertext this many days after it arrived, acknowledged or not (0: never).</summary>
    public int RetentionDays { get; set; }
}
