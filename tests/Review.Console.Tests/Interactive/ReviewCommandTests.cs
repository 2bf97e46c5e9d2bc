using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Tests.Support;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace SafeIntake.Review.Console.Tests.Interactive;

/// <summary>
/// <c>review</c> driven through Program.Run with an interactive TestConsole whose keyboard plays a script. Menus open
/// with their first choice selected and wrap around, so ↑ from the top reaches the last choice ("Quit", "Back").
/// Main menu: Next new report, Inbox, Search, Statistics, Write the outbox, Quit. Report menu, always in this order
/// (an action that does not apply stays in its place): Set status, Set severity, Add tags, Remove a tag, Assign,
/// Add an internal note, Link, Reply, Export the files, Show the whole report, Next new report, Back to the menu.
/// </summary>
public sealed class ReviewCommandTests : IDisposable
{
    private const string OldestText = "Two officers stopped me at the north gate and took my phone";
    private const string NewerText = "The clinic turned us away after the march";
    private readonly TestHome _home = new();
    private readonly ExportBuilder _export = new();
    private readonly ITestOutputHelper _output;
    private readonly ReviewerKeys _alice;

    public ReviewCommandTests(ITestOutputHelper output)
    {
        _output = output;
        _alice = _home.InitReviewer();
        _home.Expect(ExitCodes.Ok, "server", "trust", _export.ServerKeyBase64);
    }

    public void Dispose()
    {
        _export.Dispose();
        _home.Dispose();
    }

