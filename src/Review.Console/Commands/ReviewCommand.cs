using SafeIntake.Review.Console.Attachments;
using SafeIntake.Review.Console.Interactive;
using SafeIntake.Review.Console.Transfer;
using SafeIntake.Review.Console.Triage;
using SafeIntake.Review.Console.Vault;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Rendering;

namespace SafeIntake.Review.Console.Commands;

/// <summary>
/// <c>review</c>: unlock once, then work through the inbox with the arrow keys — the next new report, a list, a search —
/// and triage each report from a menu. Every action is its command's (same checks, same audit entry, same
/// confirmation); a refused one is shown and the loop goes on. Quit, Ctrl+C or the end of input zero the keys, exit 0.
/// </summary>
public sealed class ReviewCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<UnlockSettings>(console, environment)
{
    public override int Execute(CommandContext context, UnlockSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!Console.Profile.Capabilities.Interactive || !Console.Profile.Capabilities.Ansi)
        {
            throw CommandFailedException.Usage(
                "review needs a terminal to work in (here its input or output is not one, e.g. a pipe). "
                + "Without a terminal, use the commands: list, show, set-status, set-severity, tag, untag, assign, note, link, stats "
                + "(safeintake-review --help lists them; add --json for scripts).");
        }

        if (settings.Json)
        {
            throw CommandFailedException.Usage("review is interactive and prints no JSON: scripts use list --json and show --json.");
        }

        // Unlock before catching Ctrl+C, so that Ctrl+C at the passphrase prompt still ends the program at once.
        using (var session = VaultSession.Open(Home(settings), Passphrases(settings)))
        {
            using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var onInterrupt = Environment.OnInterrupt(interrupted.Cancel);
            try
            {
                new ReviewLoop(new KeyboardConsole(Console), Environment, session, interrupted.Token).Run();
            }
            catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
            {
                Console.WriteLine();
            }
            catch (EndOfInputException)
            {
                Console.WriteLine();
            }
            finally
            {
                Console.Cursor.Show();
            }
        }

        Line("[grey]Vault locked: your keys are wiped from memory.[/]");
        return ExitCodes.Ok;
    }
}

/// <summary>
/// The screens of <c>review</c>, over one unlocked session. Every screen is drawn afresh: a title line, one status
/// line saying what the last action did (instead of messages piling up), then the content and its menu. Menus keep
/// their actions in fixed places: an action that does not apply now stays, marked, and says why when chosen, so a
/// reviewer who counts arrow presses always lands on the same item. Esc leaves every menu and every prompt; a report
/// too long for the terminal opens in the pager, so its header never scrolls away.
/// </summary>
internal sealed class ReviewLoop(IAnsiConsole console, ConsoleEnvironment environment, VaultSession session, CancellationToken cancellation)
{
    private const string MenuKeys = "[grey]↑/↓ move · Enter choose · Ctrl+C quit[/]";
    private const string SubmenuKeys = "[grey]↑/↓ move · Enter choose · Esc back · Ctrl+C quit[/]";
    private const string Back = "back";
    private const string Menu = "menu";
    private const string NextNew = "next-new";
    private const string Cancelled = "[grey]•[/] Cancelled: nothing changed.";
    private static readonly Choice BackChoice = new("‹ Back", Back);

    /// <summary>Lines a report's action menu takes besides its choices: the report's header, the question, the keys, a margin.</summary>
    private const int MenuChrome = 5;

    private string _status = "[grey]Choose with ↑/↓ and Enter; Esc goes back.[/]";

    private VaultStore Vault => session.Vault;

    public void Run()
    {
        while (true)
        {
            Screen();
            console.MarkupLine(Summary());
            var choice = Choose("[bold]What next?[/]", MenuKeys,
            [
                new("Next new report (oldest first)", NextNew),
                new("Inbox (pick from a list)", "inbox"),
                new("Search", "search"),
                new("Statistics", "stats"),
                new("Write the outbox (acknowledgements and replies for the server)", "outbox"),
                new("Quit", "quit"),
            ], escape: null);
            try
            {
                switch (choice)
                {
                    case NextNew:
                        OpenNext(afterSequence: 0);
                        break;
                    case "inbox":
                        Pick("Open reports, newest first", new CaseFilter
                        {
                            Statuses = [EnvelopeStatus.New, EnvelopeStatus.Triaged, EnvelopeStatus.Investigating],
                            Limit = 50,
                        });
                        break;
                    case "search":
                        Search();
                        break;
                    case "stats":
                        Page(c => StatsCommand.Render(c, CaseQuery.Stats(Vault)), "back");
                        break;
                    case "outbox":
                        WriteOutbox();
                        break;
                    default:
                        return;
                }
            }
            catch (CommandFailedException e)
            {
                Refused(e);
            }
        }
    }

