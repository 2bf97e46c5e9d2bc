using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Vault;

namespace SafeIntake.Review.Console.Triage;

/// <summary>What <c>list</c> filters and sorts by. Null members do not filter.</summary>
public sealed record CaseFilter
{
    public IReadOnlyList<string> Statuses { get; init; } = [];

    public IReadOnlyList<string> Severities { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>A reviewer id, or "none" for unassigned reports.</summary>
    public string? Assignee { get; init; }

    public string? Category { get; init; }

    public string? Language { get; init; }

    public DateOnly? Since { get; init; }

    public DateOnly? Until { get; init; }

    /// <summary>Words that must all occur (blind index); a follow-up's words find its report.</summary>
    public string? Text { get; init; }

    /// <summary>"report" (default), "follow-up", "reply" or "all".</summary>
    public string Kind { get; init; } = "report";

    /// <summary>"newest" (default), "oldest", "severity", "status".</summary>
    public string Sort { get; init; } = "newest";

    public int Limit { get; init; } = 50;
}

/// <summary>One line of <c>list</c>.</summary>
public sealed record CaseSummary(
    string Id, long Sequence, string Kind, DateOnly ReceivedDay, string Status, string? Severity, string? Assignee, IReadOnlyList<string> Tags,
    string? Language, string? Category, string? What, string? Text, string? CaseId, int Attachments, int FollowUps, int Replies);

public sealed record CaseList(int Total, IReadOnlyList<CaseSummary> Items);

/// <summary>A follow-up or reply of a case, or a reply this console queued and the server has not sent back yet.</summary>
public sealed record ThreadMessage(string Id, string Kind, DateOnly Day, string Author, string? Text, IReadOnlyList<AttachmentView> Attachments, string Delivery);

public sealed record NoteView(string Id, string ReviewerId, DateTimeOffset Created, string Text);

/// <summary>An attachment as <c>show</c> lists it, with the identifying metadata still inside it.</summary>
public sealed record AttachmentDetail(string Id, string Name, string Type, long Size, Attachments.MetadataFindings? Metadata);

/// <summary>Everything <c>show</c> prints about one report.</summary>
public sealed record CaseDetail(
    CaseSummary Summary, string? When, string? Where, string? StatusReason, bool CanReply, IReadOnlyList<AttachmentDetail> Attachments,
    IReadOnlyList<ThreadMessage> Thread, IReadOnlyList<NoteView> Notes, IReadOnlyList<AuditRecord> History, IReadOnlyList<string> Linked);

public sealed record CountRow(string Key, int Count);

public sealed record CaseStats(int Reports, int FollowUps, int Replies, int QueuedReplies, int Unassigned, IReadOnlyList<CountRow> ByStatus,
    IReadOnlyList<CountRow> BySeverity, IReadOnlyList<CountRow> ByWeek);

/// <summary>
/// The vault's read side for triage. Filtering happens on the plain columns in SQL first, then through the blind
/// index, and only then are sealed cells opened — and only those a filter or the page shown needs, so listing
/// 10,000 reports opens a few hundred cells, not 10,000 × 7.
/// </summary>
public static class CaseQuery
{
    public static IReadOnlyList<string> Sorts { get; } = ["newest", "oldest", "severity", "status"];

    public static IReadOnlyList<string> Kinds { get; } = ["report", "follow-up", "reply", "all"];

    public static CaseList List(VaultStore vault, CaseFilter filter)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(filter);
        Check(filter);
        var rows = vault.Db.Envelopes.AsNoTracking();
        if (filter.Kind != "all")
        {
            rows = rows.Where(e => e.Kind == filter.Kind);
        }

        if (filter.Statuses.Count > 0)
        {
            rows = rows.Where(e => filter.Statuses.Contains(e.Status));
        }

        if (filter.Severities.Count > 0)
        {
            rows = rows.Where(e => e.Severity != null && filter.Severities.Contains(e.Severity));
        }

        if (filter.Assignee == "none")
        {
            rows = rows.Where(e => e.Assignee == null);
        }
        else if (filter.Assignee is not null)
        {
            rows = rows.Where(e => e.Assignee == filter.Assignee);
        }

        if (filter.Since is { } since)
        {
            rows = rows.Where(e => e.ReceivedDay >= since);
        }

        if (filter.Until is { } until)
        {
            rows = rows.Where(e => e.ReceivedDay <= until);
        }

