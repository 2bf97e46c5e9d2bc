using Microsoft.EntityFrameworkCore;

namespace SafeIntake.Intake.Web.Storage;

/// <summary>Metadata only: ciphertext lives in the blob folder (<see cref="BlobStore"/>).</summary>
public sealed class IntakeDbContext(DbContextOptions<IntakeDbContext> options) : DbContext(options)
{
    public DbSet<StoredEnvelope> Envelopes => Set<StoredEnvelope>();

    public DbSet<PendingUpload> Uploads => Set<PendingUpload>();

    public DbSet<ServedBundle> Bundles => Set<ServedBundle>();

    public DbSet<FetchToken> FetchTokens => Set<FetchToken>();

    public DbSet<Acknowledgement> Acknowledgements => Set<Acknowledgement>();

    public DbSet<ProcessedOutbox> ProcessedOutboxes => Set<ProcessedOutbox>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<StoredEnvelope>(e =>
        {
            e.ToTable("Envelopes");
            e.HasKey(x => x.Sequence);
            e.Property(x => x.Sequence).ValueGeneratedOnAdd();
            e.HasIndex(x => x.Id).IsUnique();
            e.HasIndex(x => x.MailboxId);
            // Every finalize asks "are these bytes stored already?" (IntakeWriter): never a scan of every row.
            e.HasIndex(x => x.EnvelopeHash);
            // A reply is stored once per mailbox, whichever outbox carries it (the check in ApplyOutboxAsync's backstop).
            e.HasIndex(x => new { x.MailboxId, x.EnvelopeHash }).IsUnique().HasFilter("\"Kind\" = 3").HasDatabaseName("IX_Envelopes_Reply_MailboxId_EnvelopeHash");
            e.Property(x => x.Id).HasMaxLength(32);
            e.Property(x => x.EnvelopeHash).HasMaxLength(64);
            e.Property(x => x.BundleHash).HasMaxLength(64);
            e.Property(x => x.MailboxId).HasMaxLength(32);
            e.Property(x => x.MailboxKey).HasMaxLength(44);
            e.Property(x => x.ReviewerId).HasMaxLength(64);
            e.Property(x => x.Signature).HasMaxLength(88);
        });
        modelBuilder.Entity<PendingUpload>(e =>
        {
            e.ToTable("Uploads");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(32);
            e.Property(x => x.MailboxKey).HasMaxLength(44);
            // SQLite cannot order DateTimeOffset; store UTC ticks.
            e.Property(x => x.ExpiresAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        });
        modelBuilder.Entity<FetchToken>(e =>
        {
            e.ToTable("FetchTokens");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.Hash).IsUnique();
            e.Property(x => x.Id).HasMaxLength(32);
            e.Property(x => x.Hash).HasMaxLength(64);
            e.Property(x => x.ReviewerId).HasMaxLength(64);
            e.Property(x => x.Label).HasMaxLength(200);
        });
        modelBuilder.Entity<Acknowledgement>(e =>
        {
            e.ToTable("Acknowledgements");
            e.HasKey(x => new { x.EnvelopeId, x.ReviewerId });
            e.Property(x => x.EnvelopeId).HasMaxLength(32);
            e.Property(x => x.ReviewerId).HasMaxLength(64);
        });
        modelBuilder.Entity<ProcessedOutbox>(e =>
        {
            e.ToTable("ProcessedOutboxes");
            e.HasKey(x => x.Hash);
            e.Property(x => x.Hash).HasMaxLength(64);
            e.Property(x => x.ReviewerId).HasMaxLength(64);
        });
        modelBuilder.Entity<ServedBundle>(e =>
        {
            e.ToTable("Bundles");
            e.HasKey(x => x.Hash);
            e.Property(x => x.Hash).HasMaxLength(64);
        });
    }
}
