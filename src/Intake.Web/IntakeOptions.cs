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

    public IntakeMode Mode { get; set; } = IntakeMode.Demo;

    /// <summary>Where ciphertext, the database, the DataProtection key ring and logs live.</summary>
    public string? DataPath { get; set; }

    /// <summary>Demo mode: where the demo organisation and reviewer are created.</summary>
    public string? DemoPath { get; set; }

    /// <summary>The organisation's Ed25519 public key (base64), pinned: bundles must be signed by it.</summary>
    public string? OrganisationKey { get; set; }

    /// <summary>The signed reviewer bundle file to serve.</summary>
    public string? BundlePath { get; set; }

    public int PowDifficulty { get; set; } = 16;

    public int PowLifetimeMinutes { get; set; } = 30;

    /// <summary>Largest envelope accepted: 2 GiB of attachments plus header, padding and tags.</summary>
    public long MaxEnvelopeBytes { get; set; } = (2L << 30) + (256L << 20);

    /// <summary>Largest total of attachments the form accepts before sealing.</summary>
    public long MaxAttachmentBytes { get; set; } = 2L << 30;

    public int ChunkBytes { get; set; } = 4 << 20;

    public int UploadExpiryHours { get; set; } = 24;

    /// <summary>Global (never per-client) budget of witness actions per minute.</summary>
    public int RateLimitPerMinute { get; set; } = 120;

    public long MaxReplyBytes { get; set; } = 16L << 20;

    /// <summary>An onion address to advertise with <c>Onion-Location</c>, e.g. http://xyz.onion.</summary>
    public string? OnionLocation { get; set; }

    public List<CategoryOption> Categories { get; set; } = [];

    /// <summary>Delete ciphertext once every reviewer of the current bundle has acknowledged it (default on).</summary>
    public bool DeleteWhenAllAcknowledged { get; set; } = true;

    /// <summary>Delete ciphertext this many days after it arrived, acknowledged or not (0: never).</summary>
    public int RetentionDays { get; set; }
}