        if (string.IsNullOrWhiteSpace(filter.Text) && filter.Tags.Count == 0 && filter.Category is null && filter.Language is null && filter.Sort is "newest" or "oldest")
        {
            // Only plain columns decide: SQLite counts, and pages along the Sequence index, instead of every row being
            // read into memory to keep 50 (0.48 s at 100,000 reports, bench/triage.sh).
            var total = rows.Count();
            var ordered = filter.Sort == "oldest" ? rows.OrderBy(e => e.Sequence) : rows.OrderByDescending(e => e.Sequence);
            var page = ordered.Take(filter.Limit)
                .Select(e => new Row(e.Id, e.Sequence, e.Kind, e.ReceivedDay, e.Status, e.Severity, e.Assignee, e.CaseId, e.AttachmentCount)).ToList();
            return new CaseList(total, Summaries(vault, page));
        }

        var candidates = rows.Select(e => new Row(e.Id, e.Sequence, e.Kind, e.ReceivedDay, e.Status, e.Severity, e.Assignee, e.CaseId, e.AttachmentCount))
            .ToList();

        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var words = Tokenizer.Tokens([filter.Text]);
            if (words.Count == 0)
            {
                throw new CommandFailedException("The search words hold nothing to search for: use words of 2 letters or more, or Chinese characters.");
            }

            candidates = Restrict(vault, candidates, words.Select(vault.Keys.Index.Hash), mapToCase: filter.Kind == "report");
        }

        if (filter.Tags.Count > 0)
        {
            candidates = Restrict(vault, candidates, filter.Tags.Select(t => vault.Keys.Index.Hash(Workflow.TagToken(Workflow.NormaliseTag(t)))), mapToCase: false);
        }

        if (filter.Category is not null || filter.Language is not null)
        {
            candidates = FilterSealed(vault, candidates, filter);
        }

