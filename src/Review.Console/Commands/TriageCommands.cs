using System.ComponentModel;
using System.Globalization;
using SafeIntake.Review.Console.Triage;
using SafeIntake.Review.Console.Vault;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

/// <summary>A command that works in the unlocked vault: unlock, run, zero the keys.</summary>
public abstract class SessionCommand<TSettings>(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<TSettings>(console, environment)
    where TSettings : UnlockSettings
{
    public sealed override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var session = VaultSession.Open(Home(settings), Passphrases(settings));
        return Run(session, settings);
    }

    protected abstract int Run(VaultSession session, TSettings settings);

    /// <summary>The one-line confirmation of an action, or its JSON.</summary>
    protected int Done(bool json, AuditRecord record, string message)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (json)
        {
            WriteJson(new { id = record.CaseId, action = record.Action, details = record.Details, audit = record.Sequence });
        }
        else
        {
            Line(Confirmations.Line(record, message));
        }

        return ExitCodes.Ok;
    }

    /// <summary>An action whose wish already holds (a tag already there): exit 0, nothing written, no audit entry.</summary>
    protected int Unchanged(CaseSettings settings, string action, string message)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Json)
        {
            WriteJson(new { id = settings.Id, action, changed = false });
        }
        else
        {
            Line($"[grey]•[/] {E(message)}");
        }

        return ExitCodes.Ok;
    }

    protected static string ShortId(string? id) => Confirmations.ShortId(id);
}

/// <summary>The one-line confirmation of each triage action: the commands and the interactive review print the same words.</summary>
internal static class Confirmations
{
    public static string Line(AuditRecord record, string message) => $"[green]✓[/] {message} [grey](audit entry {record.Sequence})[/]";

    public static string Status(AuditRecord r) => $"Report {ShortId(r.CaseId)}: {r.Details["from"]} → {r.Details["to"]}.";

    public static string Severity(AuditRecord r) => $"Report {ShortId(r.CaseId)}: severity {r.Details["to"]}.";

    public static string Tagged(AuditRecord r) => $"Report {ShortId(r.CaseId)} tagged: {Markup.Escape(r.Details["tags"])}.";

    public static string Untagged(AuditRecord r) => $"Report {ShortId(r.CaseId)} untagged: {Markup.Escape(r.Details["tags"])}.";

    public static string Assigned(AuditRecord r) => $"Report {ShortId(r.CaseId)} assigned to {Markup.Escape(r.Details["to"])}.";

    public static string Note(AuditRecord r) => $"Note added to report {ShortId(r.CaseId)} (internal: never sent).";

    public static string Linked(AuditRecord r) =>
        $"Reports {ShortId(r.CaseId)} and {ShortId(r.Details["with"])} are marked as the same incident (merge-view {ShortId(r.CaseId)}).";

    public static string Unlinked(AuditRecord r) => $"Reports {ShortId(r.CaseId)} and {ShortId(r.Details["with"])} are no longer linked.";

    public static string ShortId(string? id) => id is null ? "" : id[..Math.Min(8, id.Length)];
}

public class CaseSettings : UnlockSettings
{
    [CommandArgument(0, "<ID>")]
    [Description("The report's id, or its first 6 or more hex digits as list shows them")]
    public string Id { get; init; } = "";

    /// <summary>Values are checked here, before any passphrase or Argon2id: a typo costs nothing.</summary>
    public override ValidationResult Validate() =>
        CaseIds.Problem(Id) is { } problem ? ValidationResult.Error(problem) : ValidationResult.Success();
}

public sealed class ListSettings : UnlockSettings
{
    [CommandOption("--quarantine")]
    [Description("List the quarantined items and why they were refused, instead of the vault")]
    public bool Quarantine { get; init; }

    [CommandOption("-s|--status <STATUS>")]
    [Description("Only these statuses (repeat or separate with commas): new, triaged, investigating, closed, rejected")]
    public string[] Status { get; init; } = [];