    /// <summary>Reply to the witness: typed here or in the editor, shown back, sealed and queued only after a yes.</summary>
    internal void ReplyAction(VaultSession replySession, string reportId)
    {
        ArgumentNullException.ThrowIfNull(replySession);
        Replies.CheckCanReply(replySession, reportId);
        var how = Choose($"Reply to the witness of report {reportId[..8]} [grey](sealed to their codename and your team, signed by you; "
            + "do not name yourself or colleagues)[/]", SubmenuKeys,
            [new("Type a short reply here", "type"), new("Open the editor (for a longer reply)", "editor"), BackChoice], escape: Back);
        var text = how switch
        {
            "type" => Ask("Reply [grey](Enter continues; Esc goes back)[/]:"),
            "editor" => TextInput.FromEditor(environment, replySession.Home, "reply",
                $"Reply to the witness of report {reportId[..8]}. Only the witness (with their codename) and your team can read it."),
            _ => null,
        };
        if (text is not { } typed || typed.Trim().Length == 0)
        {
            _status = Cancelled;
            return;
        }

        console.Write(new Panel(new Markup(TriageMarkup.Block(typed.Trim()))).Header(" Your reply ").Expand());
        var send = Choose("Seal, sign and queue this reply for the next outbox?", SubmenuKeys,
            [new("Yes, queue it", "yes"), new("No, discard it", "no")], escape: "no");
        if (send != "yes")
        {
            _status = "[grey]•[/] Reply discarded: nothing was queued.";
            return;
        }

        var queued = Replies.Queue(replySession, reportId, typed, environment.Time.GetUtcNow());
        Done(queued.Record, $"Reply to report {reportId[..8]} sealed, signed and queued: choose [bold]Write the outbox[/] to put it in an outbox.");
    }

    /// <summary>A fresh screen: the title, then the status line.</summary>
    private void Screen()
    {
        console.Clear(home: true);
        console.Write(new Rule($"[bold]SafeIntake review[/] — unlocked for {Markup.Escape(session.Reviewer.Id)}").LeftJustified());
        console.MarkupLine(_status);
    }

    private string Summary()
    {
        var stats = CaseQuery.Stats(Vault);
        int Count(string status) => stats.ByStatus.Single(r => r.Key == status).Count;
        return $"[bold blue]{Count(EnvelopeStatus.New)}[/] new · [cyan]{Count(EnvelopeStatus.Triaged)}[/] triaged · "
            + $"[yellow]{Count(EnvelopeStatus.Investigating)}[/] investigating · "
            + $"{stats.QueuedReplies} repl{(stats.QueuedReplies == 1 ? "y" : "ies")} queued for the outbox";
    }

    /// <summary>Opens new reports one after the other, oldest first, until the reviewer goes back to the menu.</summary>
    private void OpenNext(long afterSequence)
    {
        while (true)
        {
            if (CaseQuery.NextNew(Vault, afterSequence) is not { } id)
            {
                _status = afterSequence == 0 ? "[green]No new reports:[/] every report has been looked at." : "[green]No other new report.[/]";
                return;
            }

            var (next, sequence) = Open(id);
            if (next != NextNew)
            {
                return;
            }

            afterSequence = sequence;
        }
    }

    private void Search()
    {
        var words = Ask("Words to search for [grey](a report must hold every word; Esc goes back)[/]:");
        if (words is { Length: > 0 })
        {
            Pick($"Reports holding \"{TriageMarkup.Preview(words, 60)}\", newest first", new CaseFilter { Text = words, Limit = 50 });
        }
    }

