using System.Security.Cryptography;
using System.Text.Json;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Transfer;

namespace SafeIntake.Review.Console.Vault;

/// <summary>Why an item was quarantined, as the summary shows it: a reason code (docs/spec/vault-v1.md §7) and the detail.</summary>
public sealed record QuarantineLine(long Sequence, string Id, string Kind, string Code, string Reason, bool Acknowledged = false);

/// <summary>The reason codes of quarantine; the stored reason is "code: detail".</summary>
public static class QuarantineCodes
{
    public const string Altered = "altered";
    public const string Signature = "signature";
    public const string UnknownReviewer = "unknown-reviewer";
    public const string DoesNotOpen = "does-not-open";
    public const string Mismatch = "mismatch";
    public const string Duplicate = "duplicate";
    public const string Internal = "internal-error";
}

/// <summary>What an import did; the command prints it as a table or JSON.</summary>
public sealed class ImportSummary
{
    public int NewReports { get; set; }

    public int FollowUps { get; set; }

    public int FollowUpsLinked { get; set; }

    public int Replies { get; set; }

    public int Duplicates { get; set; }

    public int OmittedAcknowledged { get; set; }

    public List<QuarantineLine> Quarantined { get; } = [];

    /// <summary>How many were quarantined, per reason code.</summary>
    public IReadOnlyDictionary<string, int> QuarantinedByCode =>
        Quarantined.GroupBy(q => q.Code, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Sequence ranges never seen by this vault, as text ("12–15").</summary>
    public List<string> Gaps { get; } = [];

    /// <summary>Items the server deleted (retention) before this vault imported them.</summary>
    public List<long> DeletedBeforeImport { get; } = [];

    /// <summary>Ids imported now or already present: what the outbox acknowledges.</summary>
    public List<string> Acknowledge { get; } = [];

    public string? Note { get; set; }
}

/// <summary>
/// Streams the items of a verified export bundle into the vault (docs/spec/export-bundle-v1.md §2): each item is
/// hashed, opened with the reviewer's key straight into sealed vault cells and chunks, its signatures checked, and
/// committed, or quarantined with its reason. Idempotent by envelope id; batches of one transaction keep it fast.
/// </summary>
public sealed class VaultImporter(VaultStore vault, X25519SecretKey reviewerKey, IReadOnlyDictionary<string, Ed25519PublicKey> reviewerSigningKeys, DateOnly today)
{
    private const int BatchItems = 500;
    private readonly byte[] _chunkBuffer = new byte[VaultAttachmentChunk.PlaintextLength];
    private HashSet<string> _quarantined = [];
    private Dictionary<string, string> _byHash = [];
    private const long BatchBytes = 64L * 1024 * 1024;

    public ImportSummary Import(ExportBundle bundle, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var summary = new ImportSummary();
        var manifest = bundle.Manifest;
        var last = vault.LastSequence;
        ReportGaps(manifest, last, summary);

        _quarantined = vault.Db.Quarantine.Select(q => q.Id).ToHashSet(StringComparer.Ordinal);
        _byHash = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in vault.Db.Envelopes.Select(e => new { e.EnvelopeHash, e.Id }))
        {
            if (row.EnvelopeHash is not null)
            {
                _byHash.TryAdd(row.EnvelopeHash, row.Id);
            }
        }

