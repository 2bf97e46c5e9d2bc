using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using Xunit.Abstractions;

namespace SafeIntake.Review.Console.Tests.EndToEnd;

/// <summary>
/// The whole round trip with real processes and files, as an organisation runs it: organisation and reviewer keys
/// made with the console, the server started in production mode on them, reports sealed by src/Crypto and by the
/// browser module (through Node) and submitted over HTTP, a fetch token from the admin command, fetch on the
/// "online" home, import on the "air-gapped" home, the outbox uploaded — and then the server holds no ciphertext.
/// </summary>
public sealed class AirGapLoopTests(ITestOutputHelper output) : IDisposable
{
    private const string Passphrase = "correct horse battery staple 7";
    private readonly string _root = Directory.CreateTempSubdirectory("safeintake-e2e-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string RepoRoot => E2EHost.RepoRoot;

    [Fact]
    public async Task SubmitFetchImportAcknowledge_LeavesNoCiphertextOnTheServer()
    {
        var orgHome = Folder("org-home");
        var airGapped = Folder("air-gapped");
        var online = Folder("online");
        var data = Folder("server-data");

        Console(orgHome, "org", "init", "--name", "E2E Rights Group", "--argon-fast");
        Console(airGapped, "keys", "init", "--id", "alice", "--name", "Alice", "--out", _root, "--argon-fast");
        Console(orgHome, "org", "add-reviewer", Path.Combine(_root, "alice.pub.json"));
        var bundlePath = Path.Combine(_root, "bundle.json");
        Console(orgHome, "org", "sign-bundle", "--expires", "30", "--out", bundlePath);
        var orgKey = File.ReadAllText(Path.Combine(orgHome, "org", "organisation.pub")).Trim();

        var port = E2EHost.FreePort();
        var server = new Uri($"http://127.0.0.1:{port}");
        var serverEnvironment = new Dictionary<string, string>
        {
            ["Intake__Mode"] = "Production",
            ["Intake__DataPath"] = data,
            ["Intake__OrganisationKey"] = orgKey,
            ["Intake__BundlePath"] = bundlePath,
            ["Intake__PowDifficulty"] = "4",
        };
        using var serverProcess = StartServer(server, serverEnvironment);
        try
        {
            await WaitForAsync(server);
            using var http = new HttpClient { BaseAddress = server };
            var bundleText = await http.GetStringAsync(new Uri("/api/v1/bundle", UriKind.Relative));
            var bundle = SignedReviewerBundle.Verify(bundleText, Ed25519PublicKey.Import(Convert.FromBase64String(orgKey)), DateTimeOffset.UtcNow);
            Assert.True(bundle.IsValid);
            var recipient = bundle.Bundle.Bundle.Reviewers.Single().EncryptionKey;

            await E2EWitness.SubmitAsync(http, E2EWitness.Seal([recipient], bundle.Bundle.Hash.ToArray(), "canary-e2e-dotnet 警察"));
            await E2EWitness.SubmitAsync(http, SealWithNode(recipient, bundle.Bundle.Hash.ToArray(), "canary-e2e-browser-module"));
            Assert.Equal(2, Directory.GetFiles(Path.Combine(data, "blobs")).Length);

            var token = Admin(serverEnvironment, "token", "create", "--reviewer", "alice").Split('\n')[0].Trim();
            Assert.StartsWith("sift_", token, StringComparison.Ordinal);
            var serverKey = Admin(serverEnvironment, "server-key").Split('\n')[0].Trim();
            var tokenFile = Path.Combine(online, "token");
            File.WriteAllText(tokenFile, token);

            Console(online, "server", "trust", serverKey);
            var export = Path.Combine(_root, "usb", "export.sie");
            Directory.CreateDirectory(Path.GetDirectoryName(export)!);
            Console(online, "fetch", "--server", server.ToString(), "--token-file", tokenFile, "--out", export);

            Console(airGapped, "server", "trust", serverKey);
            Console(airGapped, "import", export);
            var found = Console(airGapped, "search", "canary-e2e-browser-module", "--json");
            Assert.Contains("report", found, StringComparison.Ordinal);
            var outbox = Directory.GetFiles(Path.Combine(airGapped, "outbox"), "*.json").Single();

            Console(online, "upload-outbox", outbox, "--server", server.ToString());

            Assert.Empty(Directory.GetFiles(Path.Combine(data, "blobs")));
            // Recorded beside the file: uploading it again is skipped, not replayed.
            var again = Console(online, ["upload-outbox", outbox, "--server", server.ToString()], expectedExit: 0);
            output.WriteLine(again);
            Assert.Contains("uploaded already", again, StringComparison.Ordinal);
            Assert.True(File.Exists(outbox + ".uploaded"));
            Assert.DoesNotContain(Directory.EnumerateFiles(airGapped, "*", SearchOption.AllDirectories),
                f => File.ReadAllBytes(f).AsSpan().IndexOf("canary-e2e"u8) >= 0);
        }
        finally
        {
            serverProcess.Kill(entireProcessTree: true);
            await serverProcess.WaitForExitAsync();
        }
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private byte[] SealWithNode(X25519PublicKey recipient, byte[] bundleHash, string text)
    {
        var manifest = Path.Combine(_root, "manifest.json");
        File.WriteAllText(manifest, new JsonObject { ["kind"] = "report", ["fields"] = new JsonObject { ["what"] = text } }.ToJsonString());
        var envelope = Path.Combine(_root, "from-node.sie");
        Run("node", [Path.Combine(RepoRoot, "tests", "js", "interop-cli.js"), "seal", "--recipient", recipient.ToHex(), "--bundle-hash",
            Convert.ToHexStringLower(bundleHash), "--manifest", manifest, "--out", envelope], null, 0);
        return File.ReadAllBytes(envelope);
    }

    private string Console(string home, params string[] args) => Console(home, args, 0);

    private string Console(string home, string[] args, int expectedExit) =>
        Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "safeintake-review.dll"), .. args, "--home", home],
            new Dictionary<string, string> { ["SAFEINTAKE_PASSPHRASE"] = Passphrase }, expectedExit);

    private string Admin(Dictionary<string, string> environment, params string[] args) =>
        Run("dotnet", [E2EHost.ServerDll, "admin", .. args], environment, 0, Path.Combine(RepoRoot, "src", "Intake.Web"));

    private static Process StartServer(Uri address, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.Combine(RepoRoot, "src", "Intake.Web") };
        foreach (var arg in new[] { E2EHost.ServerDll, "--contentRoot", Path.Combine(RepoRoot, "src", "Intake.Web"), "--urls", address.ToString().TrimEnd('/') })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private string Run(string file, string[] args, Dictionary<string, string>? environment, int expectedExit, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = workingDirectory ?? _root };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        start.Environment["COLUMNS"] = "200";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), $"{file} {string.Join(' ', args)} did not finish");
        output.WriteLine($"$ {Path.GetFileName(file)} {string.Join(' ', args.Select(a => a.Length > 60 ? a[..60] + "…" : a))}  → {process.ExitCode}\n{stdout}{stderr.Result}");
        Assert.True(process.ExitCode == expectedExit, $"{string.Join(' ', args)} exited {process.ExitCode}, expected {expectedExit}: {stdout} {stderr.Result}");
        return stdout;
    }

    private static async Task WaitForAsync(Uri server)
    {
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 1800; attempt++)
        {
            try
            {
                if ((await http.GetAsync(new Uri(server, "/healthz"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the server did not start");
    }

}
