using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SafeIntake.Crypto;
using Xunit.Abstractions;

namespace SafeIntake.Review.Console.Tests.EndToEnd;

/// <summary>
/// docs/admin/runbooks.md is executed as written: every <c>sh</c> block, in order, by bash, on the "machine" its first
/// line names (a home folder of its own), with the install.md paths mapped into a temporary folder. Only what cannot
/// run here is stood in for, by small scripts first on PATH: <c>sudo</c> drops the user switch, <c>systemctl</c>
/// starts and stops the real server process the unit would, <c>dotnet /opt/safeintake/…dll</c> runs the build's
/// server, <c>safeintake-review</c> the build's console. Between the runbooks the test checks that each did what the
/// document promises, from outside: the served bundle, which tokens fetch, assignments, /healthz, the blobs.
/// </summary>
public sealed partial class RunbookTests(ITestOutputHelper output) : IDisposable
{
    private const string Passphrase = "correct horse battery staple 7";
    private readonly string _root = Directory.CreateTempSubdirectory("safeintake-runbook-").FullName;
    private readonly int _port = E2EHost.FreePort();

    private string Opt => Path.Combine(_root, "opt");
    private string Etc => Path.Combine(_root, "etc");
    private string Data => Path.Combine(_root, "data");
    private string Usb => Path.Combine(_root, "usb");
    private Uri Server => new($"http://127.0.0.1:{_port}");