        using var writer = new VaultWriter(vault.Connection);
        using var file = new FileStream(bundle.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        writer.BeginBatch();
        int batchItems = 0;
        long batchBytes = 0, done = 0;
        foreach (var entry in bundle.Entries)
        {
            ImportOne(writer, file, entry, bundle, summary);
            done += entry.Item.Size;
            batchBytes += entry.Item.Size;
            progress?.Report(done);
            if (++batchItems >= BatchItems || batchBytes >= BatchBytes)
            {
                writer.CommitBatch();
                writer.BeginBatch();
                batchItems = 0;
                batchBytes = 0;
            }
        }

        writer.SetSetting(VaultSetting.LastSequence, Math.Max(last, manifest.To).ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.CommitBatch();
        return summary;
    }

    private static void ReportGaps(ExportManifest manifest, long last, ImportSummary summary)
    {
        if (manifest.From > last + 1)
        {
            summary.Gaps.Add(manifest.From - 1 == last + 1 ? $"{last + 1}" : $"{last + 1}–{manifest.From - 1}");
        }

        if (manifest.To < last)
        {
            summary.Note = $"This bundle ends at sequence {manifest.To}, before the {last} already imported: it may be an old bundle.";
        }

        foreach (var item in manifest.Items.Where(i => !i.Included))
        {
            if (item.OmittedReason == "deleted" && item.Sequence > last)
            {
                summary.DeletedBeforeImport.Add(item.Sequence);
            }
            else if (item.OmittedReason == "acknowledged")
            {
                summary.OmittedAcknowledged++;
            }
        }
    }

    private void ImportOne(VaultWriter writer, FileStream file, ExportEntry entry, ExportBundle bundle, ImportSummary summary)
    {
        var item = entry.Item;
        if (writer.Exists(item.Id))
        {
            summary.Duplicates++;
            summary.Acknowledge.Add(item.Id);
            return;
        }

        var refusal = bundle.HashMismatches.Contains(item.Id)
            ? $"{QuarantineCodes.Altered}: its bytes do not match the manifest's hash (altered in transit; a new fetch may bring it whole)"
            : CheckTransportSignature(item);
        if (refusal is not null)
        {
            Quarantine(writer, item, refusal, summary);
            return;
        }

        // The same bytes under a second id: a witness uploaded one envelope twice. Its content is already here (or is
        // quarantined with the first copy), so it is never opened again; acknowledged once the first copy is stored,
        // so the server can delete the copy.
        var hex = Convert.ToHexStringLower(item.Hash);
        if (_byHash.TryGetValue(hex, out var original))
        {
            var stored = writer.Exists(original);
            Quarantine(writer, item, $"{QuarantineCodes.Duplicate}: the same envelope bytes as item {original}"
                + (stored ? ", which the vault holds" : ", which did not import"), summary, acknowledged: stored);
            if (stored)
            {
                summary.Acknowledge.Add(item.Id);
            }

            return;
        }

        _byHash[hex] = item.Id;
        writer.Savepoint();
        try
        {
            refusal = OpenAndStore(writer, file, entry, summary);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or Microsoft.Data.Sqlite.SqliteException))
        {
            // The per-item boundary: whatever the witness's bytes make a reader throw stays with this item. It is not
            // hidden: the code says it is a console bug to report, and the detail names the exception and where.
            refusal = $"{QuarantineCodes.Internal}: the console failed on it ({e.GetType().Name} in {e.TargetSite?.DeclaringType?.Name}.{e.TargetSite?.Name}: {e.Message}); please report this bug";
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // A storage failure is not the item's fault: undo what it staged and stop the import (the batch rolls back
            // whole, nothing half-written remains; the next import retries).
            writer.RollbackToSavepoint();
            writer.ReleaseSavepoint();
            throw;
        }

        if (refusal is not null)
        {
            writer.RollbackToSavepoint();
            writer.ReleaseSavepoint();
            Quarantine(writer, item, refusal, summary);
            return;
        }

        if (_quarantined.Contains(item.Id))
        {
            writer.Unquarantine(item.Id);
        }

        writer.ReleaseSavepoint();
        summary.Acknowledge.Add(item.Id);
    }

