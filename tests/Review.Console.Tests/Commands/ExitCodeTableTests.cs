using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Commands;

/// <summary>
/// The exit code table (docs/reviewer/exit-codes.md) over every command: a wrong command line is 2 before any
/// passphrase, an empty home is 1 and says where it looked, a wrong passphrase is 3; errors only ever on standard
/// error (JSON objects with --json), standard output empty on failure.
/// </summary>
public sealed partial class ExitCodeTableTests : IDisposable
{
    private const string Id = "abcdef12";
    private const string Key = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";

    /// <summary>Every command with arguments that are valid on the command line (what the home holds decides the rest).</summary>
    private static readonly string[] CommandLines =
    [
        "keys init --id bob --name Bob --argon-fast", "keys show", "keys change-passphrase",
        "org init --name Org --argon-fast", "org add-reviewer bob.pub.json", "org remove-reviewer bob",
        "org sign-bundle --expires 90 --out bundle.json", "org rotate-key --argon-fast", "org show",
        $"server trust {Key}", "server show", $"bundle install bundle.json --org-key {Key}",
        "fetch --server http://127.0.0.1:9 --token-file token.txt --out export.bundle", "import export.bundle", "outbox write", "outbox list",
        "upload-outbox --server http://127.0.0.1:9 outbox.json", "review",
        "list", $"show {Id}", "stats", $"set-status {Id} triaged", $"set-severity {Id} high", $"tag {Id} police", $"untag {Id} police",
        $"assign {Id} me", $"note {Id} --text hello", $"link {Id} 123456", $"unlink {Id} 123456", $"merge-view {Id}",
        $"reply {Id} --text hello", $"export-case {Id} --to cases", "audit show", "audit verify", "search police",
        $"export-attachment {Id} --to files",
    ];

    public static TheoryData<string> Commands => new(CommandLines);

    /// <summary>The commands that unlock the reviewer's keyfile.</summary>
    public static readonly TheoryData<string> Unlocking =
    [
        "keys change-passphrase", "import export.bundle", "outbox write", "list", $"show {Id}", "stats", $"set-status {Id} triaged",
        $"tag {Id} police", $"note {Id} --text hello", $"reply {Id} --text hello", $"export-case {Id} --to cases", "audit verify",
        "search police",
    ];

    private readonly TestHome _home = new();

    public void Dispose() => _home.Dispose();

    private static readonly string[] Files = ["export.bundle", "cases", "files", "token.txt", "outbox.json", "bundle.json", "bob.pub.json"];

    /// <summary>Runs <paramref name="command"/> with its file names inside the home (the process's folder is shared by every test).</summary>
    private RunResult Run(string command, params string[] extra) =>
        _home.Run([.. command.Split(' ').Select(w => Files.Contains(w) ? _home.Path(w) : w), .. extra]);