    private void Pick(string title, CaseFilter filter)
    {
        var result = CaseQuery.List(Vault, filter);
        if (result.Items.Count == 0)
        {
            _status = "[grey]•[/] Nothing found.";
            return;
        }

        var shown = result.Total > result.Items.Count ? $"{result.Items.Count} of {result.Total}" : $"{result.Total}";
        var choices = result.Items.Select(c => new Choice(
            $"{c.Id[..8]}  {c.ReceivedDay:yyyy-MM-dd}  {Padded(TriageMarkup.Status(c.Status), c.Status, 13)}  "
            + $"{Padded(TriageMarkup.Severity(c.Severity), c.Severity ?? "–", 8)}  {TriageMarkup.Preview(c.What ?? c.Text, Math.Max(10, console.Profile.Width - 50))}", c.Id));
        var id = Choose($"[bold]{title}[/] ({shown})", SubmenuKeys, [.. choices, BackChoice], escape: Back);
        if (id != Back)
        {
            var (next, sequence) = Open(id);
            if (next == NextNew)
            {
                OpenNext(sequence);
            }
        }
    }

    /// <summary>
    /// Shows a report and its action menu until the reviewer leaves it; says where to go next. The report stands above
    /// the menu when both fit the terminal; otherwise it opens in the pager (first, and on "Show the whole report")
    /// and the menu stands under the report's one-line header.
    /// </summary>
    private (string Next, long Sequence) Open(string id)
    {
        var detail = CaseQuery.Show(Vault, id);
        var report = Pager.Render(console, c => ShowCommand.Render(c, detail));
        var paged = false;
        while (true)
        {
            var s = detail.Summary;
            var actions = ReportActions(detail);
            var room = console.Profile.Height - 2 - actions.Count - MenuChrome;
            Screen();
            if (report.Count <= room)
            {
                Pager.Show(console, report, room, wait: false, "", cancellation);
            }
            else if (!paged)
            {
                Pager.Show(console, report, room, wait: true, "actions", cancellation);
                paged = true;
                Screen();
            }

            var choice = Choose(Header(s) + "\n[bold]What do you want to do?[/]", SubmenuKeys, actions, escape: Menu);
            if (choice is NextNew or Menu)
            {
                return (choice, s.Sequence);
            }

            if (choice == "show")
            {
                paged = false;
                continue;
            }

            try
            {
                Act(choice, detail);
            }
            catch (CommandFailedException e)
            {
                Refused(e);
            }

            // An action changes the case, never its files: keep the metadata already read instead of parsing them again.
            detail = CaseQuery.Show(Vault, id, withMetadata: false) with { Attachments = detail.Attachments };
            report = Pager.Render(console, c => ShowCommand.Render(c, detail));
        }
    }

    /// <summary>Always the same actions in the same places; one that does not apply now says so in grey.</summary>
    private static List<Choice> ReportActions(CaseDetail detail)
    {
        var s = detail.Summary;
        var files = Files(detail).Count;
        return
        [
            new("Set status…", "status"),
            new("Set severity…", "severity"),
            new("Add tags…", "tag"),
            new("Remove a tag…" + (s.Tags.Count == 0 ? " [grey](no tags yet)[/]" : ""), "untag"),
            new("Assign…", "assign"),
            new("Add an internal note…", "note"),
            new("Link to another report…", "link"),
            new("Reply to the witness…" + (detail.CanReply ? "" : " [grey](not possible for this report)[/]"), "reply"),
            new("Export the files…" + (files == 0 ? " [grey](no files)[/]" : $" [grey]({files})[/]"), "export"),
            new("Show the whole report", "show"),
            new("Next new report", NextNew),
            new("Back to the menu", Menu),
        ];
    }