    /// <summary>Opens one item into the savepoint; null when it is stored, else the "code: detail" reason.</summary>
    private string? OpenAndStore(VaultWriter writer, FileStream file, ExportEntry entry, ImportSummary summary)
    {
        var item = entry.Item;
        var sink = new VaultEnvelopeSink(writer, vault.Keys.Cells, item.Id, _chunkBuffer, item.Size);
        OpenResult result;
        byte[] hash;
        using (var stream = new HashingReadStream(ExportBundle.OpenItem(file, entry)))
        {
            result = EnvelopeOpener.Open(stream, [reviewerKey], sink);
            hash = stream.Finish();
            sink.Complete();
        }

        return sink.Failure is { } failure ? $"{QuarantineCodes.DoesNotOpen}: {failure}"
            : !result.IsSuccess ? $"{QuarantineCodes.DoesNotOpen}: {result.Status} ({result.Detail})"
            : !CryptographicOperations.FixedTimeEquals(hash, item.Hash) ? $"{QuarantineCodes.Altered}: its bytes changed while it was read"
            : Store(writer, item, result, sink, summary);
    }

    /// <summary>Follow-ups and replies carry a §7.2 signature over the envelope hash; checked before anything is opened.</summary>
    private string? CheckTransportSignature(ExportItem item)
    {
        if (item.Kind == "report")
        {
            return null;
        }

        // These are decided by the signed bytes alone, so a retry gives the same answer; each retry only counts an
        // attempt and never holds back the other items or their acknowledgement.
        if (item.Mailbox is null)
        {
            return $"{QuarantineCodes.Signature}: a {item.Kind} without its mailbox";
        }

        if (item.Signature is null)
        {
            return $"{QuarantineCodes.Signature}: a {item.Kind} without its signature";
        }

        if (!StrictBase64Signature(item.Signature, out var signature))
        {
            return $"{QuarantineCodes.Signature}: the {item.Kind} signature is not canonical base64 of 64 bytes (envelope-v1.md §1); it can never verify";
        }

        if (item.Kind == "follow-up")
        {
            return Signatures.VerifyFollowUp(item.Mailbox, item.Hash, signature) ? null : $"{QuarantineCodes.Signature}: the follow-up signature does not verify under its mailbox key";
        }

        if (item.ReviewerId is null || !reviewerSigningKeys.TryGetValue(item.ReviewerId, out var reviewer))
        {
            return $"{QuarantineCodes.UnknownReviewer}: a reply signed by reviewer '{item.ReviewerId}', whose key this console does not know (install the reviewer bundle: bundle install)";
        }

        return Signatures.VerifyReply(reviewer, item.Mailbox, item.Hash, signature) ? null : $"{QuarantineCodes.Signature}: the reply signature does not verify under the reviewer's key";
    }

    private static bool StrictBase64Signature(string? text, out byte[] signature) =>
        StrictBase64.TryDecode(text, out signature) && signature.Length == Signatures.Length;