    [Theory]
    [MemberData(nameof(Commands))]
    public void UnknownOption_IsUsage_OnStandardErrorOnly(string command)
    {
        var text = Run(command, "--no-such-option");
        Assert.True(text.ExitCode == ExitCodes.Usage, text.ToString());
        Assert.Equal("", text.Output.Trim());
        Assert.Contains("no-such-option", text.Errors, StringComparison.Ordinal);

        var json = Run(command, "--no-such-option", "--json");
        Assert.True(json.ExitCode == ExitCodes.Usage, json.ToString());
        Assert.Equal("", json.Output.Trim());
        var error = AssertJsonLines(json.Errors).Single(l => l["error"] is not null)["error"]!;
        Assert.Equal(ExitCodes.Usage, (int)error["exitCode"]!);
        Assert.Equal("usage", (string?)error["kind"]);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void EmptyHome_IsRefused_SaysWhereItLooked_AndAsksNothing(string command)
    {
        if (command.StartsWith("keys init", StringComparison.Ordinal) || command.StartsWith("org init", StringComparison.Ordinal)
            || command.StartsWith("server trust", StringComparison.Ordinal) || command == "outbox list")
        {
            // These create the home's first files, or list what is there (nothing): they succeed here.
            Assert.Equal(ExitCodes.Ok, Run(command).ExitCode);
            return;
        }

        if (command == "review")
        {
            // The interactive review refuses first when there is no terminal (usage): it never reaches the home.
            Assert.Equal(ExitCodes.Usage, Run(command).ExitCode);
            return;
        }

        // No passphrase anywhere: a prompt would fail as usage, so exit 1 proves nothing was asked.
        _home.Variables.Remove(ConsoleEnvironment.PassphraseVariable);
        var result = Run(command);
        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Equal("", result.Output.Trim());
        Assert.StartsWith("Error: ", result.Errors, StringComparison.Ordinal);
        if (result.Errors.Contains("reviewer identity", StringComparison.Ordinal))
        {
            Assert.Contains(_home.Root, result.Errors, StringComparison.Ordinal);
            Assert.Contains("--home", result.Errors, StringComparison.Ordinal);
            Assert.Contains("SAFEINTAKE_HOME", result.Errors, StringComparison.Ordinal);
            Assert.True(result.Errors.IndexOf("--home", StringComparison.Ordinal) < result.Errors.IndexOf("keys init", StringComparison.Ordinal));
        }

        var json = Run(command, "--json");
        Assert.Equal(ExitCodes.Failure, json.ExitCode);
        Assert.Equal("", json.Output.Trim());
        Assert.Equal(ExitCodes.Failure, (int)AssertJsonLines(json.Errors).Single()["error"]!["exitCode"]!);
    }

    [Theory]
    [MemberData(nameof(Unlocking))]
    public void WrongPassphrase_IsLocked(string command)
    {
        _home.InitReviewer();
        _home.Expect(ExitCodes.Ok, "server", "trust", Key);
        File.WriteAllText(_home.Path("export.bundle"), "not a bundle");
        Directory.CreateDirectory(_home.Path("cases"));
        Directory.CreateDirectory(_home.Path("files"));
        _home.Variables[ConsoleEnvironment.PassphraseVariable] = "not the passphrase at all";
        _home.Variables[ConsoleEnvironment.NewPassphraseVariable] = "another long passphrase here";

        var result = Run(command);

        Assert.True(result.ExitCode == ExitCodes.Locked, result.ToString());
        Assert.Contains("passphrase", result.Errors, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("passphrase", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A bad value costs no passphrase: with a wrong one set, the answer is still 2 (usage), not 3.</summary>
    [Theory]
    [InlineData("list --since yesterday")]
    [InlineData("list --until 2026-13-01")]
    [InlineData("list --status done")]
    [InlineData("list --sort random")]
    [InlineData("list --kind memo")]
    [InlineData("list --limit 0")]
    [InlineData("list --tag <b>")]
    [InlineData($"set-severity {Id} hgih")]
    [InlineData($"set-status {Id} finished")]
    [InlineData($"set-status {Id} rejected")]
    [InlineData($"tag {Id} <script>")]
    [InlineData("show 0bd16")]
    [InlineData("export-attachment xyz123 --to files")]
    [InlineData($"link {Id} nothex")]
    [InlineData("audit show --case 12")]
    public void BadValue_IsUsage_BeforeThePassphrase(string command)
    {
        _home.InitReviewer();
        _home.Variables[ConsoleEnvironment.PassphraseVariable] = "not the passphrase at all";

        var result = Run(command);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.DoesNotContain("passphrase", result.Errors, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void EveryCommandInTheHelp_IsInTheTable()
    {
        var tested = CommandLines.Select(c => string.Join(' ', c.Split(' ').TakeWhile(w => !w.StartsWith('-') && w != Id && w != Key).Take(2))).ToHashSet();
        var listed = new List<string>();
        foreach (var name in HelpCommands(_home.Run("--help").Output))
        {
            var sub = HelpCommands(_home.Run(name, "--help").Output).ToList();
            listed.AddRange(sub.Count == 0 || name is "review" ? [name] : sub.Select(s => $"{name} {s}"));
        }

        Assert.NotEmpty(listed);
        Assert.All(listed, name => Assert.True(tested.Any(t => t == name || t.StartsWith(name + " ", StringComparison.Ordinal)), $"{name} is not in the table"));
    }

    [Fact]
    public void TheDocumentedTable_HasEveryCode()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "reviewer", "exit-codes.md"));
        foreach (var code in ExitCodes.All)
        {
            Assert.Matches(new Regex($@"^\| {code} \|", RegexOptions.Multiline), doc);
        }
    }

    [Fact]
    public void Version_PrintsTheVersion()
    {
        var result = _home.Expect(ExitCodes.Ok, "--version");
        Assert.Matches(@"^\d+\.\d+\.\d+", result.Output.Trim());
    }

    private static List<JsonObject> AssertJsonLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        return lines.Select(l => Assert.IsType<JsonObject>(JsonNode.Parse(l))).ToList();
    }

    /// <summary>The command names under COMMANDS: in a help text.</summary>
    private static IEnumerable<string> HelpCommands(string help)
    {
        var inCommands = false;
        foreach (var line in help.Split('\n'))
        {
            if (line.StartsWith("COMMANDS:", StringComparison.Ordinal))
            {
                inCommands = true;
            }
            else if (inCommands && CommandLine().Match(line) is { Success: true } m)
            {
                yield return m.Groups[1].Value;
            }
            else if (inCommands && line.Trim().Length == 0)
            {
                yield break;
            }
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SafeIntake.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("SafeIntake.sln not found above the test folder.");
    }

    [GeneratedRegex(@"^\s{4}([a-z][a-z-]*)\b")]
    private static partial Regex CommandLine();
}