    [CommandOption("--severity <SEVERITY>")]
    [Description("Only these severities (repeat or separate with commas): low, medium, high, critical")]
    public string[] Severity { get; init; } = [];

    [CommandOption("-t|--tag <TAG>")]
    [Description("Only reports carrying every one of these tags")]
    public string[] Tag { get; init; } = [];

    [CommandOption("-a|--assignee <REVIEWER>")]
    [Description("Only reports assigned to this reviewer id ('me' for you, 'none' for unassigned)")]
    public string? Assignee { get; init; }

    [CommandOption("--category <TEXT>")]
    [Description("Only reports whose category contains TEXT (case-insensitive)")]
    public string? Category { get; init; }

    [CommandOption("--language <LANG>")]
    [Description("Only reports written in this form language: en, zh-Hant-HK, zh-Hans")]
    public string? Language { get; init; }

    [CommandOption("--since <DAY>")]
    [Description("Only envelopes received on or after DAY (yyyy-MM-dd)")]
    public string? Since { get; init; }

    [CommandOption("--until <DAY>")]
    [Description("Only envelopes received on or before DAY (yyyy-MM-dd)")]
    public string? Until { get; init; }

    [CommandOption("-q|--text <WORDS>")]
    [Description("Only reports holding every word (searched through the blind index; a follow-up's words find its report)")]
    public string? Text { get; init; }

    [CommandOption("--kind <KIND>")]
    [Description("report (default), follow-up, reply or all")]
    [DefaultValue("report")]
    public string Kind { get; init; } = "report";

    [CommandOption("--sort <ORDER>")]
    [Description("newest (default), oldest, severity or status")]
    [DefaultValue("newest")]
    public string Sort { get; init; } = "newest";

    [CommandOption("-n|--limit <N>")]
    [Description("Show at most N lines (default 50; with --json every match unless --limit is given)")]
    public int? Limit { get; init; }

    /// <summary>Every value is checked here, before the passphrase prompt and Argon2id.</summary>
    public override ValidationResult Validate()
    {
        static string? Unknown(IEnumerable<string> values, IReadOnlyList<string> allowed, string message) =>
            ListCommand.Split(values).FirstOrDefault(v => !allowed.Contains(v)) is { } bad ? string.Format(CultureInfo.InvariantCulture, message, bad) : null;

        var problem = Unknown(Status, Workflow.Statuses, $"'{{0}}' is not a status. Statuses: {string.Join(", ", Workflow.Statuses)}.")
            ?? Unknown(Severity, Workflow.Severities, $"'{{0}}' is not a severity. Severities: {string.Join(", ", Workflow.Severities)}.")
            ?? Unknown([Sort], CaseQuery.Sorts, $"'{{0}}' is not a sort order. Sort by: {string.Join(", ", CaseQuery.Sorts)}.")
            ?? Unknown([Kind], CaseQuery.Kinds, $"'{{0}}' is not a kind. Kinds: {string.Join(", ", CaseQuery.Kinds)}.")
            ?? ListCommand.DayProblem(Since, "--since")
            ?? ListCommand.DayProblem(Until, "--until")
            ?? (Limit is < 1 ? "--limit must be 1 or more." : null)
            ?? (ListCommand.DayProblem(Since, "") is null && ListCommand.DayProblem(Until, "") is null && Since is not null && Until is not null
                && string.CompareOrdinal(Since, Until) > 0 ? "--since is after --until: nothing can match." : null)
            ?? (Text is not null && !string.IsNullOrWhiteSpace(Text) && Tokenizer.Tokens([Text]).Count == 0
                ? "The search words hold nothing to search for: use words of 2 letters or more, or Chinese characters." : null)
            ?? Tag.Select(WorkflowProblem).FirstOrDefault(p => p is not null);
        return problem is null ? ValidationResult.Success() : ValidationResult.Error(problem);
    }

