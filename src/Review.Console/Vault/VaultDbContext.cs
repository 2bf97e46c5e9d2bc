using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace SafeIntake.Review.Console.Vault;

/// <summary>
/// The vault's schema (docs/spec/vault-v1.md §5). Migrations live in Vault/Migrations. The model the console runs on
/// is compiled (Vault/CompiledModel), so a cold command does not build it: after changing this file, add the
/// migration and regenerate it with <c>dotnet ef dbcontext optimize</c> (CompiledModelTests fails until then and gives
/// the exact command).
/// </summary>
public sealed class VaultDbContext(DbContextOptions<VaultDbContext> options) : DbContext(options)
{
    public DbSet<VaultEnvelope> Envelopes => Set<VaultEnvelope>();

    public DbSet<VaultAttachment> Attachments => Set<VaultAttachment>();

    public DbSet<VaultAttachmentChunk> AttachmentChunks => Set<VaultAttachmentChunk>();

    public DbSet<SearchToken> SearchTokens => Set<SearchToken>();

    public DbSet<QuarantinedItem> Quarantine => Set<QuarantinedItem>();

    public DbSet<VaultSetting> Settings => Set<VaultSetting>();

    public DbSet<VaultNote> Notes => Set<VaultNote>();

    public DbSet<VaultLink> Links => Set<VaultLink>();

    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    public DbSet<OutgoingReply> OutgoingReplies => Set<OutgoingReply>();

    // SQLite cannot order DateTimeOffset: store UTC ticks.
    private static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long> UtcTicks =
        new(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<VaultEnvelope>(e =>
        {
            e.ToTable(VaultEnvelope.Table);
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(32);
            e.Property(x => x.Kind).HasMaxLength(16);
            e.Property(x => x.Status).HasMaxLength(16).HasDefaultValue(EnvelopeStatus.New);
            e.Property(x => x.MailboxId).HasMaxLength(32);
            e.Property(x => x.CaseId).HasMaxLength(32);
            e.Property(x => x.ReviewerId).HasMaxLength(64);
            e.Property(x => x.AcknowledgedIn).HasMaxLength(64);
            e.HasIndex(x => x.Sequence);
            e.HasIndex(x => x.MailboxId);
            e.HasIndex(x => x.CaseId);
            e.Property(x => x.Severity).HasMaxLength(16);
            e.Property(x => x.Assignee).HasMaxLength(64);
            e.Property(x => x.EnvelopeHash).HasMaxLength(64);
            e.HasIndex(x => x.Status);
            e.HasIndex(x => x.Severity);
            e.HasIndex(x => x.Assignee);
            e.HasIndex(x => x.ReceivedDay);
            e.HasIndex(x => x.EnvelopeHash);
        });
        modelBuilder.Entity<VaultNote>(e =>
        {
            e.ToTable(VaultNote.Table);
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(32);
            e.Property(x => x.EnvelopeId).HasMaxLength(32);
            e.Property(x => x.ReviewerId).HasMaxLength(64);
            e.HasIndex(x => x.EnvelopeId);
            e.Property(x => x.Created).HasConversion(UtcTicks);
            e.HasOne<VaultEnvelope>().WithMany().HasForeignKey(x => x.EnvelopeId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<VaultLink>(e =>
        {
            e.ToTable("Links");
            e.HasKey(x => new { x.First, x.Second });
            e.Property(x => x.First).HasMaxLength(32);
            e.Property(x => x.Second).HasMaxLength(32);
            e.HasIndex(x => x.Second);
        });
        modelBuilder.Entity<AuditEntry>(e =>
        {
            // No foreign keys: the log outlives what it describes, and SQLite must never cascade into it.
            e.ToTable(AuditEntry.Table);
            e.HasKey(x => x.Sequence);
            e.Property(x => x.Sequence).ValueGeneratedNever();
            e.Property(x => x.ReviewerId).HasMaxLength(64);
            e.Property(x => x.SigningKey).HasMaxLength(64);
            e.Property(x => x.CaseId).HasMaxLength(32);
            e.HasIndex(x => x.CaseId);
        });
        modelBuilder.Entity<OutgoingReply>(e =>
        {
            e.ToTable(OutgoingReply.Table);
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(64);
            e.Property(x => x.CaseId).HasMaxLength(32);
            e.Property(x => x.ReviewerId).HasMaxLength(64);
            e.Property(x => x.Mailbox).HasMaxLength(64);
            e.Property(x => x.QueuedIn).HasMaxLength(64);
            e.Property(x => x.Created).HasConversion(UtcTicks);
            e.HasIndex(x => x.CaseId);
        });
        modelBuilder.Entity<VaultAttachment>(e =>
        {
            e.ToTable(VaultAttachment.Table);
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(40);
            e.Property(x => x.EnvelopeId).HasMaxLength(32);
            e.HasIndex(x => x.EnvelopeId);
            e.HasOne<VaultEnvelope>().WithMany().HasForeignKey(x => x.EnvelopeId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<VaultAttachmentChunk>(e =>
        {
            // No foreign key: chunks stream in before their attachment row, inside the same transaction.
            e.ToTable(VaultAttachmentChunk.Table);
            e.HasKey(x => new { x.AttachmentId, x.Number });
            e.Property(x => x.AttachmentId).HasMaxLength(40);
        });
        modelBuilder.Entity<SearchToken>(e =>
        {
            e.ToTable("SearchTokens");
            e.HasKey(x => new { x.Token, x.EnvelopeId });
            e.Property(x => x.EnvelopeId).HasMaxLength(32);
            e.HasIndex(x => x.EnvelopeId);
            e.HasOne<VaultEnvelope>().WithMany().HasForeignKey(x => x.EnvelopeId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<QuarantinedItem>(e =>
        {
            e.ToTable("Quarantine");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(32);
            e.Property(x => x.Kind).HasMaxLength(16);
            e.Property(x => x.Reason).HasMaxLength(300);
        });
        modelBuilder.Entity<VaultSetting>(e =>
        {
            e.ToTable(VaultSetting.Table);
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasMaxLength(64);
        });
    }
}

/// <summary>For <c>dotnet ef migrations add</c> only: an empty vault in the temp folder.</summary>
public sealed class VaultDbContextDesignFactory : IDesignTimeDbContextFactory<VaultDbContext>
{
    public VaultDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<VaultDbContext>()
            .UseSqlite($"Data Source={Path.Combine(Path.GetTempPath(), "safeintake-vault-design.db")}")
            .Options);
}