    private void Act(string choice, CaseDetail detail)
    {
        var s = detail.Summary;
        switch (choice)
        {
            case "status":
                SetStatus(s);
                break;
            case "severity":
                var severity = Choose($"Severity of report {s.Id[..8]} (now {TriageMarkup.Severity(s.Severity)}):", SubmenuKeys,
                    [.. Workflow.Severities.Where(x => x != s.Severity).Select(x => new Choice(TriageMarkup.Severity(x), x)), BackChoice], escape: Back);
                if (severity != Back)
                {
                    var record = Actions().SetSeverity(s.Id, severity);
                    Done(record, Confirmations.Severity(record));
                }

                break;
            case "tag":
                var tags = Ask("Tags to add, separated by commas [grey](letters, digits, spaces, - or _; Esc goes back)[/]:");
                if (tags is not { Length: > 0 })
                {
                    _status = Cancelled;
                    break;
                }

                var tagged = Actions().Tag(s.Id, tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), remove: false);
                Done(tagged, tagged is null ? "The report has those tags already." : Confirmations.Tagged(tagged));
                break;
            case "untag":
                if (s.Tags.Count == 0)
                {
                    _status = $"[grey]•[/] Report {s.Id[..8]} has no tags to remove.";
                    break;
                }

                var tag = Choose("Remove which tag?", SubmenuKeys, [.. s.Tags.Select(t => new Choice(TriageMarkup.Preview(t, 40), t)), BackChoice], escape: Back);
                if (tag != Back)
                {
                    var record = Actions().Tag(s.Id, [tag], remove: true);
                    Done(record, record is null ? "The report has none of those tags." : Confirmations.Untagged(record));
                }

                break;
            case "assign":
                Assign(s);
                break;
            case "note":
                Note(s);
                break;
            case "link":
                var other = Ask("The other report's id [grey](its first 6 or more hex digits, as the inbox shows them; Esc goes back)[/]:");
                if (other is not { Length: > 0 })
                {
                    _status = Cancelled;
                    break;
                }

                var linked = Actions().Link(s.Id, other, remove: false);
                Done(linked, Confirmations.Linked(linked));
                break;
            case "reply":
                ReplyAction(session, s.Id);
                break;
            case "export":
                ExportFiles(detail);
                break;
            default:
                break;
        }
    }

    private void SetStatus(CaseSummary s)
    {
        // Only the moves the workflow allows are offered: an illegal one cannot even be picked.
        var to = Choose($"Move report {s.Id[..8]} from {TriageMarkup.Status(s.Status)} to:", SubmenuKeys,
            [.. Workflow.NextStatuses(s.Status).Select(x => new Choice(x == EnvelopeStatus.Rejected ? "→ rejected (asks for a reason)" : $"→ {x}", x)), BackChoice],
            escape: Back);
        if (to == Back)
        {
            return;
        }

        string? reason = null;
        if (to == EnvelopeStatus.Rejected)
        {
            reason = Ask("Why is it rejected? [grey](kept in this vault and the audit log, never sent; Esc goes back)[/]:");
            if (reason is not { Length: > 0 })
            {
                _status = "[yellow]Not rejected:[/] a rejection needs a reason.";
                return;
            }
        }

        var record = Actions().SetStatus(s.Id, to, reason);
        Done(record, Confirmations.Status(record));
    }

    private void Assign(CaseSummary s)
    {
        var me = session.Reviewer.Id;
        var choices = new List<Choice>();
        if (s.Assignee != me)
        {
            choices.Add(new($"Me ({Markup.Escape(me)})", "to:" + me));
        }

        choices.AddRange(session.TrustedKeys.Keys.Where(r => r != me && r != s.Assignee).Order(StringComparer.Ordinal)
            .Select(r => new Choice(Markup.Escape(r), "to:" + r)));
        if (s.Assignee is not null)
        {
            choices.Add(new("Nobody (unassign)", "nobody"));
        }

        var pick = Choose($"Assign report {s.Id[..8]} (now {Markup.Escape(s.Assignee ?? "nobody")}) to:", SubmenuKeys, [.. choices, BackChoice], escape: Back);
        if (pick != Back)
        {
            var record = Actions().Assign(s.Id, pick == "nobody" ? null : pick["to:".Length..]);
            Done(record, Confirmations.Assigned(record));
        }
    }

    private void Note(CaseSummary s)
    {
        var how = Choose($"Internal note on report {s.Id[..8]} [grey](stays in this vault; never sent to the witness or the server)[/]", SubmenuKeys,
            [new("Type a short note here", "type"), new("Open the editor (for a longer note)", "editor"), BackChoice], escape: Back);
        var text = how switch
        {
            "type" => Ask("Note [grey](Enter saves it; Esc goes back)[/]:"),
            "editor" => TextInput.FromEditor(environment, session.Home, "note",
                $"Internal note on report {s.Id[..8]}. It stays in your vault and is never sent to the witness or the server."),
            _ => null,
        };
        if (text is not { } typed || typed.Trim().Length == 0)
        {
            _status = Cancelled;
            return;
        }

        var record = Actions().AddNote(s.Id, typed);
        Done(record, Confirmations.Note(record));
    }

    /// <summary>A file of the report or of one of its follow-ups: the envelope holding it and its position there (1 first).</summary>
    private sealed record CaseFileRef(string Envelope, int Position, string Name, long Size, string From);

    private static List<CaseFileRef> Files(CaseDetail detail) =>
    [
        .. detail.Attachments.Select((a, i) => new CaseFileRef(detail.Summary.Id, i + 1, a.Name, a.Size, "report")),
        .. detail.Thread.Where(m => m.Kind == "follow-up").SelectMany(m => m.Attachments.Select((a, i) => new CaseFileRef(m.Id, i + 1, a.Name, a.Size, $"follow-up {m.Day:yyyy-MM-dd}"))),
    ];

    /// <summary>Decrypts the chosen files into a folder the reviewer names (<c>export-attachment</c>'s work), then shows what the files still say about the witness.</summary>
    private void ExportFiles(CaseDetail detail)
    {
        var s = detail.Summary;
        var files = Files(detail);
        if (files.Count == 0)
        {
            _status = $"[grey]•[/] Report {s.Id[..8]} has no files to export.";
            return;
        }

        var choices = files.Select((f, i) => new Choice(
            $"{i + 1}. {TriageMarkup.Preview(f.Name, 40)}  [grey]{ShowCommand.Size(f.Size)} · {f.From}[/]", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        if (files.Count > 1)
        {
            choices.Insert(0, new($"Every file ({files.Count})", "all"));
        }

        var pick = Choose($"Export which file of report {s.Id[..8]}? [grey](decrypted into a folder you choose; never opened here)[/]", SubmenuKeys, [.. choices, BackChoice], escape: Back);
        if (pick == Back)
        {
            return;
        }

        var folder = Ask("Folder to write to [grey](an existing folder, e.g. on an encrypted disk; Esc goes back)[/]:");
        if (folder is not { Length: > 0 })
        {
            _status = Cancelled;
            return;
        }

        var full = AttachmentExport.CheckFolder(folder);
        var chosen = pick == "all" ? files : [files[int.Parse(pick, System.Globalization.CultureInfo.InvariantCulture)]];
        var exported = new List<AttachmentExport.ExportedFile>();
        var done = 0;
        foreach (var f in chosen)
        {
            done++;
            exported.AddRange(AttachmentExport.Export(Vault, session.Signer, environment.Time.GetUtcNow(), f.Envelope, full, f.Position,
                (_, _, size, work) => ProgressDisplay.Run(console, quiet: false, $"File {done} of {chosen.Count}", size, work)));
        }

        Page(c => AttachmentExport.Render(c, s.Id, exported), "back");
        _status = $"[green]✓[/] {exported.Count} file{(exported.Count == 1 ? "" : "s")} of report {s.Id[..8]} exported to {Markup.Escape(full)}. Read the warning before opening them.";
    }

    private void WriteOutbox()
    {
        var today = DateOnly.FromDateTime(environment.Time.GetUtcNow().UtcDateTime);
        var (path, acknowledged, replies) = OutboxWriteCommand.WriteNow(session.Home, Vault, session.Reviewer.Id, session.Identity.SigningKey, today, all: false);
        if (path is not null)
        {
            _status = $"[green]✓[/] Outbox [bold]{Markup.Escape(path)}[/] acknowledges {Carries(acknowledged, replies)}. Carry it to the online machine: [bold]upload-outbox[/].";
            return;
        }

        // Nothing new: say which outbox, not yet uploaded, already carries it all (import writes one).
        var pending = Outbox.List(session.Home.OutboxFolder).FirstOrDefault(f => f.IsPending && f.Body.Reviewer == session.Reviewer.Id);
        _status = pending is null
            ? "[grey]•[/] Nothing to send: every envelope is acknowledged and every reply is in an outbox already."
            : $"[grey]•[/] Nothing new to send: {Markup.Escape(pending.Path)} (not uploaded yet) carries everything, acknowledging "
                + $"{Carries(pending.Body.Acks.Count, pending.Body.Replies)}. Carry it to the online machine: [bold]upload-outbox[/].";

        static string Carries(int acknowledged, int replies) => $"{acknowledged} envelope(s) and carries {replies} repl{(replies == 1 ? "y" : "ies")}";
    }

    private static string Header(CaseSummary s) =>
        $"[bold]Report {s.Id[..8]}[/] · {TriageMarkup.Status(s.Status)} · severity {TriageMarkup.Severity(s.Severity)} · "
        + $"assigned to {Markup.Escape(s.Assignee ?? "nobody")} · tags: {(s.Tags.Count == 0 ? "–" : TriageMarkup.Preview(string.Join(", ", s.Tags), 60))}";

    private static string Padded(string markup, string plain, int width) => markup + new string(' ', Math.Max(0, width - plain.Length));

    private CaseActions Actions() => session.Actions(environment.Time.GetUtcNow());

    /// <summary>Content that must be read before going on (statistics, an export's findings): in the pager, closed with a key.</summary>
    private void Page(Action<IAnsiConsole> draw, string closeWord) =>
        Pager.Show(console, Pager.Render(console, draw), 0, wait: true, closeWord, cancellation);

    private void Done(AuditRecord? record, string message) =>
        _status = record is null ? $"[grey]•[/] {message} Nothing to change." : Confirmations.Line(record, message);

    private void Refused(CommandFailedException e) => _status = $"[red]✗ {Markup.Escape(e.Message)}[/]";

    /// <summary>A menu: arrows and Enter pick a choice's value; Esc gives <paramref name="escape"/> (when not null).</summary>
    private string Choose(string title, string keys, IReadOnlyList<Choice> choices, string? escape)
    {
        var prompt = new SelectionPrompt<Choice>()
            .Title($"{title}\n{keys}")
            .PageSize(Math.Clamp(console.Profile.Height - 6, 5, 15))
            .WrapAround()
            .MoreChoicesText("[grey](more: ↑/↓)[/]")
            .UseConverter(c => c.Label)
            .AddChoices(choices);
        if (escape is not null)
        {
            prompt.AddCancelResult(new Choice("", escape));
        }

        return prompt.ShowAsync(console, cancellation).GetAwaiter().GetResult().Value;
    }

    /// <summary>A line typed at a prompt, trimmed; null when the reviewer pressed Esc.</summary>
    private string? Ask(string question) => LineInput.Read(console, question, cancellation);

    /// <summary>One menu line: its label (markup, already escaped) and the value it stands for.</summary>
    private sealed record Choice(string Label, string Value);
}

/// <summary>The console as is, except that a read with no input left becomes <see cref="EndOfInputException"/>.</summary>
internal sealed class KeyboardConsole(IAnsiConsole inner) : IAnsiConsole
{
    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input { get; } = new Keyboard(inner.Input);

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public void Clear(bool home) => inner.Clear(home);

    public void Write(IRenderable renderable) => inner.Write(renderable);

    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);

    /// <summary>System.Console and Spectre's TestConsole both throw InvalidOperationException when no key can come.</summary>
    private sealed class Keyboard(IAnsiConsoleInput input) : IAnsiConsoleInput
    {
        public bool IsKeyAvailable() => Guard(input.IsKeyAvailable);

        public ConsoleKeyInfo? ReadKey(bool intercept) => Guard(() => input.ReadKey(intercept));

        public async Task<ConsoleKeyInfo?> ReadKeyAsync(bool intercept, CancellationToken cancellationToken)
        {
            try
            {
                return await input.ReadKeyAsync(intercept, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                throw new EndOfInputException("No more input.", e);
            }
        }

        private static T Guard<T>(Func<T> read)
        {
            try
            {
                return read();
            }
            catch (InvalidOperationException e)
            {
                throw new EndOfInputException("No more input.", e);
            }
        }
    }
}
