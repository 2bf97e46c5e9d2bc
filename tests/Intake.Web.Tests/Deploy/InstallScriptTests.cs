using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Tests.Hosting;

namespace SafeIntake.Intake.Web.Tests.Deploy;

/// <summary>
/// deploy/install.sh for real, as root, under a throw-away user and folder names: <c>dotnet publish</c> for linux-x64
/// without demo files, the folders with their owners and modes, the published server started as the service user from
/// another folder (its own configuration, pages that answer), and <c>admin bundle install</c> as that user beside it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InstallScriptTests
{
    [AsServiceUserFact]
    public async Task Install_PublishesInstallsAndRuns_AsTheServiceUser_AndAdminBundleInstallWorksAsThatUser()
    {
        var root = TestFolders.Create("install");
        var user = "sitest" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var published = Path.Combine(root, "published");
            Run("dotnet", "publish", Path.Combine(ServerProcess.RepositoryRoot, "src", "Intake.Web"), "-c", "Release", "-r", "linux-x64",
                "--self-contained", "false", "-o", published, "-v", "q", "-nologo");
            // What a dev clone used to ship: its demo folder (keys!) and native libraries for 30 platforms.
            Assert.False(Directory.Exists(Path.Combine(published, "safeintake-demo")), "the publish output holds a demo folder");
            Assert.Empty(Directory.EnumerateFiles(published, "*.key", SearchOption.AllDirectories));
            Assert.Empty(Directory.EnumerateFiles(published, "*.dylib", SearchOption.AllDirectories));
            Assert.False(Directory.Exists(Path.Combine(published, "runtimes")), "the publish output holds runtimes/ for other platforms");
            Assert.True(File.Exists(Path.Combine(published, "libsodium.so")));

            using var organisation = OrganisationSigningKey.Generate();
            var firstBundle = Path.Combine(root, "bundle-1.json");
            await File.WriteAllTextAsync(firstBundle, TestBundles.Sign(organisation, DateTimeOffset.UtcNow.AddDays(60), epoch: 1));
            var app = Path.Combine(root, "opt");
            var etc = Path.Combine(root, "etc");
            var data = Path.Combine(root, "data");
            var output = Run(Path.Combine(ServerProcess.RepositoryRoot, "deploy", "install.sh"), [published, firstBundle], new()
            {
                ["SAFEINTAKE_USER"] = user,
                ["SAFEINTAKE_APP"] = app,
                ["SAFEINTAKE_ETC"] = etc,
                ["SAFEINTAKE_DATA"] = data,
                ["SAFEINTAKE_UNIT_DIR"] = Path.Combine(root, "unit"),
            });
            Assert.Contains($"Installed SafeIntake for user {user}", output, StringComparison.Ordinal);

            // Owners and modes as docs/admin/install.md states them.
            Assert.Equal("root:root 755", Stat(app));
            Assert.Equal($"root:{user} 640", Stat(Path.Combine(app, "appsettings.Production.json")));
            Assert.Equal($"{user}:{user} 700", Stat(data));
            Assert.Equal($"root:{user} 750", Stat(etc));
            Assert.Equal($"{user}:{user} 750", Stat(Path.Combine(etc, "bundle")));
            Assert.Equal($"{user}:{user} 640", Stat(Path.Combine(etc, "bundle", "bundle.json")));
            var unit = await File.ReadAllTextAsync(Path.Combine(root, "unit", user + ".service"));
            Assert.Contains($"\nUser={user}\n", unit, StringComparison.Ordinal);
            Assert.Contains($"ReadWritePaths={data}\n", unit, StringComparison.Ordinal);

            // The administrator's one edit: the pinned organisation key.
            var config = Path.Combine(app, "appsettings.Production.json");
            var json = JsonNode.Parse(await File.ReadAllTextAsync(config))!;
            json["Intake"]!["OrganisationKey"] = organisation.PublicKey.ToBase64();
            json["Intake"]!["PowDifficulty"] = 4;
            await File.WriteAllTextAsync(config, json.ToJsonString());

            var dll = Path.Combine(app, "SafeIntake.Intake.Web.dll");
            var port = ServerProcess.ReservePort();
            await using (var server = ServerProcess.Launch(new Dictionary<string, string>(), contentRoot: "", workingDirectory: "/", asUser: user, assembly: dll,
                extraArguments: ["--urls", $"http://127.0.0.1:{port}"], port: port))
            {
                await server.WaitUntilReadyAsync();
                using var http = server.CreateClient();
                using var page = await http.GetAsync(new Uri("/", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, page.StatusCode); // issue 11: the DLL run from another folder served 500
                Assert.Equal(await File.ReadAllTextAsync(firstBundle), await http.GetStringAsync(new Uri("/api/v1/bundle", UriKind.Relative)));
                Assert.DoesNotContain("DEMO", server.StandardOutput, StringComparison.Ordinal);

                // The next bundle, installed by the service user beside the running server.
                var secondBundle = Path.Combine(root, "bundle-2.json");
                await File.WriteAllTextAsync(secondBundle, TestBundles.Sign(organisation, DateTimeOffset.UtcNow.AddDays(90), epoch: 2));
                var (code, answer, error) = await ServerProcess.RunAdminAsAsync(new Dictionary<string, string>(), "/", user, dll, "bundle", "install", secondBundle);
                Assert.True(code == 0, answer + error);
                Assert.Contains("Installed bundle epoch 2", answer, StringComparison.Ordinal);
                Assert.Contains(Path.Combine(app, "appsettings.Production.json"), error, StringComparison.Ordinal);
                Assert.Equal(await File.ReadAllTextAsync(secondBundle), await File.ReadAllTextAsync(Path.Combine(etc, "bundle", "bundle.json")));
                Assert.StartsWith($"{user}:{user} ", Stat(Path.Combine(etc, "bundle", "bundle.json")), StringComparison.Ordinal);

                var (showCode, shown, _) = await ServerProcess.RunAdminAsAsync(new Dictionary<string, string>(), "/", user, dll, "bundle", "show");
                Assert.Equal(0, showCode);
                Assert.Contains("epoch:            2", shown, StringComparison.Ordinal);
                await server.StopAsync();
            }

            // Nothing the service wrote is another user's: every file in the data folder is its own.
            Assert.All(Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories), path => Assert.StartsWith($"{user}:{user} ", Stat(path), StringComparison.Ordinal));
        }
        finally
        {
            Run("userdel", [user], null, expectSuccess: false);
            TestFolders.Delete(root);
        }
    }

    private static string Stat(string path) => Run("stat", "-c", "%U:%G %a", path).Trim();

    private static string Run(string file, params string[] arguments) => Run(file, arguments, null);

    private static string Run(string file, string[] arguments, Dictionary<string, string>? environment, bool expectSuccess = true)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"{file} did not finish");
        Assert.True(!expectSuccess || process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
