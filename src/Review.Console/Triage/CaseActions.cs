using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Review.Console.Vault;
using Sodium;

namespace SafeIntake.Review.Console.Triage;

/// <summary>
/// Every triage action on a report (docs/reviewer/triage.md). Each runs in one transaction with its audit entry, so
/// the vault never holds an action without its record or a record without its action.
/// </summary>
public sealed class CaseActions(VaultStore vault, AuditSigner signer, DateTimeOffset now, IReadOnlySet<string> reviewerIds)
{
    public const int MaxNoteLength = 20_000;
    public const int MaxReasonLength = 1_000;
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public AuditRecord SetStatus(string id, string status, string? reason)
    {
        var report = Load(id);
        var to = status.Trim().ToLowerInvariant();
        if (Workflow.CheckTransition(report.Status, to, reason) is { } problem)
        {
            throw new CommandFailedException(problem);
        }

        var details = new Dictionary<string, string> { ["from"] = report.Status, ["to"] = to };
        if (to == EnvelopeStatus.Rejected)
        {
            var trimmed = CheckText(reason!, MaxReasonLength, "reason");
            report.StatusReason = vault.Keys.Cells.SealText(VaultEnvelope.Table, nameof(VaultEnvelope.StatusReason), report.Id, trimmed);
            details["reason"] = trimmed;
        }
        else
        {
            report.StatusReason = null;
        }

        report.Status = to;
        return Commit("set-status", report.Id, details);
    }

    public AuditRecord SetSeverity(string id, string severity)
    {
        var report = Load(id);
        var to = severity.Trim().ToLowerInvariant();
        if (!Workflow.Severities.Contains(to))
        {
            throw new CommandFailedException($"'{severity}' is not a severity. Severities: {string.Join(", ", Workflow.Severities)}.");
        }

        if (report.Severity == to)
        {
            throw new CommandFailedException($"The report's severity is already {to}.");
        }

        var details = new Dictionary<string, string> { ["from"] = report.Severity ?? "none", ["to"] = to };
        report.Severity = to;
        return Commit("set-severity", report.Id, details);
    }

    /// <summary>
    /// Adds (or with <paramref name="remove"/> removes) tags; the tag list is a sealed cell plus one blind-index token per tag.
    /// Null when every tag was there already (or none was): the wish holds, so it is no failure, and no audit entry is written.
    /// </summary>
    public AuditRecord? Tag(string id, IReadOnlyList<string> tags, bool remove)
    {
        var report = Load(id);
        var wanted = tags.Select(Workflow.NormaliseTag).Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0)
        {
            throw new CommandFailedException("Name at least one tag.");
        }

        var current = ReadTags(vault, report.Id, report.Tags).ToList();
        var changed = remove ? wanted.Where(current.Contains).ToList() : wanted.Where(t => !current.Contains(t)).ToList();
        if (changed.Count == 0)
        {
            return null;
        }

        var updated = remove ? current.Except(changed).ToList() : [.. current, .. changed];
        report.Tags = updated.Count == 0 ? null
            : vault.Keys.Cells.Seal(VaultEnvelope.Table, nameof(VaultEnvelope.Tags), report.Id, JsonSerializer.SerializeToUtf8Bytes(updated));
        foreach (var tag in changed)
        {
            var token = vault.Keys.Index.Hash(Workflow.TagToken(tag));
            if (remove)
            {
                vault.Db.SearchTokens.RemoveRange(vault.Db.SearchTokens.Where(s => s.Token == token && s.EnvelopeId == report.Id));
            }
            else
            {
                vault.Db.SearchTokens.Add(new SearchToken { Token = token, EnvelopeId = report.Id });
            }
        }