    public void Dispose()
    {
        var pid = Path.Combine(_root, "server.pid");
        if (File.Exists(pid) && int.TryParse(File.ReadAllText(pid).Trim(), out var id))
        {
            try
            {
                using var process = Process.GetProcessById(id);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
            }
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task EveryRunbook_RunAsWritten_DoesWhatItSays()
    {
        var runbooks = ReadRunbooks();
        Assert.Equal(
            ["A reviewer leaves", "The organisation key is rotated", "A fetch token is lost", "The disk or the storage cap is full"],
            runbooks.Select(r => r.Title));
        await SetUpAsync();
        using var http = new HttpClient { BaseAddress = Server };

        RunAll(runbooks[0]);
        Assert.Equal(["alice"], await ServedReviewersAsync(http, OrgKey()));
        Shell("online", $"safeintake-review fetch --server {Server} --token-file {_root}/bob.token --out {_root}/bob.sie", expectFailure: true);
        Assert.Equal(HttpStatusCode.Unauthorized, await FetchStatusAsync(http, File.ReadAllText(Path.Combine(_root, "bob.token")).Trim()));
        Assert.Equal("[]", Shell("alice", "safeintake-review list --assignee bob --json | jq -c '[.[].id]'").Trim());
        Assert.Equal("1", Shell("alice", "safeintake-review list --assignee alice --json | jq length").Trim());

        var oldKey = OrgKey();
        RunAll(runbooks[1]);
        Assert.NotEqual(oldKey, OrgKey());
        Assert.Contains(OrgKey(), File.ReadAllText(Path.Combine(Opt, "appsettings.Production.json")), StringComparison.Ordinal);
        Assert.Equal(["alice"], await ServedReviewersAsync(http, OrgKey()));
        await Assert.ThrowsAnyAsync<Exception>(() => ServedReviewersAsync(http, oldKey));

        var lostToken = File.ReadAllText(Path.Combine(_root, "alice-lost.token")).Trim();
        Assert.Equal(HttpStatusCode.OK, await FetchStatusAsync(http, lostToken));
        RunAll(runbooks[2]);
        Assert.Equal(HttpStatusCode.Unauthorized, await FetchStatusAsync(http, lostToken));
        Assert.True(File.Exists(Path.Combine(Usb, "export.sie")));
        Assert.False(File.Exists(Path.Combine(Usb, "alice.token")), "the runbook leaves the token on the USB stick");
        Shell("alice", $"safeintake-review import {Usb}/export.sie && rm {Usb}/export.sie"); // the new token's export, carried over

        Assert.Contains("storage-nearly-full", await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)), StringComparison.Ordinal);
        RunAll(runbooks[3]);
        // Space the server frees by deleting counts at once (storage-limits.md); a sum already running as the blobs
        // went may count them for one more request, hence a short grace, far under the sum's 10 s age.
        var status = "";
        for (var attempt = 0; attempt < 5 && status != "ok"; attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 200);
            status = JsonNode.Parse(await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)))!["status"]!.GetValue<string>();
        }

        Assert.Equal("ok", status);
        Assert.Empty(Directory.GetFiles(Path.Combine(Data, "blobs")));
    }

    /// <summary>
    /// Two reviewers (Bob holds one of two reports), a running server at 95 % of a total storage cap that its next
    /// start reads, Alice's fetch token on the online machine, and a copy of it to play the lost one.
    /// </summary>
    private async Task SetUpAsync()
    {
        foreach (var folder in new[] { Opt, Path.Combine(Etc, "bundle"), Data, Usb, Bin })
        {
            Directory.CreateDirectory(folder);
        }

        WriteStandIns();
        Shell("org", "safeintake-review org init --name 'Runbook Rights Group' --argon-fast");
        Shell("alice", $"safeintake-review keys init --id alice --name Alice --out {Usb} --argon-fast");
        Shell("bob", $"safeintake-review keys init --id bob --name Bob --out {Usb} --argon-fast");
        Shell("org", $"safeintake-review org add-reviewer {Usb}/alice.pub.json && safeintake-review org add-reviewer {Usb}/bob.pub.json"
            + $" && safeintake-review org sign-bundle --expires 30 --out {Etc}/bundle/bundle.json");
        WriteServerConfiguration(maxStorageBytes: 0);
        Shell("server", "systemctl start safeintake");

        const string admin = "dotnet /opt/safeintake/SafeIntake.Intake.Web.dll admin";
        Shell("server", $"{admin} token create --reviewer alice | head -n 1 > {_root}/alice-lost.token"
            + $" && {admin} token create --reviewer bob | head -n 1 > {_root}/bob.token && {admin} server-key | head -n 1 > {Usb}/server.key");
        Shell("online", $"safeintake-review server trust \"$(cat {Usb}/server.key)\" && install -m 0600 {_root}/alice-lost.token ~/alice.token");
        Shell("alice", $"safeintake-review server trust \"$(cat {Usb}/server.key)\" && safeintake-review bundle install {Etc}/bundle/bundle.json --org-key {OrgKey()}");

        using var http = new HttpClient { BaseAddress = Server };
        var bundle = SignedReviewerBundle.Verify(await http.GetStringAsync(new Uri("/api/v1/bundle", UriKind.Relative)),
            Ed25519PublicKey.Import(Convert.FromBase64String(OrgKey())), DateTimeOffset.UtcNow);
        Assert.True(bundle.IsValid);
        var recipients = bundle.Bundle!.Bundle.Reviewers.Select(r => r.EncryptionKey).ToArray();
        for (var i = 0; i < 2; i++)
        {
            await E2EWitness.SubmitAsync(http, E2EWitness.Seal(recipients, bundle.Bundle.Hash.ToArray(), $"runbook report {i}"));
        }

        Shell("online", $"safeintake-review fetch --server {Server} --token-file ~/alice.token --out {Usb}/export.sie");
        Shell("alice", $"safeintake-review import {Usb}/export.sie && rm {Usb}/export.sie"
            + " && safeintake-review assign \"$(safeintake-review list --json | jq -r '.[0].id')\" bob");

        // The cap the next start reads: what is stored now is 95 % of it, so /healthz warns until reviewers acknowledge.
        var stored = Directory.GetFiles(Path.Combine(Data, "blobs")).Sum(f => new FileInfo(f).Length);
        WriteServerConfiguration(maxStorageBytes: stored * 100 / 95);
    }

    private void RunAll(Runbook runbook)
    {
        output.WriteLine($"## {runbook.Title}");
        foreach (var (machine, script) in runbook.Blocks)
        {
            Shell(machine, script);
        }
    }

    /// <summary>Runs a script with bash -e on one machine: its own HOME, the stand-ins first on PATH, the paths mapped.</summary>
    private string Shell(string machine, string script, bool expectFailure = false)
    {
        var home = Directory.CreateDirectory(Path.Combine(_root, "home-" + machine)).FullName;
        var mapped = MapPaths(script);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = home };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add("pipefail");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(mapped);
        start.Environment["HOME"] = home;
        start.Environment["PATH"] = Bin + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["SAFEINTAKE_PASSPHRASE"] = Passphrase;
        start.Environment["COLUMNS"] = "200";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"on {machine}: {mapped} did not finish");
        output.WriteLine($"[{machine}] {mapped}\n→ {process.ExitCode}\n{stdout.Result}{stderr.Result}");
        Assert.True(expectFailure ? process.ExitCode != 0 : process.ExitCode == 0,
            $"on {machine}, exit {process.ExitCode}: {mapped}\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    private string MapPaths(string script) => script
        .Replace("/opt/safeintake", Opt, StringComparison.Ordinal)
        .Replace("/etc/safeintake", Etc, StringComparison.Ordinal)
        .Replace("/var/lib/safeintake", Data, StringComparison.Ordinal)
        .Replace("/media/usb", Usb, StringComparison.Ordinal)
        .Replace("http://127.0.0.1:5080", Server.ToString().TrimEnd('/'), StringComparison.Ordinal)
        .Replace("https://intake.example.org", Server.ToString().TrimEnd('/'), StringComparison.Ordinal);

    private string Bin => Path.Combine(_root, "bin");

    /// <summary>The stand-ins for what a test cannot be: root, systemd, the published folder and the installed console.</summary>
    private void WriteStandIns()
    {
        var dotnet = FindOnPath("dotnet");
        var web = Path.Combine(RepoRoot, "src", "Intake.Web");
        var serverDll = E2EHost.ServerDll;
        var consoleDll = Path.Combine(AppContext.BaseDirectory, "safeintake-review.dll");

        // The published folder: the configuration files and the pages, as /opt/safeintake holds them.
        File.Copy(Path.Combine(web, "appsettings.json"), Path.Combine(Opt, "appsettings.json"));
        foreach (var folder in new[] { "Pages", "Resources", "wwwroot" })
        {
            Directory.CreateSymbolicLink(Path.Combine(Opt, folder), Path.Combine(web, folder));
        }

        StandIn("sudo", """
            while [ $# -gt 0 ]; do case "$1" in -u) shift 2;; -*) shift;; *) break;; esac; done
            exec env "$@"
            """);
        StandIn("dotnet", $$"""
            if [ "$1" = "{{Opt}}/SafeIntake.Intake.Web.dll" ]; then shift; export ASPNETCORE_CONTENTROOT="{{Opt}}"; exec "{{dotnet}}" "{{serverDll}}" "$@"; fi
            exec "{{dotnet}}" "$@"
            """);
        StandIn("safeintake-review", $"""exec "{dotnet}" "{consoleDll}" "$@" """);
        // What deploy/safeintake.service runs, with its environment; start returns once /healthz answers, as a unit
        // with Type=notify would.
        StandIn("systemctl", $$"""
            pid={{_root}}/server.pid
            stop() { [ -f "$pid" ] || return 0; kill "$(cat "$pid")" 2>/dev/null || true; while kill -0 "$(cat "$pid")" 2>/dev/null; do sleep 0.1; done; rm -f "$pid"; }
            start() {
              # A simple command in the background, so $! is the server itself and nothing keeps the caller's stdout open.
              cd {{Opt}}
              ASPNETCORE_ENVIRONMENT=Production nohup dotnet {{Opt}}/SafeIntake.Intake.Web.dll --urls http://127.0.0.1:{{_port}} >>{{_root}}/server.log 2>&1 </dev/null &
              echo $! > "$pid"
              for _ in $(seq 1200); do
                curl -fsS -o /dev/null http://127.0.0.1:{{_port}}/healthz && return 0
                kill -0 "$(cat "$pid")" 2>/dev/null || { echo "safeintake.service failed:" >&2; tail -n 5 {{_root}}/server.log >&2; rm -f "$pid"; return 1; }
                sleep 0.1
              done
              return 1
            }
            case "$1" in start) start;; stop) stop;; restart) stop; start;; *) echo "systemctl stand-in: $*" >&2; exit 2;; esac
            """);
    }

    private void StandIn(string name, string body) => E2EHost.WriteScript(Path.Combine(Bin, name), body);

    /// <summary>deploy/appsettings.Production.json with this run's paths and key (and a quick proof of work).</summary>
    private void WriteServerConfiguration(long maxStorageBytes)
    {
        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot, "deploy", "appsettings.Production.json")))!;
        var intake = settings["Intake"]!;
        intake["DataPath"] = Data;
        intake["BundlePath"] = Path.Combine(Etc, "bundle", "bundle.json");
        intake["OrganisationKey"] = OrgKey();
        intake["PowDifficulty"] = 4;
        intake["MaxStorageBytes"] = maxStorageBytes;
        intake["MinFreeBytes"] = 0;
        File.WriteAllText(Path.Combine(Opt, "appsettings.Production.json"), settings.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    private string OrgKey() => File.ReadAllText(Path.Combine(_root, "home-org", ".safeintake", "org", "organisation.pub")).Trim();

    private static async Task<string[]> ServedReviewersAsync(HttpClient http, string orgKey)
    {
        var verified = SignedReviewerBundle.Verify(await http.GetStringAsync(new Uri("/api/v1/bundle", UriKind.Relative)),
            Ed25519PublicKey.Import(Convert.FromBase64String(orgKey)), DateTimeOffset.UtcNow);
        Assert.True(verified.IsValid, "the served bundle does not verify under the organisation key");
        return verified.Bundle.Bundle.Reviewers.Select(r => r.Id).ToArray();
    }

    private static async Task<HttpStatusCode> FetchStatusAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/export", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }

    private sealed record Runbook(string Title, IReadOnlyList<(string Machine, string Script)> Blocks);

    private static readonly Dictionary<string, string> Machines = new()
    {
        ["# on the organisation's air-gapped machine"] = "org",
        ["# on the server"] = "server",
        ["# on each remaining reviewer's air-gapped machine"] = "alice",
        ["# on the online machine"] = "online",
    };

    /// <summary>Each <c>## </c> section with its <c>sh</c> blocks; a block's first line must name a known machine.</summary>
    private static List<Runbook> ReadRunbooks()
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot, "docs", "admin", "runbooks.md")).ReplaceLineEndings("\n");
        var runbooks = new List<Runbook>();
        foreach (var section in text.Split("\n## ").Skip(1))
        {
            var blocks = new List<(string, string)>();
            foreach (Match block in ShBlock().Matches(section))
            {
                var lines = block.Groups[1].Value.Split('\n', 2);
                Assert.True(Machines.TryGetValue(lines[0].Trim(), out var machine), $"runbooks.md: a block starts with '{lines[0]}', not a machine");
                blocks.Add((machine, lines[1]));
            }

            runbooks.Add(new Runbook(section[..section.IndexOf('\n', StringComparison.Ordinal)].Trim(), blocks));
        }

        return runbooks;
    }

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShBlock();

    private static string FindOnPath(string name) => E2EHost.FindOnPath(name);

    private static string RepoRoot => E2EHost.RepoRoot;
}
