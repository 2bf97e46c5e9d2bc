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

/// <summary>The menus of <c>review</c>, over one unlocked session.</summary>
internal sealed class ReviewLoop(IAnsiConsole console, ConsoleEnvironment environment, VaultSession session, CancellationToken cancellation)
{
    private const string MenuKeys = "[grey]↑/↓ move · Enter choose · Ctrl+C quit[/]";
    private const string SubmenuKeys = "[grey]↑/↓ move · Enter choose · Esc back · Ctrl+C quit[/]";
    private const string Back = "back";
    private const string Menu = "menu";
    private const string NextNew = "next-new";
    private static readonly Choice BackChoice = new("‹ Back", Back);

    private VaultStore Vault => session.Vault;

    public void Run()
    {
        console.Write(new Rule($"[bold]SafeIntake review[/] — unlocked for {Markup.Escape(session.Reviewer.Id)}").LeftJustified());
        while (true)
        {
            console.MarkupLine(Summary());
            var choice = Choose("[bold]What next?[/]", MenuKeys,
            [
                new("Next new report (oldest first)", NextNew),
                new("Inbox (pick from a list)", "inbox"),
                new("Search", "search"),
                new("Statistics", "stats"),
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
                        StatsCommand.Render(console, CaseQuery.Stats(Vault));
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
            "type" => AskText("Reply [grey](Enter continues; empty to go back)[/]:"),
            "editor" => TextInput.FromEditor(environment, replySession.Home, "reply",
                $"Reply to the witness of report {reportId[..8]}. Only the witness (with their codename) and your team can read it."),
            _ => "",
        };
        if (text.Trim().Length == 0)
        {
            return;
        }

        console.Write(new Panel(new Markup(TriageMarkup.Block(text.Trim()))).Header(" Your reply ").Expand());
        var send = Choose("Seal, sign and queue this reply for the next outbox?", SubmenuKeys,
            [new("Yes, queue it", "yes"), new("No, discard it", "no")], escape: "no");
        if (send != "yes")
        {
            console.MarkupLine("[grey]Discarded: nothing was queued.[/]");
            return;
        }

        var queued = Replies.Queue(replySession, reportId, text, environment.Time.GetUtcNow());
        Done(queued.Record, $"Reply to report {reportId[..8]} sealed, signed and queued: run [bold]outbox write[/] (or import) to put it in an outbox.");
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
                console.MarkupLine(afterSequence == 0 ? "[green]No new reports:[/] every report has been looked at." : "[green]No other new report.[/]");
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
        var words = AskText("Words to search for [grey](a report must hold every word; empty to go back)[/]:");
        if (words.Length > 0)
        {
            Pick($"Reports holding \"{TriageMarkup.Preview(words, 60)}\", newest first", new CaseFilter { Text = words, Limit = 50 });
        }
    }

    private void Pick(string title, CaseFilter filter)
    {
        var result = CaseQuery.List(Vault, filter);
        if (result.Items.Count == 0)
        {
            console.MarkupLine("Nothing found.");
            return;
        }

        var shown = result.Total > result.Items.Count ? $"{result.Items.Count} of {result.Total}" : $"{result.Total}";
        var choices = result.Items.Select(c => new Choice(
            $"{c.Id[..8]}  {c.ReceivedDay:yyyy-MM-dd}  {Padded(TriageMarkup.Status(c.Status), c.Status, 13)}  "
            + $"{Padded(TriageMarkup.Severity(c.Severity), c.Severity ?? "–", 8)}  {TriageMarkup.Preview(c.What ?? c.Text, 50)}", c.Id));
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

    /// <summary>Shows a report and its action menu until the reviewer leaves it; says where to go next.</summary>
    private (string Next, long Sequence) Open(string id)
    {
        var detail = CaseQuery.Show(Vault, id);
        ShowCommand.Render(console, detail);
        while (true)
        {
            var s = detail.Summary;
            var actions = new List<Choice>
            {
                new("Set status…", "status"),
                new("Set severity…", "severity"),
                new("Add tags…", "tag"),
            };
            if (s.Tags.Count > 0)
            {
                actions.Add(new("Remove a tag…", "untag"));
            }

            actions.AddRange([new("Assign…", "assign"), new("Add an internal note…", "note"), new("Link to another report…", "link")]);
            if (detail.CanReply)
            {
                actions.Add(new("Reply to the witness…", "reply"));
            }

            actions.AddRange([new("Show the report again", "show"), new("Next new report", NextNew), new("Back to the menu", Menu)]);
            var choice = Choose(Header(s) + "\n[bold]What do you want to do?[/]", SubmenuKeys, actions, escape: Menu);
            if (choice is NextNew or Menu)
            {
                return (choice, s.Sequence);
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
            if (choice == "show")
            {
                ShowCommand.Render(console, detail);
            }
        }
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
                var tags = AskText("Tags to add, separated by commas [grey](letters, digits, spaces, - or _; empty to go back)[/]:");
                if (tags.Length > 0)
                {
                    var record = Actions().Tag(s.Id, tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), remove: false);
                    Done(record, record is null ? "The report has those tags already." : Confirmations.Tagged(record));
                }

                break;
            case "untag":
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
                var other = AskText("The other report's id [grey](its first 6 or more hex digits, as the inbox shows them; empty to go back)[/]:");
                if (other.Length > 0)
                {
                    var record = Actions().Link(s.Id, other, remove: false);
                    Done(record, Confirmations.Linked(record));
                }

                break;
            case "reply":
                ReplyAction(session, s.Id);
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
            reason = AskText("Why is it rejected? [grey](kept in this vault and the audit log, never sent; empty to go back)[/]:");
            if (reason.Length == 0)
            {
                console.MarkupLine("[yellow]Not rejected:[/] a rejection needs a reason.");
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
            "type" => AskText("Note [grey](Enter saves it; empty to go back)[/]:"),
            "editor" => TextInput.FromEditor(environment, session.Home, "note",
                $"Internal note on report {s.Id[..8]}. It stays in your vault and is never sent to the witness or the server."),
            _ => "",
        };
        if (text.Trim().Length > 0)
        {
            var record = Actions().AddNote(s.Id, text);
            Done(record, Confirmations.Note(record));
        }
    }

    private static string Header(CaseSummary s) =>
        $"[bold]Report {s.Id[..8]}[/] · {TriageMarkup.Status(s.Status)} · severity {TriageMarkup.Severity(s.Severity)} · "
        + $"assigned to {Markup.Escape(s.Assignee ?? "nobody")} · tags: {(s.Tags.Count == 0 ? "–" : TriageMarkup.Preview(string.Join(", ", s.Tags), 60))}";

    private static string Padded(string markup, string plain, int width) => markup + new string(' ', Math.Max(0, width - plain.Length));

    private CaseActions Actions() => session.Actions(environment.Time.GetUtcNow());

    private void Done(AuditRecord? record, string message) =>
        console.MarkupLine(record is null ? $"[grey]•[/] {message} Nothing to change." : Confirmations.Line(record, message));

    private void Refused(CommandFailedException e) => console.MarkupLine($"[red]✗ {Markup.Escape(e.Message)}[/]");

    /// <summary>A menu: arrows and Enter pick a choice's value; Esc gives <paramref name="escape"/> (when not null).</summary>
    private string Choose(string title, string keys, IReadOnlyList<Choice> choices, string? escape)
    {
        var prompt = new SelectionPrompt<Choice>()
            .Title($"{title}\n{keys}")
            .PageSize(15)
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

    private string AskText(string question) =>
        new TextPrompt<string>(question).AllowEmpty().ShowAsync(console, cancellation).GetAwaiter().GetResult().Trim();

    /// <summary>One menu line: its label (markup, already escaped) and the value it stands for.</summary>
    private sealed record Choice(string Label, string Value);
}

/// <summary>The keyboard ran out (input closed, or a test's keys are all used): <c>review</c> quits as on Quit.</summary>
internal sealed class EndOfInputException : Exception
{
    public EndOfInputException()
    {
    }

    public EndOfInputException(string message) : base(message)
    {
    }

    public EndOfInputException(string message, Exception innerException) : base(message, innerException)
    {
    }
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