    internal static string? WorkflowProblem(string tag)
    {
        try
        {
            Workflow.NormaliseTag(tag);
            return null;
        }
        catch (CommandFailedException e)
        {
            return e.Message;
        }
    }
}

/// <summary><c>list</c>: the inbox, filtered and sorted; decrypted on screen only.</summary>
public sealed class ListCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<ListSettings>(console, environment)
{
    protected override int Run(VaultSession session, ListSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Quarantine)
        {
            var items = session.Vault.Db.Quarantine.OrderBy(q => q.Sequence).ToList();
            if (settings.Json)
            {
                WriteJson(items);
                return ExitCodes.Ok;
            }

            var q = new TableView().Token("seq").Token("id").Token("kind", optional: true).Token("day").Token("attempts", optional: true).Text("reason");
            items.ForEach(i => q.Row($"{i.Sequence}", i.Id, E(i.Kind), $"{i.ReceivedDay:yyyy-MM-dd}", $"{i.Attempts}", E(i.Reason)));
            Write(q);
            return ExitCodes.Ok;
        }

        var filter = new CaseFilter
        {
            Statuses = Split(settings.Status),
            Severities = Split(settings.Severity),
            Tags = settings.Tag,
            Assignee = settings.Assignee == "me" ? session.Reviewer.Id : settings.Assignee,
            Category = settings.Category,
            Language = settings.Language,
            Since = Day(settings.Since, "--since"),
            Until = Day(settings.Until, "--until"),
            Text = settings.Text,
            Kind = settings.Kind.ToLowerInvariant(),
            Sort = settings.Sort.ToLowerInvariant(),
            Limit = settings.Limit ?? (settings.Json ? int.MaxValue : 50),
        };
        var result = CaseQuery.List(session.Vault, filter);
        if (settings.Json)
        {
            WriteJson(result.Items);
            return ExitCodes.Ok;
        }

        Show(result);
        return ExitCodes.Ok;
    }

    internal void Show(CaseList result)
    {
        // At 80 columns the id, day, status and severity stay whole and the words wrap; assignee, language and the
        // counts give way first (the footer says so), then the tags.
        var table = new TableView().Token("id").Token("received").Token("status").Token("severity").Token("assignee", optional: true)
            .Text("tags", optional: true).Token("lang", optional: true).Token("📎", optional: true).Token("↩", optional: true).Text("what happened");
        foreach (var c in result.Items)
        {
            table.Row(ShortId(c.Id), $"{c.ReceivedDay:yyyy-MM-dd}", TriageMarkup.Status(c.Status), TriageMarkup.Severity(c.Severity),
                E(c.Assignee ?? ""), TriageMarkup.Preview(string.Join(", ", c.Tags), 200), TriageMarkup.Preview(c.Language, 16), $"{c.Attachments}",
                c.Kind == "report" ? $"{c.FollowUps}/{c.Replies}" : E(c.Kind), TriageMarkup.Preview(c.What ?? c.Text, 60));
        }

        Write(table);
        Line(result.Total > result.Items.Count
            ? $"{result.Items.Count} of {result.Total} shown: add filters, or --limit {result.Total}. [grey]📎 files, ↩ follow-ups/replies.[/]"
            : $"{result.Total} found. [grey]📎 files, ↩ follow-ups/replies. Open one with[/] show <id>.");
    }

    internal static IReadOnlyList<string> Split(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(v => v.ToLowerInvariant()).ToList();

    private static DateOnly? Day(string? text, string option) =>
        text is null ? null
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day
        : throw CommandFailedException.Usage(DayProblem(text, option)!);

    internal static string? DayProblem(string? text, string option) =>
        text is null || DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? null
        : $"{option} takes a day as yyyy-MM-dd, not '{text}' (e.g. 2026-11-25).";
}

