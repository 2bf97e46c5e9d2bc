using System.Diagnostics;
using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Tests.Attachments;
using SafeIntake.Review.Console.Tests.Support;
using Xunit.Abstractions;

namespace SafeIntake.Review.Console.Tests.EndToEnd;

/// <summary>
/// <c>review</c> in a real pseudo-terminal: the built console runs inside a detached tmux session (its own server
/// and socket, none of the user's configuration), keys go in with <c>send-keys</c> and the screen comes back with
/// <c>capture-pane</c>. The vault is made in-process first; what review did is read back in-process after.
/// Set SAFEINTAKE_SCREENS to a folder to save the captured screens there (docs/reviewer/screens holds a copy).
/// </summary>
public sealed class ReviewTmuxTests(ITestOutputHelper output) : IDisposable
{
    private const string ReportText = "Two officers stopped me at the north gate of the market at about 9 pm and took my phone.";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TestHome _home = new();
    private readonly ExportBuilder _export = new();
    private readonly string _session = "review-" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose()
    {
        _export.Dispose();
        _home.Dispose();
    }

    [Fact]
    public void Review_InATerminal_ShowsTheMenuTriagesTheNextNewReportAndQuits()
    {
        var id = ImportReport();
        StartReview();
        try
        {
            var menu = WaitFor("What next?", "> Next new report (oldest first)", "Quit");
            Assert.Contains("1 new · 0 triaged · 0 investigating", menu, StringComparison.Ordinal);
            Keys("Enter");
            var report = WaitFor(ReportText, "What do you want to do?", "Back to the menu");
            Assert.Contains($"Report {id[..8]}", report, StringComparison.Ordinal);
            Keys("Enter");
            var statuses = WaitFor("→ triaged", "→ rejected");
            Assert.DoesNotContain("→ investigating", statuses, StringComparison.Ordinal);
            Keys("Enter");
            WaitFor($"✓ Report {id[..8]}: new → triaged.");
            Keys("Up");
            WaitFor("> Back to the menu");
            Keys("Enter");
            WaitFor("0 new · 1 triaged");
            Keys("Up");
            WaitFor("> Quit");
            Keys("Enter");
            Assert.Equal(ExitCodes.Ok, WaitForExit());
            WaitFor("Vault locked: your keys are wiped from memory.");
            Save("review-menu.txt", menu);
            Save("review-report.txt", report);
        }
        finally
        {
            KillSession();
        }

        var shown = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "show", id, "--json").Output)!;
        Assert.Equal("triaged", (string?)shown["summary"]!["status"]);
        _home.Expect(ExitCodes.Ok, "audit", "verify");
    }

    [Fact]
    public void Review_CtrlCAtAPromptInATerminal_QuitsWithExitZero()
    {
        ImportReport();
        StartReview();
        try
        {
            WaitFor("> Next new report (oldest first)");
            Keys("Enter");
            WaitFor(ReportText, "What do you want to do?");
            Keys("Down");
            Keys("Down");
            WaitFor("> Add tags…");
            Keys("Enter");
            WaitFor("Tags to add");
            Keys("C-c");
            Assert.Equal(ExitCodes.Ok, WaitForExit());
            WaitFor("Vault locked: your keys are wiped from memory.");
        }
        finally
        {
            KillSession();
        }
    }

    /// <summary>
    /// A long report at the sizes a reviewer meets: 80 × 24 (the pager first, then the menu under the report's header)
    /// and 120 × 40. The menu's items stand in the same rows before and after a tag is added; Esc gives up a prompt;
    /// the outbox is written from the menu. Every screen fits: the title line is always on it.
    /// </summary>
    [Theory]
    [InlineData(80, 24)]
    [InlineData(120, 40)]
    public void Review_LongReport_PagedStableMenuEscAndOutbox_AtTerminalSize(int columns, int lines)
    {
        var text = string.Join("\n", Enumerable.Range(1, 40).Select(i => $"Line {i}: what I saw at the north gate of the market."));
        var alice = _home.InitReviewer();
        _home.Expect(ExitCodes.Ok, "server", "trust", _export.ServerKeyBase64);
        _export.Add("report", Witness.Report(alice.EncryptionKey, text, null, [("gate.jpg", TestImages.JpegWithExif())]));
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root), "--no-outbox");
        var size = $"{columns}x{lines}";
        StartReview(columns, lines);
        try
        {
            var menu = WaitFor("What next?", "Write the outbox");
            Save($"review-{size}-menu.txt", menu);
            Keys("Enter");
            var page = WaitFor("Line 1:", "lines 1–", "q/Esc: actions");
            Assert.DoesNotContain("What do you want to do?", page, StringComparison.Ordinal);
            Save($"review-{size}-pager.txt", page);
            Keys("Space");
            WaitFor("Line 30:");
            Keys("q");
            var actions = WaitFor("What do you want to do?", "Back to the menu");
            Assert.Contains("SafeIntake review", actions, StringComparison.Ordinal);
            Assert.Contains("Remove a tag… (no tags yet)", actions, StringComparison.Ordinal);
            Save($"review-{size}-actions.txt", actions);
            var rows = MenuRows(actions);

            Keys("Down");
            Keys("Down");
            WaitFor("> Add tags…");
            Keys("Enter");
            WaitFor("Tags to add");
            Keys("police");
            Keys("Escape");
            WaitFor("Cancelled: nothing changed.", "What do you want to do?");
            Keys("Down");                                   // every menu opens at its first item
            Keys("Down");
            WaitFor("> Add tags…");
            Keys("Enter");
            WaitFor("Tags to add");
            Keys("police");
            Keys("Enter");
            var tagged = WaitFor("tagged: police.", "What do you want to do?", "tags: police");
            Assert.Equal(rows, MenuRows(tagged));
            Save($"review-{size}-tagged.txt", tagged);

            Keys("Escape");                                 // back to the menu
            WaitFor("What next?");
            for (var i = 0; i < 4; i++)
            {
                Keys("Down");
            }

            WaitFor("> Write the outbox");
            Keys("Enter");
            var written = WaitFor("acknowledges 1", "What next?");
            Assert.Contains("SafeIntake review", written, StringComparison.Ordinal);
            Keys("Up");
            WaitFor("> Quit");
            Keys("Enter");
            Assert.Equal(ExitCodes.Ok, WaitForExit());
        }
        finally
        {
            KillSession();
        }

        Assert.Single(Directory.GetFiles(_home.Path("outbox")));
        var shown = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "show", ((string?)JsonNode.Parse(_home.Expect(ExitCodes.Ok, "list", "--json").Output)![0]!["id"])!, "--json").Output)!;
        Assert.Equal(["police"], shown["summary"]!["tags"]!.AsArray().Select(t => (string?)t));
        _home.Expect(ExitCodes.Ok, "audit", "verify");
    }

    /// <summary>The report menu's items, in screen order, without the cursor: what must not move.</summary>
    private static List<string> MenuRows(string screen) =>
        screen.Split('\n').Select(l => l.TrimStart('>', ' ').Trim())
            .Where(l => l.EndsWith('…') || l.Contains("… (", StringComparison.Ordinal) || l is "Show the whole report" or "Next new report" or "Back to the menu")
            .Select(l => l.Replace(" (no tags yet)", "", StringComparison.Ordinal)).ToList();

    private string ImportReport()
    {
        var alice = _home.InitReviewer();
        _home.Expect(ExitCodes.Ok, "server", "trust", _export.ServerKeyBase64);
        _export.Report(alice, ReportText);
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));
        var list = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "list", "--json").Output)!.AsArray();
        return (string)Assert.Single(list)!["id"]!;
    }

    private string ExitFile => _home.Path("review.exit");

    /// <summary>
    /// The real console binary in a terminal of <paramref name="columns"/> × <paramref name="lines"/>. The script writes review's exit code to a file, and the pane
    /// stays after review exits, so its last screen can still be read.
    /// </summary>
    private void StartReview(int columns = 160, int lines = 50)
    {
        var configuration = _home.Path("tmux.conf");
        File.WriteAllText(configuration, "set -g remain-on-exit on\n");
        var script = _home.Path("review.sh");
        File.WriteAllText(script, $"""
            trap : INT
            export {ConsoleEnvironment.HomeVariable}='{_home.Root}'
            export {ConsoleEnvironment.PassphraseVariable}='{TestHome.Passphrase}'
            export LANG=C.UTF-8
            dotnet '{Path.Combine(AppContext.BaseDirectory, "safeintake-review.dll")}' review
            echo $? > '{ExitFile}'

            """);
        Tmux("-f", configuration, "new-session", "-d", "-s", _session, "-x", columns.ToString(System.Globalization.CultureInfo.InvariantCulture), "-y", lines.ToString(System.Globalization.CultureInfo.InvariantCulture), $"bash '{script}'");
    }

    private void Keys(string key) => Tmux("send-keys", "-t", _session, key);

    /// <summary>Polls the screen until it shows every text; returns that screen.</summary>
    private string WaitFor(params string[] texts)
    {
        var clock = Stopwatch.StartNew();
        var screen = "";
        while (clock.Elapsed < Patience)
        {
            screen = Tmux("capture-pane", "-p", "-t", _session);
            if (texts.All(t => screen.Contains(t, StringComparison.Ordinal)))
            {
                output.WriteLine($"--- screen with {string.Join(" / ", texts)}:\n{screen}");
                return screen;
            }

            Thread.Sleep(100);
        }

        Assert.Fail($"The screen did not show {string.Join(" / ", texts)} within {Patience.TotalSeconds} s. Last screen:\n{screen}");
        return screen;
    }

    private int WaitForExit()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (File.Exists(ExitFile) && File.ReadAllText(ExitFile).Trim() is { Length: > 0 } code)
            {
                return int.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
            }

            Thread.Sleep(100);
        }

        Assert.Fail($"review did not exit within {Patience.TotalSeconds} s.");
        return -1;
    }

    private void KillSession()
    {
        TryTmux("kill-session", "-t", _session);
        TryTmux("kill-server");
    }

    private static void Save(string name, string screen)
    {
        if (Environment.GetEnvironmentVariable("SAFEINTAKE_SCREENS") is { Length: > 0 } folder)
        {
            File.WriteAllText(Path.Combine(folder, name), screen.TrimEnd('\n') + "\n");
        }
    }

    private string Tmux(params string[] args)
    {
        var (code, stdout, stderr) = TryTmux(args);
        Assert.True(code == 0, $"tmux {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    private (int Code, string Stdout, string Stderr) TryTmux(params string[] args)
    {
        var start = new ProcessStartInfo(TmuxPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        // A server of its own, its socket in the test's home: nothing is shared with the user's tmux or another test.
        foreach (var arg in new[] { "-S", _home.Path("tmux.socket") }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), $"tmux {string.Join(' ', args)} did not finish");
        return (process.ExitCode, stdout, stderr.Result);
    }

    private static string TmuxPath
    {
        get
        {
            var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "tmux"))
                .Prepend("/usr/bin/tmux").FirstOrDefault(File.Exists);
            Assert.True(found is not null, "tmux is not installed: these tests drive review in a real terminal through tmux (apt-get install tmux; .ci/run installs it).");
            return found!;
        }
    }
}
