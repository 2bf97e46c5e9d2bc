using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace SafeIntake.Review.Console.Vault;

/// <summary>The vault's schema (docs/spec/vault-v1.md §5). Migrations live in Vault/Migrations.</summary>
public sealed class VaultDbContext(DbContextOptions<VaultDbContext> options) : DbContext(options)
{
    public DbSet<VaultEnvelope> Envelopes => Set<VaultEnvelope>();

    public DbSet<VaultAttachment> Attachments => Set<VaultAttachment>();

    public DbSet<VaultAttachmentChunk> AttachmentChunks => Set<VaultAttachmentChunk>();

    public DbSet<SearchToken> SearchTokens => Set<SearchToken>();

    public DbSet<QuarantinedItem> Quarantine => Set<QuarantinedItem>();

    public DbSet<VaultSetting> Settings => Set<VaultSetting>();

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
            e.HasIndex(x => x.Status);
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