/// <summary><c>show</c>: one report whole — fields, attachments, thread, notes, history, linked reports.</summary>
public sealed class ShowCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<CaseSettings>(console, environment)
{
    protected override int Run(VaultSession session, CaseSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var detail = CaseQuery.Show(session.Vault, CaseIds.Resolve(session.Vault, settings.Id));
        if (settings.Json)
        {
            WriteJson(detail);
        }
        else
        {
            Render(Console, detail, Plain);
        }

        return ExitCodes.Ok;
    }

    /// <summary>The case as panels and tables; shared with the interactive <c>review</c>.</summary>
    internal static void Render(IAnsiConsole console, CaseDetail d, bool plain = false)
    {
        var s = d.Summary;
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow("[grey]id[/]", $"{s.Id} ({E(s.Kind)}, seq {s.Sequence})");
        grid.AddRow("[grey]received[/]", $"{s.ReceivedDay:yyyy-MM-dd}");
        grid.AddRow("[grey]status[/]", TriageMarkup.Status(s.Status) + (d.StatusReason is null ? "" : $" — {TriageMarkup.Preview(d.StatusReason, 200)}"));
        grid.AddRow("[grey]severity[/]", TriageMarkup.Severity(s.Severity));
        grid.AddRow("[grey]assignee[/]", E(s.Assignee ?? "nobody"));
        grid.AddRow("[grey]tags[/]", TriageMarkup.Preview(s.Tags.Count == 0 ? "–" : string.Join(", ", s.Tags), 200));
        grid.AddRow("[grey]language[/]", TriageMarkup.Preview(s.Language ?? "–", 16));
        grid.AddRow("[grey]category[/]", TriageMarkup.Preview(s.Category ?? "–", 200));
        grid.AddRow("[grey]when[/]", TriageMarkup.Preview(d.When ?? "–", 200));
        grid.AddRow("[grey]where[/]", TriageMarkup.Preview(d.Where ?? "–", 200));
        grid.AddRow("[grey]replies[/]", d.CanReply ? "the witness can receive replies (reply <id>)" : "[grey]the witness chose no codename: no replies possible[/]");
        if (s.CaseId is not null)
        {
            grid.AddRow("[grey]report[/]", s.CaseId);
        }

        if (d.Linked.Count > 0)
        {
            grid.AddRow("[grey]same incident[/]", string.Join(", ", d.Linked.Select(l => l[..8])) + " [grey](merge-view)[/]");
        }

        console.Write(new Panel(grid).Header($" Report {s.Id[..8]} ").Border(BoxBorder.Rounded).Expand());
        console.Write(new Panel(new Markup(TriageMarkup.Block(s.What ?? s.Text ?? "(empty)"))).Header(" What happened (witness's words) ").Expand());

        if (d.Attachments.Count > 0)
        {
            var files = new TableView("Attachments (export-attachment <id> --to <folder> writes them out)")
                .Token("#").Text("name").Token("type", optional: true).Token("size").Text("identifying metadata still inside");
            for (var i = 0; i < d.Attachments.Count; i++)
            {
                var a = d.Attachments[i];
                files.Row($"{i + 1}", TriageMarkup.Preview(a.Name, 60), TriageMarkup.Preview(a.Type, 40), Size(a.Size), MetadataSummary(a.Metadata));
            }

            files.Write(console, plain);
        }

        foreach (var m in d.Thread)
        {
            var header = m.Kind == "reply" ? $" Reply from {E(m.Author)}, {m.Day:yyyy-MM-dd} — {E(m.Delivery)} " : $" Follow-up from the witness, {m.Day:yyyy-MM-dd} ";
            console.Write(new Panel(new Markup(TriageMarkup.Block(m.Text ?? "") + (m.Attachments.Count > 0 ? $"\n[grey]{m.Attachments.Count} attachment(s): {m.Id[..8]}[/]" : "")))
                .Header(header).Border(m.Kind == "reply" ? BoxBorder.Double : BoxBorder.Rounded).Expand());
        }

        foreach (var n in d.Notes)
        {
            console.Write(new Panel(new Markup(TriageMarkup.Block(n.Text))).Header($" Internal note by {E(n.ReviewerId)}, {n.Created:yyyy-MM-dd HH:mm} UTC (never sent) ").Expand());
        }

        if (d.History.Count > 0)
        {
            var history = new TableView("History (audit log)").Token("#").Token("when (UTC)").Token("who").Text("what");
            foreach (var h in d.History)
            {
                history.Row($"{h.Sequence}", $"{h.At:yyyy-MM-dd HH:mm}", E(h.ReviewerId), TriageMarkup.Preview(h.Describe(), 100));
            }

            history.Write(console, plain);
        }
    }

