using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Vault;

namespace SafeIntake.Review.Console.Triage;

/// <summary>Who signs audit entries: the unlocked reviewer.</summary>
public sealed record AuditSigner(string ReviewerId, Ed25519SecretKey Key);

/// <summary>One decrypted audit entry.</summary>
public sealed record AuditRecord(long Sequence, DateTimeOffset At, string ReviewerId, string Action, string? CaseId, IReadOnlyDictionary<string, string> Details)
{
    /// <summary>One line for people: "set-status new → triaged (reason …)".</summary>
    public string Describe() =>
        Details.Count == 0 ? Action : $"{Action} {string.Join(", ", Details.Select(d => $"{d.Key}: {d.Value}"))}";
}

/// <summary>What <c>audit verify</c> found; <see cref="Problems"/> is empty when the whole chain holds.</summary>
public sealed record AuditVerification(long Entries, string? Head, IReadOnlyList<string> Problems)
{
    public bool IsIntact => Problems.Count == 0;
}

/// <summary>
/// The vault's audit log (docs/spec/vault-v1.md §8): every reviewer action becomes one entry, sealed like any other
/// cell, chained to the entry before by a hash over the sealed bytes, and signed with the reviewer's Ed25519 key. The
/// chain's head (sequence and hash) is kept sealed in Settings, so removing the newest entries is caught too.
/// </summary>
public static class AuditLog
{
    public const string ChainContext = "SafeIntake/v1 audit-chain";
    private const string EntryColumn = "Entry";
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Adds an entry to the context (the caller's SaveChanges, inside its transaction, makes it permanent together
    /// with the action it records, so there is never an action without its entry or the reverse).
    /// </summary>
    public static AuditRecord Append(VaultStore vault, AuditSigner signer, DateTimeOffset at, string action, string? caseId, IReadOnlyDictionary<string, string>? details = null)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(signer);
        // A missing head is never read as an empty log: that would let a wiped log restart as an intact one.
        var (previousSequence, previousHash) = ReadHead(vault)
            ?? throw new CommandFailedException("The audit log's head is missing: the log was altered. Nothing was changed; run audit verify and restore the vault from your backup.");
        var sequence = previousSequence + 1;
        var signingKey = signer.Key.PublicKey.ToBase64();
        var record = new AuditRecord(sequence, at.ToUniversalTime(), signer.ReviewerId, action, caseId, details ?? new Dictionary<string, string>());
        var rowId = sequence.ToString(CultureInfo.InvariantCulture);
        var cell = vault.Keys.Cells.Seal(AuditEntry.Table, EntryColumn, rowId, Encode(record, signingKey));
        var hash = ChainHash(previousHash, sequence, signer.ReviewerId, signingKey, cell);
        vault.Db.AuditLog.Add(new AuditEntry
        {
            Sequence = sequence,
            ReviewerId = signer.ReviewerId,
            CaseId = caseId,
            SigningKey = signingKey,
            Entry = cell,
            Hash = hash,
            Signature = signer.Key.Sign(Signatures.AuditMessage(hash)),
        });
        WriteHead(vault, sequence, hash);
        return record;
    }

    /// <summary>
    /// Starts the log of a new vault (or of one upgraded from before the log existed) with the head "0:" and 32 zero
    /// bytes. From then on the head row must exist, so deleting the log together with its head is always reported.
    /// </summary>
    public static void Start(VaultStore vault)
    {
        ArgumentNullException.ThrowIfNull(vault);
        if (vault.Db.Settings.AsNoTracking().Any(s => s.Name == VaultSetting.AuditHead))
        {
            return;
        }

        WriteHead(vault, 0, new byte[32]);
        vault.Db.SaveChanges();
        vault.Db.ChangeTracker.Clear();
    }

    /// <summary>Appends and saves at once, for actions that change nothing else in the vault (exports, imports).</summary>
    public static AuditRecord AppendAndSave(VaultStore vault, AuditSigner signer, DateTimeOffset at, string action, string? caseId, IReadOnlyDictionary<string, string>? details = null)
    {
        ArgumentNullException.ThrowIfNull(vault);
        try
        {
            using var transaction = vault.Db.Database.BeginTransaction();
            var record = Append(vault, signer, at, action, caseId, details);
            vault.Db.SaveChanges();
            transaction.Commit();
            return record;
        }
        finally
        {
            vault.Db.ChangeTracker.Clear();
        }
    }

