using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Tests.Support;
using Xunit.Abstractions;

namespace SafeIntake.Review.Console.Tests.EndToEnd;

/// <summary>
/// The guides work as written (issue 15, item 9). Every <c>sh</c> block in docs/reviewer/ and docs/admin/ says, in
/// the HTML comment above it, which test runs it or why none can; the first test holds the guides to that, so a new
/// block cannot go untested unnoticed. The second runs the reviewer's blocks as a reviewer would paste them, against
/// the real demo server (a process) and the built console: the demo walk-through of README §0, the triage guide's
/// commands (placeholder ids and the guide's paths mapped to this run's), the monitoring check, the organisation's
/// first bundle. Only what cannot run here is stood in for, by scripts first on PATH: <c>dotnet run --project …</c>
/// runs the build of that project (as dotnet run would, without rebuilding), <c>safeintake-review</c> the built
/// console, <c>$EDITOR</c> a script that writes the text a reviewer would type.
/// </summary>
public sealed partial class DocsExecutionTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The blocks <see cref="ReviewerGuides_RunAsWritten_DoWhatTheySay"/> runs, by file and position among its sh blocks.</summary>
    private static readonly (string File, int Block)[] RunHere =
    [
        ("docs/reviewer/README.md", 0), ("docs/reviewer/README.md", 2),
        ("docs/reviewer/triage.md", 1), ("docs/reviewer/triage.md", 2), ("docs/reviewer/triage.md", 3), ("docs/reviewer/triage.md", 4),
        ("docs/reviewer/triage.md", 5), ("docs/reviewer/triage.md", 6),
        ("docs/admin/monitoring.md", 0),
    ];

    private readonly string _root = Directory.CreateTempSubdirectory("safeintake-docs-").FullName;
    private readonly int _port = E2EHost.FreePort();
    private Process? _server;

    private string Web => Path.Combine(_root, "src", "Intake.Web");
    private string Demo => Path.Combine(Web, "safeintake-demo");
    private string Bin => Path.Combine(_root, "bin");
    private Uri Server => new($"http://127.0.0.1:{_port}");

    public void Dispose()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            _server.WaitForExit(10_000);
        }

        _server?.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void EveryShellBlockInTheGuides_IsRunByATest_OrSaysWhyNot()
    {
        var blocks = GuideBlocks();
        Assert.True(blocks.Count >= 30, $"only {blocks.Count} sh blocks found in docs/reviewer and docs/admin: is the parser broken?");
        var problems = new List<string>();
        var testTypes = typeof(DocsExecutionTests).Assembly.GetTypes().Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var b in blocks)
        {
            var where = $"{b.File} sh block {b.Index + 1} ({b.Body.Split('\n')[0].Trim()})";
            if (b.Marker is not { } marker)
            {
                problems.Add($"{where}: no <!-- docs-test: run by <Test> --> or <!-- docs-test: not run: <why> --> above it");
            }
            else if (RunBy().Match(marker) is { Success: true } run)
            {
                var test = run.Groups[1].Value;
                if (!testTypes.Contains(test))
                {
                    problems.Add($"{where}: says it is run by {test}, and there is no such test");
                }
                else if (test == nameof(DocsExecutionTests) && !RunHere.Contains((b.File, b.Index)))
                {
                    problems.Add($"{where}: says DocsExecutionTests runs it, which does not");
                }
                else if (test == nameof(RunbookTests) && b.File != "docs/admin/runbooks.md")
                {
                    problems.Add($"{where}: RunbookTests runs docs/admin/runbooks.md only");
                }
            }
            else if (!marker.StartsWith("not run", StringComparison.Ordinal) || marker.Length < 30)
            {
                problems.Add($"{where}: '{marker}' neither names the test that runs it nor says why none can");
            }
        }

        foreach (var (file, index) in RunHere)
        {
            if (!blocks.Any(b => b.File == file && b.Index == index && b.Marker?.StartsWith("run by " + nameof(DocsExecutionTests), StringComparison.Ordinal) == true))
            {
                problems.Add($"{file} sh block {index + 1}: DocsExecutionTests runs it, and the guide does not say so (or it moved)");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task ReviewerGuides_RunAsWritten_DoWhatTheySay()
    {
        var blocks = GuideBlocks();
        string Block(string file, int index) => blocks.Single(b => b.File == file && b.Index == index).Body;
        await StartDemoServerAsync();
        using var http = new HttpClient { BaseAddress = Server };
        var witness = await SubmitTwoReportsAsync(http);

        // README §0: the demo walk-through, from fetch to the acknowledging upload.
        var walk = Shell(Block("docs/reviewer/README.md", 0));
        Assert.Contains("north gate", walk, StringComparison.Ordinal);
        var reports = ListJson();
        Assert.Equal(2, reports.Count);
        var first = (string)reports.Single(r => ((string?)r!["what"])!.Contains("north gate", StringComparison.Ordinal))!["id"]!;
        var second = (string)reports.Single(r => (string?)r!["id"] != first)!["id"]!;
        Assert.True(Directory.GetFiles(Path.Combine(Demo, "server-data", "blobs")).Length == 0,
            "README §0 says the server deletes the ciphertext after the upload: blobs are left");

        // triage.md: the ids in the guide stand for this run's two reports, its folders for this run's.
        var map = new Dictionary<string, string> { ["3f9a01c2"] = first[..8], ["9c1e7700"] = second[..8] };
        Directory.CreateDirectory(Path.Combine(_root, "media", "encrypted", "case-3f9a"));
        Directory.CreateDirectory(Path.Combine(_root, "media", "encrypted", "handover"));
        for (var i = 1; i <= 6; i++)
        {
            Shell(Block("docs/reviewer/triage.md", i), map, terminal: true);
        }

        var shown = JsonNode.Parse(Shell($"safeintake-review show {first} --json"))!;
        var summary = shown["summary"]!;
        Assert.Equal("triaged", (string?)summary["status"]);
        Assert.Equal("high", (string?)summary["severity"]);
        Assert.Equal(["north gate", "police"], summary["tags"]!.AsArray().Select(t => (string?)t).Order(StringComparer.Ordinal));
        Assert.Equal("demo", (string?)summary["assignee"]);
        Assert.Equal(EditorText, (string?)Assert.Single(shown["notes"]!.AsArray())!["text"]);
        Assert.Equal([second], shown["linked"]!.AsArray().Select(l => (string?)l));
        Assert.Equal("rejected", (string?)JsonNode.Parse(Shell($"safeintake-review show {second} --json"))!["summary"]!["status"]);
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "media", "encrypted", "case-3f9a")));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_root, "media", "encrypted", "handover")).Length);
        // Both replies reached the witness's mailbox on the server, and the outbox list shows the upload.
        Assert.Equal(2, await witness.MailboxRepliesAsync(http));
        Assert.Contains("uploaded", Shell("safeintake-review outbox list"), StringComparison.Ordinal);

        // monitoring.md: silent while /healthz says ok.
        Assert.Equal("", Shell(Block("docs/admin/monitoring.md", 0)).Trim());

        // README §5: the organisation's first bundle, from a reviewer's public file.
        var org = Directory.CreateDirectory(Path.Combine(_root, "org")).FullName;
        Shell("safeintake-review keys init --id alice --name Alice --out . --argon-fast", cwd: org, home: org);
        Shell(Block("docs/reviewer/README.md", 2).Replace("org init", "org init --argon-fast", StringComparison.Ordinal), cwd: org, home: org);
        var orgKey = Ed25519PublicKey.Import(Convert.FromBase64String(File.ReadAllText(Path.Combine(org, ".safeintake", "org", "organisation.pub")).Trim()));
        var bundle = SignedReviewerBundle.Verify(File.ReadAllText(Path.Combine(org, "bundle.json")), orgKey, DateTimeOffset.UtcNow);
        Assert.True(bundle.IsValid);
        Assert.Equal(["alice"], bundle.Bundle.Bundle.Reviewers.Select(r => r.Id));
    }

    private const string EditorText = "Called the clinic: they confirm the date.";

    private JsonArray ListJson() => JsonNode.Parse(Shell("safeintake-review list --json"))!.AsArray();

    /// <summary>
    /// The demo server as <c>dotnet run --project src/Intake.Web</c> starts it, from a folder laid out like the
    /// repository (its pages and settings linked from the real one), so the demo folder is where the guide says.
    /// </summary>
    private async Task StartDemoServerAsync()
    {
        Directory.CreateDirectory(Web);
        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        var source = Path.Combine(E2EHost.RepoRoot, "src", "Intake.Web");
        File.Copy(Path.Combine(source, "appsettings.json"), Path.Combine(Web, "appsettings.json"));
        foreach (var folder in new[] { "Pages", "Resources", "wwwroot" })
        {
            Directory.CreateSymbolicLink(Path.Combine(Web, folder), Path.Combine(source, folder));
        }

        WriteStandIns();
        var start = new ProcessStartInfo(E2EHost.FindOnPath("dotnet")) { WorkingDirectory = Web, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(E2EHost.ServerDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(Server.ToString().TrimEnd('/'));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_CONTENTROOT"] = Web;
        // The proof of work a witness's browser solves, made quick: this test is about the reviewer's side.
        start.Environment["Intake__PowDifficulty"] = "2";
        _server = Process.Start(start)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { output.WriteLine("[server] " + line); } };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        using var probe = new HttpClient { BaseAddress = Server, Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                if ((await probe.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            Assert.False(_server.HasExited, $"the demo server exited with {(_server.HasExited ? _server.ExitCode : 0)}");
            await Task.Delay(200);
        }

        Assert.Fail("the demo server did not answer /healthz within 60 s");
    }

    /// <summary>"A report submitted in the browser": two, sealed to the served bundle; the first can be replied to.</summary>
    private async Task<WitnessMailbox> SubmitTwoReportsAsync(HttpClient http)
    {
        var orgKey = Ed25519PublicKey.Import(Convert.FromBase64String(File.ReadAllText(Path.Combine(Demo, "organisation.pub")).Trim()));
        var bundle = SignedReviewerBundle.Verify(await http.GetStringAsync(new Uri("/api/v1/bundle", UriKind.Relative)), orgKey, DateTimeOffset.UtcNow);
        Assert.True(bundle.IsValid);
        var recipients = bundle.Bundle.Bundle.Reviewers.Select(r => r.EncryptionKey).ToArray();
        var codename = Witness.Codename();
        await E2EWitness.SubmitAsync(http, E2EWitness.Seal(recipients, bundle.Bundle.Hash.ToArray(), "Two officers took my phone at the north gate.", codename),
            codename.MailboxKey.PublicKey.ToBase64());
        await E2EWitness.SubmitAsync(http, E2EWitness.Seal(recipients, bundle.Bundle.Hash.ToArray(), "The same night, the same two officers, seen from the bridge."));
        return new WitnessMailbox(codename);
    }

    /// <summary>Runs a block with bash as a reviewer's interactive shell would (aliases on), the guide's paths mapped.</summary>
    /// <remarks>
    /// With <paramref name="terminal"/>, inside a pseudo-terminal (util-linux <c>script</c>), as a reviewer pastes it:
    /// then a command that reads typed text from a pipe when there is one (note, reply) opens $EDITOR instead.
    /// </remarks>
    private string Shell(string script, IReadOnlyDictionary<string, string>? map = null, string? cwd = null, string? home = null, bool terminal = false)
    {
        var mapped = script
            .Replace("http://127.0.0.1:5080", Server.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace("https://intake.example.org", Server.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace("/tmp/", Path.Combine(_root, "tmp") + "/", StringComparison.Ordinal)
            .Replace("/media/encrypted", Path.Combine(_root, "media", "encrypted"), StringComparison.Ordinal)
            // The USB stick carries the outbox folder of the reviewer's home to the online machine.
            .Replace("/media/usb", Demo, StringComparison.Ordinal);
        foreach (var (from, to) in map ?? new Dictionary<string, string>())
        {
            mapped = mapped.Replace(from, to, StringComparison.Ordinal);
        }

        var file = Path.Combine(_root, "tmp", $"block-{Guid.NewGuid():N}.sh");
        File.WriteAllText(file, mapped);
        const string bash = "bash -e -o pipefail -O expand_aliases";
        var start = new ProcessStartInfo(terminal ? "script" : "bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = cwd ?? _root };
        foreach (var arg in terminal ? ["-q", "-e", "-f", "-c", $"{bash} '{file}'", "/dev/null"] : bash.Split(' ')[1..].Append(file))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = home ?? Path.Combine(_root, "home");
        start.Environment["PATH"] = Bin + ":" + Environment.GetEnvironmentVariable("PATH");
        // The reviewer's default home is the demo folder (README §0); the passphrase is typed: "demo".
        start.Environment["SAFEINTAKE_HOME"] = home is null ? Demo : Path.Combine(home, ".safeintake");
        start.Environment["SAFEINTAKE_PASSPHRASE"] = home is null ? "demo" : "correct horse battery staple 7";
        start.Environment["EDITOR"] = Path.Combine(Bin, "editor");
        start.Environment["VISUAL"] = Path.Combine(Bin, "editor");
        start.Environment["COLUMNS"] = "200";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"{mapped} did not finish");
        output.WriteLine($"$ {mapped}\n→ {process.ExitCode}\n{stdout.Result}{stderr.Result}");
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {mapped}\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    private void WriteStandIns()
    {
        var dotnet = E2EHost.FindOnPath("dotnet");
        var consoleDll = Path.Combine(AppContext.BaseDirectory, "safeintake-review.dll");
        E2EHost.WriteScript(Path.Combine(Bin, "dotnet"), $$"""
            # dotnet run [-v q] --project <project> -- <args>: the build of that project, as dotnet run would run it
            if [ "$1" = run ]; then
              shift; project=""
              while [ $# -gt 0 ]; do case "$1" in --project) project="$2"; shift 2;; -v) shift 2;; --) shift; break;; *) shift;; esac; done
              case "$project" in
                src/Intake.Web) export ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_CONTENTROOT="{{Web}}"; exec "{{dotnet}}" "{{E2EHost.ServerDll}}" "$@";;
                src/Review.Console) exec "{{dotnet}}" "{{consoleDll}}" "$@";;
              esac
              echo "dotnet stand-in: no build for project '$project'" >&2; exit 2
            fi
            exec "{{dotnet}}" "$@"
            """);
        E2EHost.WriteScript(Path.Combine(Bin, "safeintake-review"), $"""exec "{dotnet}" "{consoleDll}" "$@" """);
        // What a reviewer types in their editor, above the draft's comment lines.
        E2EHost.WriteScript(Path.Combine(Bin, "editor"), $$"""
            { printf '%s\n' '{{EditorText}}'; cat "$1"; } > "$1.new" && mv "$1.new" "$1"
            """);
    }

    private sealed record GuideBlock(string File, int Index, string Body, string? Marker);

    /// <summary>Every sh block of the reviewer and admin guides, with the docs-test comment on the line above it.</summary>
    private static List<GuideBlock> GuideBlocks()
    {
        var blocks = new List<GuideBlock>();
        foreach (var folder in new[] { "docs/reviewer", "docs/admin" })
        {
            foreach (var path in Directory.GetFiles(Path.Combine(E2EHost.RepoRoot, folder), "*.md").Order(StringComparer.Ordinal))
            {
                var text = File.ReadAllText(path).ReplaceLineEndings("\n");
                var index = 0;
                foreach (Match m in Fence().Matches(text))
                {
                    var before = text[..m.Index].TrimEnd('\n');
                    var lastLine = before[(before.LastIndexOf('\n') + 1)..];
                    var marker = Marker().Match(lastLine) is { Success: true } found ? found.Groups[1].Value.Trim() : null;
                    blocks.Add(new GuideBlock($"{folder}/{Path.GetFileName(path)}", index++, m.Groups[1].Value, marker));
                }
            }
        }

        return blocks;
    }

    [GeneratedRegex(@"^```sh\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"^<!-- docs-test: (.*) -->$")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^run by (\w+)")]
    private static partial Regex RunBy();
}