    /// <summary>"[yellow]GPS, device[/]", "none found", or why it could not be read, for one table cell.</summary>
    internal static string MetadataSummary(Attachments.MetadataFindings? metadata)
    {
        if (metadata is null)
        {
            return "[grey]–[/]";
        }

        var groups = metadata.Findings.Select(f => f.Group).Distinct(StringComparer.Ordinal).ToList();
        var found = groups.Count == 0 ? "" : (groups.Contains("gps", StringComparer.OrdinalIgnoreCase) ? "[bold red]" : "[yellow]")
            + TriageMarkup.Preview(string.Join(", ", groups), 60) + "[/]";
        // The error is the console's own warning (MetadataReport), never the file's text: shown whole.
        return metadata.Error is not null ? (found.Length > 0 ? found + " " : "") + $"[yellow]{E(metadata.Error)}[/]"
            : found.Length > 0 ? found : "[green]none found[/]";
    }

    internal static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB",
    };


}

/// <summary><c>stats</c>: the dashboard — counts by status, severity and week, as charts.</summary>
public sealed class StatsCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<UnlockSettings>(console, environment)
{
    protected override int Run(VaultSession session, UnlockSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var stats = CaseQuery.Stats(session.Vault);
        if (settings.Json)
        {
            WriteJson(stats);
            return ExitCodes.Ok;
        }

        Render(Console, stats);
        return ExitCodes.Ok;
    }

    /// <summary>The dashboard as text and bar charts; shared with the interactive <c>review</c>.</summary>
    internal static void Render(IAnsiConsole console, CaseStats stats)
    {
        console.MarkupLine($"[bold]{stats.Reports}[/] reports, {stats.FollowUps} follow-ups, {stats.Replies} replies; "
            + $"[bold]{stats.Unassigned}[/] open and unassigned; {stats.QueuedReplies} repl{(stats.QueuedReplies == 1 ? "y" : "ies")} waiting for an outbox.");
        var colours = new Dictionary<string, Color>
        {
            ["new"] = Color.Blue, ["triaged"] = Color.Aqua, ["investigating"] = Color.Yellow, ["closed"] = Color.Green, ["rejected"] = Color.Grey,
            ["critical"] = Color.Red, ["high"] = Color.Orange1, ["medium"] = Color.Yellow, ["low"] = Color.Green, ["not set"] = Color.Grey,
        };
        console.Write(new Rule("By status").LeftJustified());
        console.Write(new BarChart().Width(60).AddItems(stats.ByStatus, r => new BarChartItem(r.Key, r.Count, colours[r.Key])));
        console.Write(new Rule("By severity").LeftJustified());
        console.Write(new BarChart().Width(60).AddItems(stats.BySeverity, r => new BarChartItem(r.Key, r.Count, colours[r.Key])));
        console.Write(new Rule("Reports received per week (last 12 weeks with reports)").LeftJustified());
        if (stats.ByWeek.Count == 0)
        {
            // Spectre's BarChart cannot render without items (it takes the maximum of none).
            console.MarkupLine("[grey]No reports yet.[/]");
        }
        else
        {
            console.Write(new BarChart().Width(60).AddItems(stats.ByWeek, r => new BarChartItem(r.Key, r.Count, Color.SteelBlue)));
        }
    }
}

