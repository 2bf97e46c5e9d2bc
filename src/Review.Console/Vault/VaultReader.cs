using Microsoft.EntityFrameworkCore;

namespace SafeIntake.Review.Console.Vault;

/// <summary>An envelope as the reviewer reads it, decrypted in memory only.</summary>
public sealed record EnvelopeView(
    string Id, long Sequence, string Kind, DateOnly ReceivedDay, string Status, string? CaseId, string? MailboxId, string? ReviewerId,
    string? Language, string? What, string? When, string? Where, string? Category, string? Text, IReadOnlyList<AttachmentView> Attachments);

public sealed record AttachmentView(string Id, string Name, string Type, long Size);

/// <summary>Reads and decrypts the vault: listing and blind-index search.</summary>
public static class VaultReader
{
    public static IReadOnlyList<EnvelopeView> List(VaultStore vault, IReadOnlyCollection<string>? ids = null)
    {
        ArgumentNullException.ThrowIfNull(vault);
        var query = vault.Db.Envelopes.AsNoTracking();
        if (ids is not null)
        {
            query = query.Where(e => ids.Contains(e.Id));
        }

        var envelopes = query.OrderBy(e => e.Sequence).ToList();
        var envelopeIds = envelopes.Select(e => e.Id).ToList();
        var attachments = vault.Db.Attachments.AsNoTracking().Where(a => envelopeIds.Contains(a.EnvelopeId)).ToList()
            .ToLookup(a => a.EnvelopeId);
        var c = vault.Keys.Cells;
        const string t = VaultEnvelope.Table;
        return envelopes.Select(e => new EnvelopeView(
            e.Id, e.Sequence, e.Kind, e.ReceivedDay, e.Status, e.CaseId, e.MailboxId, e.ReviewerId,
            c.OpenText(t, "Language", e.Id, e.Language), c.OpenText(t, "What", e.Id, e.What), c.OpenText(t, "When", e.Id, e.When),
            c.OpenText(t, "Where", e.Id, e.Where), c.OpenText(t, "Category", e.Id, e.Category), c.OpenText(t, "Text", e.Id, e.Text),
            attachments[e.Id].OrderBy(a => a.Position).Select(a => View(vault, a)).ToList()))
            .ToList();
    }

    /// <summary>An attachment's name and type, decrypted.</summary>
    public static AttachmentView View(VaultStore vault, VaultAttachment attachment)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(attachment);
        var c = vault.Keys.Cells;
        return new AttachmentView(attachment.Id, c.OpenText(VaultAttachment.Table, "Name", attachment.Id, attachment.Name)!,
            c.OpenText(VaultAttachment.Table, "Type", attachment.Id, attachment.Type)!, attachment.Size);
    }

    /// <summary>Envelopes holding every token of <paramref name="query"/> (docs/spec/vault-v1.md §4).</summary>
    public static IReadOnlyList<EnvelopeView> Search(VaultStore vault, string query)
    {
        ArgumentNullException.ThrowIfNull(vault);
        var hashes = vault.Keys.Index.HashAll([query]);
        if (hashes.Count == 0)
        {
            return [];
        }

        HashSet<string>? matches = null;
        foreach (var hash in hashes)
        {
            var ids = vault.Db.SearchTokens.AsNoTracking().Where(s => s.Token == hash).Select(s => s.EnvelopeId).ToHashSet(StringComparer.Ordinal);
            matches = matches is null ? ids : [.. matches.Intersect(ids, StringComparer.Ordinal)];
            if (matches.Count == 0)
            {
                return [];
            }
        }

        return List(vault, matches!);
    }

    /// <summary>Streams one attachment's plaintext to <paramref name="output"/>, a chunk at a time.</summary>
    public static void CopyAttachment(VaultStore vault, VaultAttachment attachment, Stream output)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(attachment);
        ArgumentNullException.ThrowIfNull(output);
        for (var n = 0; n < attachment.ChunkCount; n++)
        {
            var number = n;
            var chunk = vault.Db.AttachmentChunks.AsNoTracking().SingleOrDefault(x => x.AttachmentId == attachment.Id && x.Number == number)
                ?? throw new CommandFailedException($"The vault lost part of attachment {attachment.Id}: restore it from your backup.");
            var plain = vault.Keys.Cells.Open(VaultAttachmentChunk.Table, "Data", VaultAttachmentChunk.RowId(attachment.Id, n, attachment.ChunkCount), chunk.Data);
            output.Write(plain);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
        }
    }
}