        return Commit(remove ? "untag" : "tag", report.Id, new Dictionary<string, string> { ["tags"] = string.Join(", ", changed) });
    }

    public AuditRecord Assign(string id, string? reviewerId)
    {
        var report = Load(id);
        if (reviewerId is not null && !reviewerIds.Contains(reviewerId))
        {
            throw new CommandFailedException(
                $"'{reviewerId}' is not a reviewer this console knows. Reviewers: {string.Join(", ", reviewerIds.Order(StringComparer.Ordinal))} "
                + "(install the organisation's current bundle with bundle install to know the whole team).");
        }

        if (report.Assignee == reviewerId)
        {
            throw new CommandFailedException(reviewerId is null ? "The report is not assigned." : $"The report is assigned to {reviewerId} already.");
        }

        var details = new Dictionary<string, string> { ["from"] = report.Assignee ?? "nobody", ["to"] = reviewerId ?? "nobody" };
        report.Assignee = reviewerId;
        return Commit("assign", report.Id, details);
    }

    /// <summary>An internal note: sealed in the vault, never put in an outbox.</summary>
    public AuditRecord AddNote(string id, string text)
    {
        var report = Load(id);
        var trimmed = CheckText(text, MaxNoteLength, "note");
        var noteId = Convert.ToHexStringLower(SodiumCore.GetRandomBytes(16));
        vault.Db.Notes.Add(new VaultNote
        {
            Id = noteId,
            EnvelopeId = report.Id,
            ReviewerId = signer.ReviewerId,
            Created = now,
            Text = vault.Keys.Cells.SealText(VaultNote.Table, nameof(VaultNote.Text), noteId, trimmed)!,
        });
        return Commit("note", report.Id, new Dictionary<string, string> { ["note"] = noteId });
    }

    /// <summary>Marks two reports as the same incident (or with <paramref name="remove"/> undoes it).</summary>
    public AuditRecord Link(string id, string otherId, bool remove)
    {
        var a = Load(id).Id;
        var b = Load(otherId).Id;
        if (a == b)
        {
            throw new CommandFailedException("A report cannot be linked to itself.");
        }

        var (first, second) = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
        var existing = vault.Db.Links.SingleOrDefault(l => l.First == first && l.Second == second);
        if (remove)
        {
            vault.Db.Links.Remove(existing ?? throw new CommandFailedException("Those two reports are not linked."));
        }
        else
        {
            if (existing is not null)
            {
                throw new CommandFailedException("Those two reports are linked already.");
            }

            vault.Db.Links.Add(new VaultLink { First = first, Second = second });
        }

        // One entry under each report, in the same transaction, so both reports' histories show the link.
        var action = remove ? "unlink" : "link";
        return Commit(action, a, new Dictionary<string, string> { ["with"] = b },
            () => AuditLog.Append(vault, signer, now, action, b, new Dictionary<string, string> { ["with"] = a }));
    }

    /// <summary>Records an action that changed nothing else (an export, a reply queued by its own code).</summary>
    public AuditRecord Record(string action, string? caseId, IReadOnlyDictionary<string, string> details) =>
        AuditLog.AppendAndSave(vault, signer, now, action, caseId, details);

    public static IReadOnlyList<string> ReadTags(VaultStore vault, string id, byte[]? cell)
    {
        ArgumentNullException.ThrowIfNull(vault);
        if (cell is null)
        {
            return [];
        }

        var plain = vault.Keys.Cells.Open(VaultEnvelope.Table, nameof(VaultEnvelope.Tags), id, cell);
        return JsonSerializer.Deserialize<List<string>>(plain) ?? [];
    }

    private VaultEnvelope Load(string idOrPrefix)
    {
        var id = CaseIds.ResolveReport(vault, idOrPrefix);
        return vault.Db.Envelopes.Single(e => e.Id == id);
    }

    /// <summary>
    /// Appends the entry (after <paramref name="first"/>, an earlier entry of the same action) and saves the staged
    /// change with it in one transaction. On any failure nothing staged survives, so a later action cannot save it
    /// without its entry.
    /// </summary>
    private AuditRecord Commit(string action, string caseId, Dictionary<string, string> details, Action? first = null)
    {
        try
        {
            using var transaction = vault.Db.Database.BeginTransaction();
            first?.Invoke();
            var record = AuditLog.Append(vault, signer, now, action, caseId, details);
            vault.Db.SaveChanges();
            transaction.Commit();
            return record;
        }
        finally
        {
            vault.Db.ChangeTracker.Clear();
        }
    }

    private static string CheckText(string text, int maxLength, string what)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new CommandFailedException($"The {what} is empty.");
        }

        if (trimmed.Length > maxLength)
        {
            throw new CommandFailedException($"The {what} is {trimmed.Length} characters long; the limit is {maxLength}.");
        }

        try
        {
            _ = StrictUtf8.GetByteCount(trimmed);
        }
        catch (ArgumentException)
        {
            throw new CommandFailedException($"The {what} is not well-formed text.");
        }

        return trimmed;
    }
}

/// <summary>Finds envelopes by id or a unique id prefix, as people type them from a table.</summary>
public static class CaseIds
{
    public const int MinimumPrefix = 6;

    /// <summary>
    /// The one id rule of every command (show, export-attachment, link, audit show --case, …): the whole 32-hex-digit
    /// id or a unique first <see cref="MinimumPrefix"/> or more of it, any case. Null when <paramref name="idOrPrefix"/>
    /// follows it, else the usage error; checked before the passphrase is asked.
    /// </summary>
    public static string? Problem(string? idOrPrefix, string what = "a report id")
    {
        var prefix = (idOrPrefix ?? "").Trim();
        return prefix.Length >= MinimumPrefix && prefix.Length <= 32 && prefix.All(char.IsAsciiHexDigit) ? null
            : $"'{idOrPrefix}' is not {what}: give the id or at least its first {MinimumPrefix} hex digits, as list shows them.";
    }

    public static string Resolve(VaultStore vault, string idOrPrefix)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(idOrPrefix);
        if (Problem(idOrPrefix) is { } problem)
        {
            throw CommandFailedException.Usage(problem);
        }

        var prefix = idOrPrefix.Trim().ToLowerInvariant();

        // A range on the primary key, not LIKE 'prefix%' (which SQLite cannot answer from the index: every action
        // scanned every id, 10 ms at 100,000 reports). Ids are lowercase hex, all below "g".
        var end = prefix + "g";
        var matches = vault.Db.Envelopes.AsNoTracking().Where(e => e.Id.CompareTo(prefix) >= 0 && e.Id.CompareTo(end) < 0)
            .OrderBy(e => e.Id).Select(e => e.Id).Take(3).ToList();
        return matches.Count switch
        {
            0 => throw new CommandFailedException($"No envelope in the vault has an id starting with {prefix}. Run list to see the ids."),
            1 => matches[0],
            _ => throw new CommandFailedException($"More than one envelope starts with {prefix} ({string.Join(", ", matches)}…): give more of the id."),
        };
    }

    /// <summary>Like <see cref="Resolve"/>, but a follow-up or reply is refused with the report it belongs to.</summary>
    public static string ResolveReport(VaultStore vault, string idOrPrefix)
    {
        var id = Resolve(vault, idOrPrefix);
        var row = vault.Db.Envelopes.AsNoTracking().Where(e => e.Id == id).Select(e => new { e.Kind, e.CaseId }).Single();
        return row.Kind == "report" ? id
            : throw new CommandFailedException(row.CaseId is null
                ? $"{id} is a {row.Kind}, not a report, and its report is not in this vault yet: import the bundle that holds it."
                : $"{id} is a {row.Kind} of report {row.CaseId}: triage the report, {row.CaseId[..8]}.");
    }
}