public sealed class SetStatusSettings : CaseSettings
{
    [CommandArgument(1, "<STATUS>")]
    [Description("triaged, investigating, closed or rejected (new → triaged → investigating → closed; rejected needs --reason)")]
    public string Status { get; init; } = "";

    [CommandOption("--reason <TEXT>")]
    [Description("Why the report is rejected (kept in the vault and the audit log; never sent)")]
    public string? Reason { get; init; }

    public override ValidationResult Validate()
    {
        var to = Status.Trim().ToLowerInvariant();
        return base.Validate() is { Successful: false } id ? id
            : !Workflow.Statuses.Contains(to) ? ValidationResult.Error($"'{Status}' is not a status. Statuses: {string.Join(", ", Workflow.Statuses)}.")
            : to == EnvelopeStatus.Rejected && string.IsNullOrWhiteSpace(Reason)
                ? ValidationResult.Error("Rejecting a report needs a reason: add --reason \"…\" (it stays in this vault and the audit log).")
            : ValidationResult.Success();
    }
}

public sealed class SetStatusCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<SetStatusSettings>(console, environment)
{
    protected override int Run(VaultSession session, SetStatusSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var record = session.Actions(Now).SetStatus(settings.Id, settings.Status, settings.Reason);
        return Done(settings.Json, record, Confirmations.Status(record));
    }
}

public sealed class SetSeveritySettings : CaseSettings
{
    [CommandArgument(1, "<SEVERITY>")]
    [Description("low, medium, high or critical")]
    public string Severity { get; init; } = "";

    public override ValidationResult Validate() =>
        base.Validate() is { Successful: false } id ? id
        : !Workflow.Severities.Contains(Severity.Trim().ToLowerInvariant())
            ? ValidationResult.Error($"'{Severity}' is not a severity. Severities: {string.Join(", ", Workflow.Severities)}.")
        : ValidationResult.Success();
}

public sealed class SetSeverityCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<SetSeveritySettings>(console, environment)
{
    protected override int Run(VaultSession session, SetSeveritySettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var record = session.Actions(Now).SetSeverity(settings.Id, settings.Severity);
        return Done(settings.Json, record, Confirmations.Severity(record));
    }
}

public sealed class TagSettings : CaseSettings
{
    [CommandArgument(1, "<TAGS>")]
    [Description("One or more tags (letters, digits, spaces, '-' or '_'; quote a tag with spaces)")]
    public string[] Tags { get; init; } = [];

    public override ValidationResult Validate() =>
        base.Validate() is { Successful: false } id ? id
        : Tags.Length == 0 ? ValidationResult.Error("Name at least one tag.")
        : Tags.Select(ListSettings.WorkflowProblem).FirstOrDefault(p => p is not null) is { } problem ? ValidationResult.Error(problem)
        : ValidationResult.Success();
}

public sealed class TagCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<TagSettings>(console, environment)
{
    protected override int Run(VaultSession session, TagSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var record = session.Actions(Now).Tag(settings.Id, settings.Tags, remove: false);
        return record is null ? Unchanged(settings, "tag", "The report has those tags already: nothing to change.")
            : Done(settings.Json, record, Confirmations.Tagged(record));
    }
}

public sealed class UntagCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<TagSettings>(console, environment)
{
    protected override int Run(VaultSession session, TagSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var record = session.Actions(Now).Tag(settings.Id, settings.Tags, remove: true);
        return record is null ? Unchanged(settings, "untag", "The report has none of those tags: nothing to change.")
            : Done(settings.Json, record, Confirmations.Untagged(record));
    }
}

public sealed class AssignSettings : CaseSettings
{
    [CommandArgument(1, "[REVIEWER]")]
    [Description("A reviewer id from the organisation's bundle, or 'me'")]
    public string? Reviewer { get; init; }

    [CommandOption("--none")]
    [Description("Unassign the report")]
    public bool None { get; init; }
}