    /// <summary>Every entry, decrypted, oldest first; a cell that does not open stops with "the vault is damaged".</summary>
    public static IReadOnlyList<AuditRecord> Read(VaultStore vault, string? caseId = null)
    {
        ArgumentNullException.ThrowIfNull(vault);
        var records = new List<AuditRecord>();
        var rows = vault.Db.AuditLog.AsNoTracking();
        if (caseId is not null)
        {
            rows = rows.Where(e => e.CaseId == caseId);
        }

        foreach (var row in rows.OrderBy(e => e.Sequence))
        {
            var plain = vault.Keys.Cells.Open(AuditEntry.Table, EntryColumn, row.Sequence.ToString(CultureInfo.InvariantCulture), row.Entry);
            var record = Decode(plain, out _) ?? throw new CommandFailedException($"Audit entry {row.Sequence} is malformed: run audit verify.");
            if (record.CaseId != row.CaseId)
            {
                throw new CommandFailedException($"Audit entry {row.Sequence} names another report than its row: the log was altered. Run audit verify.");
            }

            records.Add(record);
        }

        return records;
    }

    /// <summary>
    /// Checks the whole log: sequence numbers 1…n without a gap, each hash recomputed from the entry before, each
    /// signature under a key this console trusts for that reviewer, each entry opening and naming its own sequence
    /// number, reviewer and key, and the sealed head naming the last entry. Reports every problem, not only the first.
    /// </summary>
    public static AuditVerification Verify(VaultStore vault, IReadOnlyDictionary<string, Ed25519PublicKey> trustedKeys)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(trustedKeys);
        var problems = new List<string>();
        var previousHash = new byte[32];
        long expected = 1, count = 0;
        foreach (var row in vault.Db.AuditLog.AsNoTracking().OrderBy(e => e.Sequence))
        {
            count++;
            if (row.Sequence != expected)
            {
                problems.Add(row.Sequence > expected
                    ? $"entries {expected}–{row.Sequence - 1} are missing (removed)"
                    : $"entry {row.Sequence} is out of order");
            }

            var hash = ChainHash(previousHash, row.Sequence, row.ReviewerId, row.SigningKey, row.Entry);
            if (!hash.AsSpan().SequenceEqual(row.Hash))
            {
                problems.Add($"entry {row.Sequence} does not chain to the entry before it (edited, removed or reordered)");
            }

            if (!trustedKeys.TryGetValue(row.ReviewerId, out var key) || key.ToBase64() != row.SigningKey)
            {
                problems.Add($"entry {row.Sequence} is signed by a key this console does not know for reviewer '{row.ReviewerId}'");
            }
            else if (!Signatures.VerifyAudit(key, row.Hash, row.Signature))
            {
                problems.Add($"entry {row.Sequence}'s signature does not verify (edited)");
            }

            if (!vault.Keys.Cells.TryOpen(AuditEntry.Table, EntryColumn, row.Sequence.ToString(CultureInfo.InvariantCulture), row.Entry))
            {
                problems.Add($"entry {row.Sequence} does not decrypt (edited or moved)");
            }
            else
            {
                var plain = vault.Keys.Cells.Open(AuditEntry.Table, EntryColumn, row.Sequence.ToString(CultureInfo.InvariantCulture), row.Entry);
                var record = Decode(plain, out var sealedKey);
                if (record is null || record.Sequence != row.Sequence || record.ReviewerId != row.ReviewerId || sealedKey != row.SigningKey
                    || record.CaseId != row.CaseId)
                {
                    problems.Add($"entry {row.Sequence} names another sequence number, reviewer, key or report than its row (edited)");
                }
            }

            previousHash = row.Hash;
            expected = row.Sequence + 1;
        }

        string? headText = null;
        try
        {
            if (ReadHead(vault) is not var (headSequence, headHash))
            {
                problems.Add("the log's head is missing: the log was removed or edited");
                return new AuditVerification(count, null, problems);
            }

            headText = headSequence == 0 ? null : $"{headSequence}:{Convert.ToHexStringLower(headHash)}";
            if (headSequence != expected - 1 || !headHash.AsSpan().SequenceEqual(count == 0 ? new byte[32] : previousHash))
            {
                problems.Add(headSequence > expected - 1
                    ? $"the log ends at entry {expected - 1} but its head names entry {headSequence}: the newest entries were removed"
                    : "the log's head does not name its last entry (edited)");
            }
        }
        catch (CommandFailedException)
        {
            problems.Add("the log's head does not decrypt (edited)");
        }

