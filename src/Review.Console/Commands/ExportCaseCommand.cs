using System.ComponentModel;
using SafeIntake.Review.Console.Attachments;
using SafeIntake.Review.Console.Cases;
using SafeIntake.Review.Console.Home;
using SafeIntake.Review.Console.Triage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

public sealed class ExportCaseSettings : CaseSettings
{
    [CommandOption("--to <FOLDER>")]
    [Description("An existing folder (an encrypted disk) to write the case file into; it is never created for you")]
    public string? To { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("markdown (default) or html (a standalone page with no scripts)")]
    [DefaultValue("markdown")]
    public string Format { get; init; } = "markdown";

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(To) ? ValidationResult.Error("--to <FOLDER> is required: the folder to write the case file into.")
        : Format.ToLowerInvariant() is "markdown" or "md" or "html" ? ValidationResult.Success()
        : ValidationResult.Error($"--format takes markdown or html, not '{Format}'.");
}

/// <summary>
/// <c>export-case</c>: one readable file of a report — fields, files, thread, notes, history, linked reports — for
/// handing a case on, written only where the reviewer says, readable only by them, and recorded in the audit log.
/// </summary>
public sealed class ExportCaseCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<ExportCaseSettings>(console, environment)
{
    /// <summary>Writes under the first free name; a name taken between the check and the move is skipped, never replaced.</summary>
    private static string WriteUnique(string folder, string name, string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        for (var attempt = 0; ; attempt++)
        {
            var path = Path.Combine(folder, SafeFileName.Unique(folder, name, 1));
            try
            {
                AtomicFile.WriteWithoutReplacing(path, bytes);
                return path;
            }
            catch (IOException) when (File.Exists(path) && attempt < 100)
            {
                // Someone created it in between: ask for the next free name.
            }
        }
    }

    protected override int Run(VaultSession session, ExportCaseSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var folder = Path.GetFullPath(settings.To!);
        if (!Directory.Exists(folder))
        {
            throw new CommandFailedException($"--to: {folder} is not an existing folder. Create it where you mean the file to be (an encrypted disk), then run again.");
        }

        var id = CaseIds.ResolveReport(session.Vault, settings.Id);
        var d = CaseQuery.Show(session.Vault, id, withMetadata: false);
        var s = d.Summary;
        var data = new CaseFileData(
            s.Id, s.Status, s.Severity, s.Tags, s.Assignee, s.ReceivedDay, s.Language, s.What, d.When, d.Where, s.Category,
            d.Attachments.Select((a, i) => new CaseAttachment(i + 1, a.Name, a.Type, a.Size)).ToList(),
            d.Thread.Select(m => new CaseMessage(m.Kind, m.Day, m.Author, m.Text ?? "")).ToList(),
            d.Notes.Select(n => new CaseNote(n.ReviewerId, n.Created, n.Text)).ToList(),
            d.History.Select(h => new CaseHistoryEntry(h.At, h.ReviewerId, h.Describe())).ToList(),
            d.Linked, session.Reviewer.Id, Now);
        var html = settings.Format.Equals("html", StringComparison.OrdinalIgnoreCase);
        var text = html ? CaseFile.RenderHtml(data) : CaseFile.RenderMarkdown(data);
        var path = WriteUnique(folder, $"case-{id[..8]}-{Today:yyyy-MM-dd}.{(html ? "html" : "md")}", text);
        var record = session.Actions(Now).Record("export-case", id, new Dictionary<string, string> { ["to"] = path, ["format"] = html ? "html" : "markdown" });
        if (settings.Json)
        {
            WriteJson(new { id, path, format = html ? "html" : "markdown", audit = record.Sequence });
            return ExitCodes.Ok;
        }

        Line($"[green]✓[/] Case file written: [bold]{Markup.Escape(path)}[/] [grey](audit entry {record.Sequence})[/]");
        Line("[yellow]It holds the witness's statement in clear: keep it on an encrypted disk and hand it on only as your organisation's policy says.[/]");
        return ExitCodes.Ok;
    }
}