public sealed class AssignCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<AssignSettings>(console, environment)
{
    protected override int Run(VaultSession session, AssignSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.None == (settings.Reviewer is not null))
        {
            throw CommandFailedException.Usage("Name a reviewer (or 'me'), or pass --none to unassign.");
        }

        var reviewer = settings.Reviewer == "me" ? session.Reviewer.Id : settings.Reviewer;
        var record = session.Actions(Now).Assign(settings.Id, reviewer);
        return Done(settings.Json, record, Confirmations.Assigned(record));
    }
}

public class TextSettings : CaseSettings
{
    [CommandOption("--text <TEXT>")]
    [Description("The text (else --text-file, else standard input when piped, else your $EDITOR opens)")]
    public string? Text { get; init; }

    [CommandOption("--text-file <FILE>")]
    [Description("Read the text from FILE ('-' for standard input)")]
    public string? TextFile { get; init; }
}

/// <summary><c>note</c>: an internal note on a report, sealed in the vault, never sent.</summary>
public sealed class NoteCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<TextSettings>(console, environment)
{
    protected override int Run(VaultSession session, TextSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var actions = session.Actions(Now);
        var id = CaseIds.ResolveReport(session.Vault, settings.Id);
        var text = TextInput.Read(settings.Text, settings.TextFile, Environment, session.Home, "note",
            $"Internal note on report {id[..8]}. It stays in your vault and is never sent to the witness or the server.");
        var record = actions.AddNote(id, text);
        return Done(settings.Json, record, Confirmations.Note(record));
    }
}

public sealed class LinkSettings : CaseSettings
{
    [CommandArgument(1, "<OTHER_ID>")]
    [Description("The other report of the same incident")]
    public string Other { get; init; } = "";

    public override ValidationResult Validate() =>
        base.Validate() is { Successful: false } id ? id
        : CaseIds.Problem(Other) is { } problem ? ValidationResult.Error(problem)
        : ValidationResult.Success();
}

public sealed class LinkCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<LinkSettings>(console, environment)
{
    protected override int Run(VaultSession session, LinkSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var record = session.Actions(Now).Link(settings.Id, settings.Other, remove: false);
        return Done(settings.Json, record, Confirmations.Linked(record));
    }
}

public sealed class UnlinkCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<LinkSettings>(console, environment)
{
    protected override int Run(VaultSession session, LinkSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var record = session.Actions(Now).Link(settings.Id, settings.Other, remove: true);
        return Done(settings.Json, record, Confirmations.Unlinked(record));
    }
}

/// <summary><c>merge-view</c>: every report of one incident side by side, and their combined timeline.</summary>
public sealed class MergeViewCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<CaseSettings>(console, environment)
{
    protected override int Run(VaultSession session, CaseSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var id = CaseIds.ResolveReport(session.Vault, settings.Id);
        var details = CaseQuery.LinkedGroup(session.Vault, id).Select(x => CaseQuery.Show(session.Vault, x, withMetadata: false))
            .OrderBy(d => d.Summary.Sequence).ToList();
        if (settings.Json)
        {
            WriteJson(new { incident = details.Select(d => d.Summary.Id), reports = details });
            return ExitCodes.Ok;
        }

        if (details.Count == 1)
        {
            Line($"Report {id[..8]} is linked to no other report: link {id[..8]} <other id> marks two reports as the same incident.");
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"Incident: {details.Count} linked report(s)").AddColumn("");
        foreach (var d in details)
        {
            table.AddColumn(new TableColumn($"{d.Summary.Id[..8]}"));
        }

        void Row(string name, Func<CaseDetail, string> value) => table.AddRow([name, .. details.Select(value)]);
        Row("received", d => $"{d.Summary.ReceivedDay:yyyy-MM-dd}");
        Row("status", d => TriageMarkup.Status(d.Summary.Status));
        Row("severity", d => TriageMarkup.Severity(d.Summary.Severity));
        Row("assignee", d => Markup.Escape(d.Summary.Assignee ?? "–"));
        Row("tags", d => TriageMarkup.Preview(string.Join(", ", d.Summary.Tags), 40));
        Row("language", d => TriageMarkup.Preview(d.Summary.Language ?? "–", 16));
        Row("category", d => TriageMarkup.Preview(d.Summary.Category, 40));
        Row("when", d => TriageMarkup.Preview(d.When, 60));
        Row("where", d => TriageMarkup.Preview(d.Where, 60));
        Row("what", d => TriageMarkup.Preview(d.Summary.What, 400));
        Row("files", d => $"{d.Attachments.Count}");
        Row("follow-ups / replies", d => $"{d.Summary.FollowUps} / {d.Summary.Replies}");
        Console.Write(table);

        var timeline = new Table().Title("Timeline of the incident").AddColumns("day", "report", "what");
        foreach (var (day, report, what) in details
            .SelectMany(d => new[] { (d.Summary.ReceivedDay, d.Summary.Id, "report received") }
                .Concat(d.Thread.Select(m => (m.Day, d.Summary.Id, m.Kind == "reply" ? $"reply by {m.Author}" : "follow-up from the witness"))))
            .OrderBy(x => x.Item1))
        {
            timeline.AddRow($"{day:yyyy-MM-dd}", report[..8], Markup.Escape(what));
        }

        Console.Write(timeline);
        return ExitCodes.Ok;
    }
}