    [Fact]
    public void Review_NextNewReport_TriagedWithSeverityTagAndNote_VaultAndAuditLogShowIt()
    {
        var (oldest, newer) = ImportTwoReports();

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);                 // Next new report: the oldest
            Pick(keys, 0);                                  // Set status…
            Pick(keys, 0);                                  // → triaged
            Pick(keys, 1);                                  // Set severity…
            Pick(keys, 2);                                  // low, medium, high
            Pick(keys, 2);                                  // Add tags…
            keys.PushTextWithEnter("police");
            Pick(keys, 5);                                  // Add an internal note… (in its place, tags or none)
            Pick(keys, 0);                                  // Type a short note here
            keys.PushTextWithEnter("Called the clinic; they confirm the date.");
            Last(keys);                                     // Back to the menu
            Last(keys);                                     // Quit
        });

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains(OldestText, result.Output, StringComparison.Ordinal);
        Assert.Contains($"Report {oldest[..8]}: new → triaged.", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Report {oldest[..8]}: severity high.", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Report {oldest[..8]} tagged: police.", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Note added to report {oldest[..8]} (internal: never sent).", result.Output, StringComparison.Ordinal);
        Assert.Contains("Vault locked", result.Output, StringComparison.Ordinal);

        var shown = Show(oldest);
        Assert.Equal("triaged", (string?)shown["summary"]!["status"]);
        Assert.Equal("high", (string?)shown["summary"]!["severity"]);
        Assert.Equal(["police"], shown["summary"]!["tags"]!.AsArray().Select(t => (string?)t));
        Assert.Equal("Called the clinic; they confirm the date.", (string?)Assert.Single(shown["notes"]!.AsArray())!["text"]);
        Assert.Equal(4, shown["history"]!.AsArray().Count);
        Assert.Equal("new", (string?)Show(newer)["summary"]!["status"]);
        _home.Expect(ExitCodes.Ok, "audit", "verify");
    }

    [Fact]
    public void Review_NoteInTheEditor_IsSavedWithoutTheDraftsComments()
    {
        var (oldest, _) = ImportTwoReports();
        _home.Variables["VISUAL"] = "test-editor";
        _home.RunEditor = (editor, path) =>
        {
            Assert.Equal("test-editor", editor);
            File.WriteAllText(path, "A longer note,\non two lines.\n" + File.ReadAllText(path));
            return 0;
        };

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);
            Pick(keys, 5);                                  // Add an internal note…
            Pick(keys, 1);                                  // Open the editor
            Last(keys);
            Last(keys);
        });

        Assert.Contains($"Note added to report {oldest[..8]}", result.Output, StringComparison.Ordinal);
        Assert.Equal("A longer note,\non two lines.", (string?)Assert.Single(Show(oldest)["notes"]!.AsArray())!["text"]);
        Assert.Empty(Directory.GetFiles(_home.Path("drafts")));
    }

    [Fact]
    public void Review_SetStatusOnNewReport_OffersOnlyTheMovesTheWorkflowAllows()
    {
        var (oldest, _) = ImportTwoReports();

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);                 // Next new report
            Pick(keys, 0);                                  // Set status…
            keys.PushKey(ConsoleKey.Escape);                // back to the report's menu
            keys.PushKey(ConsoleKey.Escape);                // back to the main menu
            Last(keys);                                     // Quit
        });

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("→ triaged", result.Output, StringComparison.Ordinal);
        Assert.Contains("→ rejected (asks for a reason)", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("→ investigating", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("→ closed", result.Output, StringComparison.Ordinal);
        Assert.Equal("new", (string?)Show(oldest)["summary"]!["status"]);
    }

    [Fact]
    public void Review_Reject_AsksForTheReasonAndKeepsIt()
    {
        var (oldest, _) = ImportTwoReports();

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);
            Pick(keys, 0);                                  // Set status…
            Pick(keys, 1);                                  // → rejected
            keys.PushTextWithEnter("spam: same text as another report");
            Last(keys);
            Last(keys);
        });

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("Why is it rejected?", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Report {oldest[..8]}: new → rejected.", result.Output, StringComparison.Ordinal);
        var shown = Show(oldest);
        Assert.Equal("rejected", (string?)shown["summary"]!["status"]);
        Assert.Equal("spam: same text as another report", (string?)shown["statusReason"]);
    }

    [Fact]
    public void Review_RefusedAction_IsShownAndTheLoopGoesOn()
    {
        var (oldest, _) = ImportTwoReports();

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);
            Pick(keys, 2);                                  // Add tags…
            keys.PushTextWithEnter("police");
            Pick(keys, 2);                                  // Add tags… again, the same tag
            keys.PushTextWithEnter("police");
            Pick(keys, 1);                                  // Set severity… still works after the refusal
            Pick(keys, 3);                                  // critical
            Last(keys);
            Last(keys);
        });

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("The report has those tags already. Nothing to change.", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Report {oldest[..8]}: severity critical.", result.Output, StringComparison.Ordinal);
        var shown = Show(oldest);
        Assert.Equal("critical", (string?)shown["summary"]!["severity"]);
        Assert.Single(shown["summary"]!["tags"]!.AsArray());
        _home.Expect(ExitCodes.Ok, "audit", "verify");
    }

    [Fact]
    public void Review_NextNewReportFromAReport_OpensTheFollowingOne()
    {
        ImportTwoReports();

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);                 // the oldest
            keys.PushKey(ConsoleKey.UpArrow);               // Back to the menu …
            keys.PushKey(ConsoleKey.UpArrow);               // … Next new report
            keys.PushKey(ConsoleKey.Enter);
            Last(keys);
            Last(keys);
        });

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.True(result.Output.IndexOf(OldestText, StringComparison.Ordinal) < result.Output.IndexOf(NewerText, StringComparison.Ordinal), result.Output);
    }

    [Fact]
    public void Review_InboxAndSearch_ListReportsAndOpenThePickedOne()
    {
        var (_, newer) = ImportTwoReports();

        var result = Review(keys =>
        {
            Pick(keys, 1);                                  // Inbox
            keys.PushKey(ConsoleKey.Escape);                // back without opening
            Pick(keys, 2);                                  // Search
            keys.PushTextWithEnter("clinic");
            keys.PushKey(ConsoleKey.Enter);                 // the one found
            Last(keys);
            Last(keys);
        });

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("Open reports, newest first", result.Output, StringComparison.Ordinal);
        Assert.Contains("Reports holding \"clinic\"", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Report {newer[..8]}", result.Output, StringComparison.Ordinal);
        Assert.Contains(NewerText, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_ReplyWithoutAnInstalledBundle_IsRefusedAndTheLoopGoesOn()
    {
        _export.Report(_alice, "Please write back to me", Witness.Codename());
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);
            Pick(keys, 7);                                  // Reply to the witness…
            Last(keys);
            Last(keys);
        });

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("Replies need the organisation's reviewer bundle", result.Output, StringComparison.Ordinal);
        Assert.Equal(0, (int)JsonNode.Parse(_home.Expect(ExitCodes.Ok, "stats", "--json").Output)!["queuedReplies"]!);
    }

    [Fact]
    public void Review_InputEnds_QuitsCleanly()
    {
        ImportTwoReports();

        var result = Review(keys => keys.PushKey(ConsoleKey.Enter));

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains(OldestText, result.Output, StringComparison.Ordinal);
        Assert.Contains("Vault locked", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_CtrlC_QuitsCleanly()
    {
        ImportTwoReports();
        _home.OnInterrupt = interrupt =>
        {
            interrupt();
            return new Unregistered();
        };

        var result = Review(keys => keys.PushKey(ConsoleKey.Enter));

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.DoesNotContain(OldestText, result.Output, StringComparison.Ordinal);
        Assert.Contains("Vault locked", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_NotATerminal_RefusesWithUsageError()
    {
        ImportTwoReports();

        var result = _home.Run("review");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("review needs a terminal", result.Errors, StringComparison.Ordinal);
        Assert.Contains("list, show, set-status", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_EscAtATextPrompt_CancelsAndChangesNothing()
    {
        var (oldest, _) = ImportTwoReports();

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);
            Pick(keys, 2);                                  // Add tags…
            keys.PushText("police");
            keys.PushKey(ConsoleKey.Escape);                // gives the prompt up, typed text and all
            Pick(keys, 6);                                  // Link to another report…
            keys.PushText("0bd1");
            keys.PushKey(ConsoleKey.Escape);
            Last(keys);
            Last(keys);
        });

        Assert.Contains("Cancelled: nothing changed.", result.Output, StringComparison.Ordinal);
        var shown = Show(oldest);
        Assert.Empty(shown["summary"]!["tags"]!.AsArray());
        Assert.Empty(shown["linked"]!.AsArray());
        Assert.Empty(shown["history"]!.AsArray());
    }

    [Fact]
    public void Review_BackspaceAtATextPrompt_RemovesWholeCharacters()
    {
        var (oldest, _) = ImportTwoReports();

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);
            Pick(keys, 2);                                  // Add tags…
            PushCharacters(keys, "警察x");
            keys.PushKey(ConsoleKey.Backspace);             // x: one cell
            keys.PushKey(ConsoleKey.Backspace);             // 察: two cells
            PushCharacters(keys, "察局");
            keys.PushKey(ConsoleKey.Enter);
            Last(keys);
            Last(keys);
        });

        Assert.Equal(["警察局"], Show(oldest)["summary"]!["tags"]!.AsArray().Select(t => (string?)t));
        Assert.Contains("x\b \b\b \b\b \b察局", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_ReportMenu_KeepsEveryActionInItsPlace_AndSaysWhyOneDoesNotApply()
    {
        var (oldest, _) = ImportTwoReports();

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);
            Pick(keys, 3);                                  // Remove a tag…, with no tag yet
            Pick(keys, 8);                                  // Export the files…, with no file
            Pick(keys, 2);                                  // Add tags…
            keys.PushTextWithEnter("police");
            Pick(keys, 3);                                  // Remove a tag…: now one
            Pick(keys, 0);                                  // police
            Last(keys);
            Last(keys);
        });

        Assert.Contains($"Report {oldest[..8]} has no tags to remove.", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Report {oldest[..8]} has no files to export.", result.Output, StringComparison.Ordinal);
        Assert.Contains("Remove a tag… (no tags yet)", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Report {oldest[..8]} tagged: police.", result.Output, StringComparison.Ordinal);
        Assert.Empty(Show(oldest)["summary"]!["tags"]!.AsArray());
        Assert.Equal(2, Show(oldest)["history"]!.AsArray().Count);
    }

    [Fact]
    public void Review_WriteTheOutbox_WritesOneSignedOutbox_ThenSaysThePendingOneCarriesEverything()
    {
        _export.Report(_alice, OldestText);
        _export.Report(_alice, NewerText);
        // Imported without the outbox import would write: review's action writes it.
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root), "--no-outbox");
        var outbox = _home.Path("outbox");

        var result = Review(keys =>
        {
            Pick(keys, 4);                                  // Write the outbox
            Pick(keys, 4);                                  // again: nothing new to carry
            Last(keys);
        });

        Assert.Contains("acknowledges 2 envelope(s) and carries 0 replies", result.Output, StringComparison.Ordinal);
        var written = Assert.Single(Directory.GetFiles(outbox));
        Assert.Contains($"Nothing new to send: {written} (not uploaded yet) carries", result.Output.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var listed = _home.Expect(ExitCodes.Ok, "outbox", "list", "--json").Output;
        Assert.Contains(Path.GetFileName(written), listed, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_ExportTheFiles_DecryptsTheChosenFileIntoTheFolderAndAuditsIt()
    {
        var photo = System.Security.Cryptography.RandomNumberGenerator.GetBytes(70_000);
        _export.Add("report", Witness.Report(_alice.EncryptionKey, OldestText, null, [("gate.bin", photo), ("second.bin", [1, 2, 3])]));
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));
        var folder = _home.Path("exported");
        Directory.CreateDirectory(folder);

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);
            Pick(keys, 8);                                  // Export the files…
            Pick(keys, 1);                                  // 1. gate.bin (after "Every file (2)")
            keys.PushTextWithEnter(_home.Path("missing"));  // not a folder: refused, nothing written
            Pick(keys, 8);
            Pick(keys, 1);
            keys.PushTextWithEnter(folder);
            keys.PushKey(ConsoleKey.Enter);                 // closes the findings
            Last(keys);
            Last(keys);
        });

        Assert.Contains("is not an existing folder", result.Output, StringComparison.Ordinal);
        Assert.Contains($"1 file of report", result.Output, StringComparison.Ordinal);
        var written = Assert.Single(Directory.GetFiles(folder));
        Assert.Equal(photo, File.ReadAllBytes(written));
        Assert.False(Directory.Exists(_home.Path("missing")));
        var audit = _home.Expect(ExitCodes.Ok, "audit", "show", "--json").Output;
        Assert.Contains("export-attachment", audit, StringComparison.Ordinal);
        _home.Expect(ExitCodes.Ok, "audit", "verify");
    }

    [Fact]
    public void Review_ExportMenu_ShowsAHostileFileNameWithoutItsTerminalEscapes()
    {
        const string hostile = "\u001b]0;pwned\u0007\u001b[2Jgate\u202ejpg.exe";
        _export.Add("report", Witness.Report(_alice.EncryptionKey, OldestText, null, [(hostile, [1, 2, 3])]));
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);
            Pick(keys, 8);                                  // Export the files…
            keys.PushKey(ConsoleKey.Escape);                // the list was shown; leave it
            Last(keys);
            Last(keys);
        });

        Assert.Contains("Export which file of report", result.Output, StringComparison.Ordinal);
        Assert.Contains("gate", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b]0;pwned", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[2Jgate", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202e", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_LongReportOnASmallTerminal_OpensInThePagerAndTheMenuFollows()
    {
        var text = string.Join("\n", Enumerable.Range(1, 60).Select(i => $"Line {i} of what happened at the gate."));
        _export.Report(_alice, text);
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));
        _home.Height = 24;
        _home.Width = 80;

        var result = Review(keys =>
        {
            keys.PushKey(ConsoleKey.Enter);
            keys.PushKey(ConsoleKey.Spacebar);              // next page
            keys.PushKey(ConsoleKey.Q);                     // to the actions
            Pick(keys, 9);                                  // Show the whole report: the pager again
            keys.PushKey(ConsoleKey.Escape);
            Last(keys);
            Last(keys);
        });

        Assert.Equal(2, CountOf("lines 1–23 of", result.Output));
        Assert.Contains("lines 24–46 of", result.Output, StringComparison.Ordinal);
        Assert.Contains("Line 30 of what happened", result.Output, StringComparison.Ordinal);
        Assert.Contains("What do you want to do?", result.Output, StringComparison.Ordinal);
    }

    /// <summary>Text as a terminal delivers characters that have no key of their own (TestConsoleInput.PushText takes ASCII only).</summary>
    private static void PushCharacters(TestConsoleInput keys, string text)
    {
        foreach (var c in text)
        {
            keys.PushKey(new ConsoleKeyInfo(c, c < 128 ? (ConsoleKey)char.ToUpperInvariant(c) : 0, shift: false, alt: false, control: false));
        }
    }

    private static int CountOf(string text, string output)
    {
        var count = 0;
        for (var at = output.IndexOf(text, StringComparison.Ordinal); at >= 0; at = output.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private RunResult Review(Action<TestConsoleInput> keys)
    {
        var result = _home.RunWithKeys(keys, "review");
        _output.WriteLine(result.Output);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        return result;
    }

    /// <summary>Moves down <paramref name="downs"/> times from the first choice and presses Enter.</summary>
    private static void Pick(TestConsoleInput keys, int downs)
    {
        for (var i = 0; i < downs; i++)
        {
            keys.PushKey(ConsoleKey.DownArrow);
        }

        keys.PushKey(ConsoleKey.Enter);
    }

    /// <summary>The last choice of a menu: "Quit" or "Back to the menu".</summary>
    private static void Last(TestConsoleInput keys)
    {
        keys.PushKey(ConsoleKey.UpArrow);
        keys.PushKey(ConsoleKey.Enter);
    }

    private (string Oldest, string Newer) ImportTwoReports()
    {
        _export.Report(_alice, OldestText);
        _export.Report(_alice, NewerText);
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));
        var list = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "list", "--sort", "oldest", "--json").Output)!.AsArray();
        return ((string)list[0]!["id"]!, (string)list[1]!["id"]!);
    }

    private JsonNode Show(string id) => JsonNode.Parse(_home.Expect(ExitCodes.Ok, "show", id, "--json").Output)!;

    private sealed class Unregistered : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