    /// <summary>Checks what only the opened envelope shows, then writes its row, attachments and search tokens. Null on success.</summary>
    private string? Store(VaultWriter writer, ExportItem item, OpenResult result, VaultEnvelopeSink sink, ImportSummary summary)
    {
        var manifest = result.Manifest!;
        if (sink.Failure is not null)
        {
            return $"{QuarantineCodes.DoesNotOpen}: {sink.Failure}";
        }

        if (manifest.Kind != item.Kind)
        {
            return $"{QuarantineCodes.Mismatch}: the envelope is a {manifest.Kind} but the manifest says {item.Kind}";
        }

        if (!result.BundleHash.Span.SequenceEqual(item.BundleHash))
        {
            return $"{QuarantineCodes.Mismatch}: the envelope names another reviewer bundle than the manifest";
        }

        var root = manifest.Root;
        var mailbox = item.Mailbox;
        if (item.Kind == "report" && root.TryGetProperty("replyTo", out var replyTo) && replyTo.ValueKind != JsonValueKind.Null)
        {
            if (CheckReplyTo(replyTo, result.Nonce.Span) is null)
            {
                return $"{QuarantineCodes.Signature}: its reply keys (replyTo) are malformed or their signature does not verify";
            }

            // The report is the witness's and is kept; only where it is filed decides whether it can be answered. The
            // server files replies under the upload's mailbox, so the console threads by that one (possibly none) and
            // offers a reply only when it equals replyTo.ed25519 (CaseQuery.CanReply): any other reply would be refused
            // by the server and stay in the outbox.
        }

        if (item.Kind == "reply" && Text(root, "reviewer") is { } signer && signer != item.ReviewerId)
        {
            return $"{QuarantineCodes.Mismatch}: the reply names another reviewer than the one who signed it";
        }

        var mailboxId = mailbox is null ? null : Signatures.MailboxId(mailbox);
        var caseId = item.Kind == "report" || mailboxId is null ? null : writer.FindReport(mailboxId);
        var fields = root.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Object ? f : default;
        var cells = vault.Keys.Cells;
        var envelope = new VaultEnvelope
        {
            Id = item.Id,
            Sequence = item.Sequence,
            Kind = item.Kind,
            ReceivedDay = item.Day,
            Size = item.Size,
            MailboxId = mailboxId,
            CaseId = caseId,
            ReviewerId = item.Kind == "reply" ? item.ReviewerId : null,
            EnvelopeHash = Convert.ToHexStringLower(item.Hash),
            ImportedDay = today,
            AttachmentCount = manifest.Attachments.Count,
            Manifest = cells.Seal(VaultEnvelope.Table, "Manifest", item.Id, manifest.Utf8Json),
            Language = cells.SealText(VaultEnvelope.Table, "Language", item.Id, Text(root, "lang")),
            What = cells.SealText(VaultEnvelope.Table, "What", item.Id, Text(fields, "what")),
            When = cells.SealText(VaultEnvelope.Table, "When", item.Id, Text(fields, "when")),
            Where = cells.SealText(VaultEnvelope.Table, "Where", item.Id, Text(fields, "where")),
            Category = cells.SealText(VaultEnvelope.Table, "Category", item.Id, Text(fields, "category")),
            Text = cells.SealText(VaultEnvelope.Table, "Text", item.Id, Text(root, "text")),
        };
        writer.InsertEnvelope(envelope);
        for (var i = 0; i < manifest.Attachments.Count; i++)
        {
            var a = manifest.Attachments[i];
            var id = VaultEnvelopeSink.AttachmentId(item.Id, i);
            writer.InsertAttachment(new VaultAttachment
            {
                Id = id,
                EnvelopeId = item.Id,
                Position = i,
                Size = a.Size,
                ChunkCount = VaultEnvelopeSink.ChunkCount(a.Size),
                Name = cells.SealText(VaultAttachment.Table, "Name", id, a.Name)!,
                Type = cells.SealText(VaultAttachment.Table, "Type", id, a.Type)!,
            });
        }

        var texts = new List<string?> { Text(fields, "what"), Text(fields, "when"), Text(fields, "where"), Text(fields, "category"), Text(root, "text") };
        texts.AddRange(manifest.Attachments.Select(a => a.Name));
        foreach (var token in vault.Keys.Index.HashAll(texts))
        {
            writer.InsertToken(token, item.Id);
        }

        switch (item.Kind)
        {
            case "report":
                summary.NewReports++;
                if (mailboxId is not null)
                {
                    summary.FollowUpsLinked += writer.LinkThread(item.Id, mailboxId);
                }

                break;
            case "follow-up":
                summary.FollowUps++;
                summary.FollowUpsLinked += caseId is null ? 0 : 1;
                break;
            default:
                summary.Replies++;
                break;
        }

        return null;
    }