public sealed class AuditShowSettings : UnlockSettings
{
    [CommandOption("--case <ID>")]
    [Description("Only the entries about this report")]
    public string? Case { get; init; }

    public override ValidationResult Validate() =>
        Case is not null && CaseIds.Problem(Case) is { } problem ? ValidationResult.Error($"--case: {problem}") : ValidationResult.Success();
}

public sealed class AuditShowCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<AuditShowSettings>(console, environment)
{
    protected override int Run(VaultSession session, AuditShowSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var caseId = settings.Case is null ? null : CaseIds.Resolve(session.Vault, settings.Case);
        var records = AuditLog.Read(session.Vault, caseId);
        if (settings.Json)
        {
            WriteJson(records);
            return ExitCodes.Ok;
        }

        var table = new TableView("Audit log").Token("#").Token("when (UTC)").Token("who", optional: true).Token("action").Token("report")
            .Text("details");
        foreach (var r in records)
        {
            table.Row($"{r.Sequence}", $"{r.At:yyyy-MM-dd HH:mm:ss}", Markup.Escape(r.ReviewerId), Markup.Escape(r.Action), ShortId(r.CaseId),
                TriageMarkup.Preview(string.Join("; ", r.Details.Select(d => $"{d.Key}: {d.Value}")), 80));
        }

        Write(table);
        Line($"{records.Count} entr{(records.Count == 1 ? "y" : "ies")}. Check the chain and signatures with [bold]audit verify[/].");
        return ExitCodes.Ok;
    }
}

/// <summary><c>audit verify</c>: exit 0 when the chain holds, 1 with every problem listed when it does not.</summary>
public sealed class AuditVerifyCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<UnlockSettings>(console, environment)
{
    protected override int Run(VaultSession session, UnlockSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var result = AuditLog.Verify(session.Vault, session.TrustedKeys);
        if (settings.Json)
        {
            WriteJson(new { intact = result.IsIntact, entries = result.Entries, head = result.Head, problems = result.Problems });
        }
        else if (result.IsIntact)
        {
            Line($"[green]✓ The audit log is intact:[/] {result.Entries} entries, every one chained and signed. Head: {result.Head ?? "(empty)"}");
            Line("[grey]Write the head down (or keep it with your backups): a vault restored to an older copy would show an older head.[/]");
        }
        else
        {
            Line($"[red]✗ The audit log was altered:[/] {result.Problems.Count} problem(s) in {result.Entries} entries.");
            foreach (var problem in result.Problems)
            {
                Line($"  • {Markup.Escape(problem)}");
            }
        }

        return result.IsIntact ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