        IEnumerable<Row> sorted = filter.Sort switch
        {
            "oldest" => candidates.OrderBy(r => r.Sequence),
            "severity" => candidates.OrderByDescending(r => Workflow.SeverityRank(r.Severity)).ThenByDescending(r => r.Sequence),
            "status" => candidates.OrderBy(r => Workflow.Statuses.ToList().IndexOf(r.Status)).ThenByDescending(r => r.Sequence),
            _ => candidates.OrderByDescending(r => r.Sequence),
        };
        var kept = sorted.Take(filter.Limit).ToList();
        return new CaseList(candidates.Count, Summaries(vault, kept));
    }

    /// <summary>
    /// One report whole. <paramref name="withMetadata"/> reads what identifying metadata each attachment still holds
    /// (it decrypts and parses the files); callers that do not show it, or already have it, pass false.
    /// </summary>
    public static CaseDetail Show(VaultStore vault, string id, bool withMetadata = true)
    {
        ArgumentNullException.ThrowIfNull(vault);
        var e = vault.Db.Envelopes.AsNoTracking().Single(x => x.Id == id);
        var row = new Row(e.Id, e.Sequence, e.Kind, e.ReceivedDay, e.Status, e.Severity, e.Assignee, e.CaseId, e.AttachmentCount);
        var summary = Summaries(vault, [row])[0];
        var c = vault.Keys.Cells;
        const string t = VaultEnvelope.Table;
        // The metadata reader walks the decrypted bytes through a seekable view of the sealed chunks: nothing touches
        // the disk, memory stays at one 64 KiB chunk, and the file is never opened by any other program.
        var attachments = vault.Db.Attachments.AsNoTracking().Where(a => a.EnvelopeId == id).OrderBy(a => a.Position).ToList().Select(a =>
        {
            var view = VaultReader.View(vault, a);
            if (!withMetadata)
            {
                return new AttachmentDetail(view.Id, view.Name, view.Type, view.Size, null);
            }

            using var stream = new VaultAttachmentStream(vault, a);
            return new AttachmentDetail(view.Id, view.Name, view.Type, view.Size, Attachments.MetadataReport.Read(stream, Attachments.MetadataReport.Budget));
        }).ToList();

        var thread = new List<ThreadMessage>();
        var importedHashes = new HashSet<string>(StringComparer.Ordinal);
        if (e.Kind == "report")
        {
            var members = vault.Db.Envelopes.AsNoTracking().Where(x => x.CaseId == id).Select(x => new { x.Id, x.EnvelopeHash }).ToList();
            importedHashes.UnionWith(members.Select(m => m.EnvelopeHash).OfType<string>());
            foreach (var m in VaultReader.List(vault, members.Select(x => x.Id).ToList()))
            {
                thread.Add(new ThreadMessage(m.Id, m.Kind, m.ReceivedDay, m.Kind == "reply" ? m.ReviewerId ?? "reviewer" : "witness", m.Text, m.Attachments,
                    m.Kind == "reply" ? "delivered to the server" : "received"));
            }

            foreach (var reply in vault.Db.OutgoingReplies.AsNoTracking().Where(r => r.CaseId == id).OrderBy(r => r.Created).ToList())
            {
                if (importedHashes.Contains(reply.Id))
                {
                    continue;
                }

                thread.Add(new ThreadMessage(reply.Id[..32], "reply", DateOnly.FromDateTime(reply.Created.UtcDateTime), reply.ReviewerId,
                    c.OpenText(OutgoingReply.Table, nameof(OutgoingReply.Text), reply.Id, reply.Text), [],
                    reply.QueuedIn is null ? "waiting for an outbox (outbox write)" : $"in outbox {reply.QueuedIn}, not yet seen back from the server"));
            }
        }

        var notes = vault.Db.Notes.AsNoTracking().Where(n => n.EnvelopeId == id).ToList().OrderBy(n => n.Created)
            .Select(n => new NoteView(n.Id, n.ReviewerId, n.Created, c.OpenText(VaultNote.Table, nameof(VaultNote.Text), n.Id, n.Text) ?? ""))
            .ToList();
        var canReply = e.Kind == "report" && CanReply(vault, e);
        return new CaseDetail(summary, c.OpenText(t, "When", id, e.When), c.OpenText(t, "Where", id, e.Where),
            c.OpenText(t, nameof(VaultEnvelope.StatusReason), id, e.StatusReason), canReply, attachments,
            thread.OrderBy(m => m.Day).ToList(), notes, AuditLog.Read(vault, id), LinkedGroup(vault, id).Where(x => x != id).ToList());
    }

    /// <summary>
    /// The id of the oldest new report received after <paramref name="afterSequence"/>, else the oldest new report other
    /// than that one; null when no report is new. Reads plain columns only.
    /// </summary>
    public static string? NextNew(VaultStore vault, long afterSequence = 0)
    {
        ArgumentNullException.ThrowIfNull(vault);
        var fresh = vault.Db.Envelopes.AsNoTracking().Where(e => e.Kind == "report" && e.Status == EnvelopeStatus.New);
        return fresh.Where(e => e.Sequence > afterSequence).OrderBy(e => e.Sequence).Select(e => e.Id).FirstOrDefault()
            ?? fresh.Where(e => e.Sequence != afterSequence).OrderBy(e => e.Sequence).Select(e => e.Id).FirstOrDefault();
    }

    /// <summary>True when the report's manifest carries reply keys (replyTo), whether or not they can be used.</summary>
    public static bool HasReplyKeys(VaultStore vault, VaultEnvelope report)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(report);
        var manifest = vault.Keys.Cells.Open(VaultEnvelope.Table, nameof(VaultEnvelope.Manifest), report.Id, report.Manifest);
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(manifest);
            return document.RootElement.TryGetProperty("replyTo", out var replyTo) && replyTo.ValueKind == System.Text.Json.JsonValueKind.Object;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(manifest);
        }
    }

    /// <summary>True when the report's manifest carries the witness's reply keys (verified at import, envelope-v1.md §7.1) for the mailbox it is filed under.</summary>
    public static bool CanReply(VaultStore vault, VaultEnvelope report)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(report);
        var manifest = vault.Keys.Cells.Open(VaultEnvelope.Table, nameof(VaultEnvelope.Manifest), report.Id, report.Manifest);
        try
        {
            // The server files a reply under the upload's mailbox (MailboxId) and refuses any other, so a report whose
            // replyTo.ed25519 is not that mailbox (or that has none) cannot be answered (export-bundle-v1.md §2).
            using var document = System.Text.Json.JsonDocument.Parse(manifest);
            return document.RootElement.TryGetProperty("replyTo", out var replyTo) && replyTo.ValueKind == System.Text.Json.JsonValueKind.Object
                && report.MailboxId is not null
                && replyTo.TryGetProperty("ed25519", out var key) && key.ValueKind == System.Text.Json.JsonValueKind.String
                && Ed25519PublicKey.TryParseBase64(key.GetString(), out var mailbox)
                && Signatures.MailboxId(mailbox) == report.MailboxId;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(manifest);
        }
    }

    /// <summary>Every report linked to <paramref name="id"/> directly or through others (the incident), itself included.</summary>
    public static IReadOnlyList<string> LinkedGroup(VaultStore vault, string id)
    {
        ArgumentNullException.ThrowIfNull(vault);
        var seen = new HashSet<string>(StringComparer.Ordinal) { id };
        var queue = new Queue<string>([id]);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var link in vault.Db.Links.AsNoTracking().Where(l => l.First == current || l.Second == current).ToList())
            {
                var other = link.First == current ? link.Second : link.First;
                if (seen.Add(other))
                {
                    queue.Enqueue(other);
                }
            }
        }

        return [.. seen.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Counts by status, severity and week, from plain columns only, in one GROUP BY: SQLite reads the table once and
    /// hands back a few hundred groups. Reading every row into memory to count it cost 0.42 s at 100,000 reports, and
    /// one query per count 0.38 s (each a full scan of a table whose rows hold sealed cells; bench/triage.sh).
    /// </summary>
    public static CaseStats Stats(VaultStore vault)
    {
        ArgumentNullException.ThrowIfNull(vault);
        var groups = vault.Db.Envelopes.AsNoTracking()
            .GroupBy(e => new { e.Kind, e.Status, e.Severity, e.ReceivedDay, Unassigned = e.Assignee == null })
            .Select(g => new { g.Key.Kind, g.Key.Status, g.Key.Severity, g.Key.ReceivedDay, g.Key.Unassigned, Count = g.Count() })
            .ToList();
        var reports = groups.Where(g => g.Kind == "report").ToList();
        int Kind(string kind) => groups.Where(g => g.Kind == kind).Sum(g => g.Count);
        var byStatus = Workflow.Statuses.Select(s => new CountRow(s, reports.Where(g => g.Status == s).Sum(g => g.Count))).ToList();
        var bySeverity = Workflow.Severities.Reverse().Select(s => new CountRow(s, reports.Where(g => g.Severity == s).Sum(g => g.Count)))
            .Append(new CountRow("not set", reports.Where(g => g.Severity is null).Sum(g => g.Count))).ToList();
        var byWeek = reports.GroupBy(g => IsoWeek(g.ReceivedDay)).OrderBy(w => w.Key, StringComparer.Ordinal).TakeLast(12)
            .Select(w => new CountRow(w.Key, w.Sum(g => g.Count))).ToList();
        var unassigned = reports.Where(g => g.Unassigned && g.Status is not (EnvelopeStatus.Closed or EnvelopeStatus.Rejected)).Sum(g => g.Count);
        return new CaseStats(Kind("report"), Kind("follow-up"), Kind("reply"), vault.Db.OutgoingReplies.Count(r => r.QueuedIn == null), unassigned,
            byStatus, bySeverity, byWeek);
    }

    public static string IsoWeek(DateOnly day)
    {
        var date = day.ToDateTime(TimeOnly.MinValue);
        return $"{ISOWeek.GetYear(date)}-W{ISOWeek.GetWeekOfYear(date):00}";
    }

    private sealed record Row(string Id, long Sequence, string Kind, DateOnly ReceivedDay, string Status, string? Severity, string? Assignee, string? CaseId, int Attachments);

    private static void Check(CaseFilter filter)
    {
        foreach (var status in filter.Statuses.Where(s => !Workflow.Statuses.Contains(s)))
        {
            throw new CommandFailedException($"'{status}' is not a status. Statuses: {string.Join(", ", Workflow.Statuses)}.");
        }

        foreach (var severity in filter.Severities.Where(s => !Workflow.Severities.Contains(s)))
        {
            throw new CommandFailedException($"'{severity}' is not a severity. Severities: {string.Join(", ", Workflow.Severities)}.");
        }

        if (!Sorts.Contains(filter.Sort))
        {
            throw new CommandFailedException($"'{filter.Sort}' is not a sort order. Sort by: {string.Join(", ", Sorts)}.");
        }

        if (!Kinds.Contains(filter.Kind))
        {
            throw new CommandFailedException($"'{filter.Kind}' is not a kind. Kinds: {string.Join(", ", Kinds)}.");
        }

        if (filter.Limit < 1)
        {
            throw new CommandFailedException("--limit must be 1 or more.");
        }

        if (filter.Since > filter.Until)
        {
            throw new CommandFailedException("--since is after --until: nothing can match.");
        }
    }

    /// <summary>Keeps the rows (or, for reports, the reports whose follow-ups) holding every token.</summary>
    private static List<Row> Restrict(VaultStore vault, List<Row> rows, IEnumerable<byte[]> tokens, bool mapToCase)
    {
        HashSet<string>? matches = null;
        foreach (var token in tokens)
        {
            var ids = vault.Db.SearchTokens.AsNoTracking().Where(s => s.Token == token).Select(s => s.EnvelopeId).ToHashSet(StringComparer.Ordinal);
            matches = matches is null ? ids : [.. matches.Intersect(ids, StringComparer.Ordinal)];
            if (matches.Count == 0)
            {
                return [];
            }
        }

        if (matches is null)
        {
            return rows;
        }

        if (mapToCase)
        {
            // A word in a follow-up finds the report it belongs to.
            var cases = vault.Db.Envelopes.AsNoTracking().Where(e => matches.Contains(e.Id) && e.CaseId != null).Select(e => e.CaseId!).ToList();
            matches.UnionWith(cases);
        }

        return rows.Where(r => matches.Contains(r.Id)).ToList();
    }

    private static List<Row> FilterSealed(VaultStore vault, List<Row> rows, CaseFilter filter)
    {
        // One scan of two columns, filtered in memory: an IN list of thousands of ids costs SQLite far more.
        var ids = rows.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var cells = vault.Db.Envelopes.AsNoTracking().Select(e => new { e.Id, e.Category, e.Language }).AsEnumerable()
            .Where(e => ids.Contains(e.Id)).ToDictionary(e => e.Id);
        var c = vault.Keys.Cells;
        return rows.Where(r =>
        {
            var cell = cells[r.Id];
            return (filter.Category is null || Matches(c.OpenText(VaultEnvelope.Table, "Category", r.Id, cell.Category), filter.Category))
                && (filter.Language is null || string.Equals(c.OpenText(VaultEnvelope.Table, "Language", r.Id, cell.Language), filter.Language, StringComparison.OrdinalIgnoreCase));
        }).ToList();
    }

    private static bool Matches(string? value, string wanted) =>
        value is not null && value.Normalize(NormalizationForm.FormKC).Contains(wanted.Normalize(NormalizationForm.FormKC).Trim(), StringComparison.OrdinalIgnoreCase);

    private static List<CaseSummary> Summaries(VaultStore vault, List<Row> page)
    {
        var ids = page.Select(r => r.Id).ToList();
        var cells = vault.Db.Envelopes.AsNoTracking().Where(e => ids.Contains(e.Id))
            .Select(e => new { e.Id, e.Language, e.Category, e.What, e.Text, e.Tags }).ToDictionary(e => e.Id);
        var counts = vault.Db.Envelopes.AsNoTracking().Where(e => e.CaseId != null && ids.Contains(e.CaseId))
            .GroupBy(e => new { e.CaseId, e.Kind }).Select(g => new { g.Key.CaseId, g.Key.Kind, Count = g.Count() })
            .ToDictionary(x => (x.CaseId!, x.Kind), x => x.Count);
        var c = vault.Keys.Cells;
        const string t = VaultEnvelope.Table;
        return page.Select(r =>
        {
            var cell = cells[r.Id];
            return new CaseSummary(r.Id, r.Sequence, r.Kind, r.ReceivedDay, r.Status, r.Severity, r.Assignee, CaseActions.ReadTags(vault, r.Id, cell.Tags),
                c.OpenText(t, "Language", r.Id, cell.Language), c.OpenText(t, "Category", r.Id, cell.Category), c.OpenText(t, "What", r.Id, cell.What),
                c.OpenText(t, "Text", r.Id, cell.Text), r.CaseId, r.Attachments,
                counts.GetValueOrDefault((r.Id, "follow-up")), counts.GetValueOrDefault((r.Id, "reply")));
        }).ToList();
    }
}