    /// <summary>replyTo = {x25519, ed25519, sig}: the mailbox key signed the reply key for this envelope's nonce (§7.1).</summary>
    private static Ed25519PublicKey? CheckReplyTo(JsonElement replyTo, ReadOnlySpan<byte> nonce)
    {
        return replyTo.ValueKind == JsonValueKind.Object
            && X25519PublicKey.TryParseBase64(Text(replyTo, "x25519"), out var replyKey)
            && Ed25519PublicKey.TryParseBase64(Text(replyTo, "ed25519"), out var mailbox)
            && StrictBase64.TryDecode(Text(replyTo, "sig"), out var signature)
            && Signatures.VerifyReplyKeys(mailbox, replyKey, nonce, signature)
            ? mailbox
            : null;
    }

    private static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private void Quarantine(VaultWriter writer, ExportItem item, string reason, ImportSummary summary, bool acknowledged = false)
    {
        writer.Quarantine(new QuarantinedItem
        {
            Id = item.Id,
            Sequence = item.Sequence,
            Kind = item.Kind,
            ReceivedDay = item.Day,
            Size = item.Size,
            Reason = reason,
            FirstSeenDay = today,
            LastSeenDay = today,
        });
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        summary.Quarantined.Add(new QuarantineLine(item.Sequence, item.Id, item.Kind, reason[..colon], reason[(colon + 2)..], acknowledged));
    }
}

/// <summary>
/// Receives an envelope's attachments as they are decrypted and writes them as sealed 64 KiB chunks at once, so
/// memory stays flat whatever the size. Everything it wrote is rolled back with the envelope's savepoint on failure.
/// </summary>
public sealed class VaultEnvelopeSink(VaultWriter writer, CellCipher cells, string envelopeId, byte[] buffer, long envelopeSize) : EnvelopeSink
{
    private readonly byte[] _buffer = buffer.Length == VaultAttachmentChunk.PlaintextLength ? buffer : throw new ArgumentException("A chunk buffer is 64 KiB.", nameof(buffer));
    private IReadOnlyList<AttachmentEntry> _attachments = [];
    private int _attachment = -1;
    private int _filled;
    private int _chunk;

    /// <summary>Set when the stream broke the sink's own rules (more data than declared); the envelope is then refused.</summary>
    public string? Failure { get; private set; }

    public static string AttachmentId(string envelopeId, int position) => $"{envelopeId}:{position}";

    public static int ChunkCount(long size) => checked((int)((size + VaultAttachmentChunk.PlaintextLength - 1) / VaultAttachmentChunk.PlaintextLength));

    public override void OnManifest(EnvelopeManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        _attachments = manifest.Attachments;
        // A manifest may claim sizes the payload does not hold (the opener refuses it at the end, rule 15); nothing
        // larger than the envelope itself is ever written, so such a claim costs neither disk nor an overflow.
        if (manifest.Attachments.Sum(a => a.Size) > envelopeSize)
        {
            Failure = "its manifest declares attachments larger than the envelope";
        }
    }

    public override void OnAttachmentData(int index, ReadOnlySpan<byte> data)
    {
        if (Failure is not null)
        {
            return;
        }

        if (index != _attachment)
        {
            Flush();
            _attachment = index;
            _chunk = 0;
        }

        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, _buffer.Length - _filled);
            data[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            data = data[take..];
            if (_filled == _buffer.Length)
            {
                Flush();
                if (Failure is not null)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Writes the last partial chunk (every flush wipes what it used of the buffer).</summary>
    public void Complete() => Flush();

    private void Flush()
    {
        if (_filled == 0 || _attachment < 0 || Failure is not null)
        {
            CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _filled));
            _filled = 0;
            return;
        }

        var id = AttachmentId(envelopeId, _attachment);
        var count = ChunkCount(_attachments[_attachment].Size);
        if (_chunk >= count)
        {
            Failure = "an attachment holds more bytes than its manifest declares";
            Flush();
            return;
        }

        var cell = cells.Seal(VaultAttachmentChunk.Table, "Data", VaultAttachmentChunk.RowId(id, _chunk, count), _buffer.AsSpan(0, _filled));
        writer.InsertChunk(id, _chunk, cell);
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _filled));
        _filled = 0;
        _chunk++;
    }
}