        return new AuditVerification(count, headText, problems);
    }

    /// <summary>hash_n = BLAKE2b-256("SafeIntake/v1 audit-chain" ‖ 0x00 ‖ hash_{n-1} ‖ u64(n) ‖ u32(len) ‖ reviewer ‖ signing key ‖ sealed entry).</summary>
    public static byte[] ChainHash(ReadOnlySpan<byte> previousHash, long sequence, string reviewerId, string signingKey, ReadOnlySpan<byte> cell)
    {
        var reviewer = Encoding.UTF8.GetBytes(reviewerId);
        var key = Encoding.ASCII.GetBytes(signingKey);
        var context = Encoding.ASCII.GetBytes(ChainContext);
        var input = new byte[context.Length + 1 + previousHash.Length + 8 + 4 + reviewer.Length + 4 + key.Length + cell.Length];
        var span = input.AsSpan();
        context.CopyTo(span);
        span = span[(context.Length + 1)..];
        previousHash.CopyTo(span);
        span = span[previousHash.Length..];
        BinaryPrimitives.WriteInt64BigEndian(span, sequence);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], reviewer.Length);
        reviewer.CopyTo(span[12..]);
        span = span[(12 + reviewer.Length)..];
        BinaryPrimitives.WriteInt32BigEndian(span, key.Length);
        key.CopyTo(span[4..]);
        cell.CopyTo(span[(4 + key.Length)..]);
        return Signatures.Hash(input);
    }

    private static byte[] Encode(AuditRecord record, string signingKey)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteNumber("v", 1);
            json.WriteNumber("seq", record.Sequence);
            json.WriteString("at", record.At.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            json.WriteString("reviewer", record.ReviewerId);
            json.WriteString("key", signingKey);
            json.WriteString("action", record.Action);
            if (record.CaseId is not null)
            {
                json.WriteString("case", record.CaseId);
            }

            json.WriteStartObject("details");
            foreach (var (name, value) in record.Details)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static AuditRecord? Decode(byte[] plain, out string? signingKey)
    {
        signingKey = null;
        try
        {
            using var document = JsonDocument.Parse(plain);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("seq", out var seq) || !seq.TryGetInt64(out var sequence)
                || !DateTimeOffset.TryParseExact(root.GetProperty("at").GetString(), "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                return null;
            }

            signingKey = root.GetProperty("key").GetString();
            var details = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var member in root.GetProperty("details").EnumerateObject())
            {
                details[member.Name] = member.Value.GetString() ?? "";
            }

            return new AuditRecord(sequence, at, root.GetProperty("reviewer").GetString() ?? "", root.GetProperty("action").GetString() ?? "",
                root.TryGetProperty("case", out var c) ? c.GetString() : null, details);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The head, or null when its row is gone: every vault gets one when its log starts (<see cref="Start"/>).</summary>
    private static (long Sequence, byte[] Hash)? ReadHead(VaultStore vault)
    {
        var head = vault.Db.Settings.Local.SingleOrDefault(s => s.Name == VaultSetting.AuditHead)
            ?? vault.Db.Settings.AsNoTracking().SingleOrDefault(s => s.Name == VaultSetting.AuditHead);
        if (head?.Sealed is null)
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(vault.Keys.Cells.Open(VaultSetting.Table, "Sealed", VaultSetting.AuditHead, head.Sealed));
        var parts = text.Split(':');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? (sequence, Convert.FromHexString(parts[1]))
            : throw new CommandFailedException("The audit log's head is malformed: run audit verify.");
    }

    private static void WriteHead(VaultStore vault, long sequence, byte[] hash)
    {
        var sealedHead = vault.Keys.Cells.Seal(VaultSetting.Table, "Sealed", VaultSetting.AuditHead,
            Encoding.ASCII.GetBytes($"{sequence.ToString(CultureInfo.InvariantCulture)}:{Convert.ToHexStringLower(hash)}"));
        var tracked = vault.Db.Settings.Local.SingleOrDefault(s => s.Name == VaultSetting.AuditHead)
            ?? vault.Db.Settings.SingleOrDefault(s => s.Name == VaultSetting.AuditHead);
        if (tracked is null)
        {
            vault.Db.Settings.Add(new VaultSetting { Name = VaultSetting.AuditHead, Sealed = sealedHead });
        }
        else
        {
            tracked.Sealed = sealedHead;
        }
    }
}
