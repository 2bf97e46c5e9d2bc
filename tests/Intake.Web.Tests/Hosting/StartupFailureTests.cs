using System.Net;
using System.Net.Sockets;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Hosting;

namespace SafeIntake.Intake.Web.Tests.Hosting;

/// <summary>
/// Fail closed, and say so plainly: on the real process, each way a start can go wrong — no production configuration,
/// a port in use, a bundle or data folder the service user cannot use, a key ring that cannot open the server's key,
/// a data folder held by another server — ends with its documented exit code and at most two lines, never a stack
/// trace and never a demo nobody asked for (issue 11).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StartupFailureTests
{
    private static readonly TimeSpan RefusalTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Start_ProductionEnvironmentWithNoConfiguration_Exits10_SaysWhichConfigurationItRead_AndMakesNoDemo()
    {
        var root = TestFolders.Create("noconf");
        try
        {
            // What issue 11 found: ASPNETCORE_ENVIRONMENT=Production and no appsettings.Production.json started a demo.
            var server = ServerProcess.Launch(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" }, contentRoot: root);
            var stderr = await AssertRefusedAsync(server, ExitCodes.Configuration, "No production configuration");

            Assert.Contains("configuration read: environment Production", stderr, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(root, "appsettings.Production.json") + " (not found)", stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(root));
        }
        finally
        {
            TestFolders.Delete(root);
        }
    }

    [Fact]
    public async Task Start_DevelopmentEnvironment_StartsTheDemo_AsDotnetRunDoes()
    {
        var root = TestFolders.Create("devdemo");
        try
        {
            var port = ServerProcess.ReservePort();
            var server = ServerProcess.Launch(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development", ["Intake__DemoPath"] = Path.Combine(root, "demo") },
                extraArguments: ["--urls", $"http://127.0.0.1:{port}"], port: port);
            await using (server)
            {
                await server.WaitUntilReadyAsync();
                Assert.Contains("DEMO MODE", server.StandardOutput, StringComparison.Ordinal);
                Assert.True(File.Exists(Path.Combine(root, "demo", "bundle.json")));
                await server.StopAsync();
            }
        }
        finally
        {
            TestFolders.Delete(root);
        }
    }

    [Fact]
    public async Task Admin_RunWithoutTheServicesConfiguration_Exits10_NamesTheConfigurationRead_AndCreatesNoDemoFolder()
    {
        var elsewhere = TestFolders.Create("admin-elsewhere");
        try
        {
            // An administrator in their home folder, without the unit's environment: no demo must appear there.
            var admin = ServerProcess.Launch(new Dictionary<string, string>(), ["admin", "stats"], workingDirectory: elsewhere);
            var stderr = await AssertRefusedAsync(admin, ExitCodes.Configuration, "admin refused: No production configuration");
            Assert.Contains("configuration read: environment Production", stderr, StringComparison.Ordinal);
            Assert.Contains(elsewhere, stderr, StringComparison.Ordinal);

            // Even a demo configuration does not make a demo from an admin command.
            var demoAdmin = ServerProcess.Launch(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, ["admin", "stats"], workingDirectory: elsewhere);
            await AssertRefusedAsync(demoAdmin, ExitCodes.Configuration, "no demo server has run on " + Path.Combine(elsewhere, "safeintake-demo"));
            Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
        }
        finally
        {
            TestFolders.Delete(elsewhere);
        }
    }

    [Fact]
    public async Task Start_UnknownMode_Exits10_NamingTheSetting()
    {
        var server = ServerProcess.Launch(new Dictionary<string, string> { ["Intake__Mode"] = "Prod" });
        await AssertRefusedAsync(server, ExitCodes.Configuration, "Intake:Mode is 'Prod'; it must be Production or Demo.");
    }

    [Fact]
    public async Task Start_PortInUse_Exits14_InOneLineNamingTheAddress()
    {
        var demo = TestFolders.Create("port");
        try
        {
            using var squatter = new TcpListener(IPAddress.Loopback, 0);
            squatter.Start();
            var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
            var server = ServerProcess.Launch(new Dictionary<string, string> { ["Intake__Mode"] = "Demo", ["Intake__DemoPath"] = demo },
                extraArguments: ["--urls", $"http://127.0.0.1:{port}"], port: port);

            await AssertRefusedAsync(server, ExitCodes.Listen, $"http://127.0.0.1:{port}: address already in use");
            Assert.DoesNotContain("Hosting failed to start", server.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    [AsServiceUserFact]
    public async Task Start_ServiceUserCannotWriteTheDataFolder_Exits12_NamingFolderAndUser()
    {
        var folder = TestFolders.Create("unwritable");
        try
        {
            var (orgKey, bundlePath) = await TestBundles.WriteAsync(folder, DateTimeOffset.UtcNow.AddDays(30));
            var data = Directory.CreateDirectory(Path.Combine(folder, "data")).FullName; // root's, 0755
            var server = ServerProcess.Launch(TestBundles.Production(data, orgKey, bundlePath), asNobody: true);

            await AssertRefusedAsync(server, ExitCodes.DataFolder, $"The data folder {data} cannot be written by this user (nobody): permission denied.");
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }

    [AsServiceUserFact]
    public async Task Start_ServiceUserCannotReadTheBundle_Exits11_NamingFileAndUser()
    {
        var folder = TestFolders.Create("unreadable");
        try
        {
            var (orgKey, bundlePath) = await TestBundles.WriteAsync(folder, DateTimeOffset.UtcNow.AddDays(30));
            File.SetUnixFileMode(bundlePath, UnixFileMode.UserRead | UnixFileMode.UserWrite); // 0600 root: issue 11's crash
            var data = Directory.CreateDirectory(Path.Combine(folder, "data")).FullName;
            File.SetUnixFileMode(data, (UnixFileMode)0x1FF);
            var server = ServerProcess.Launch(TestBundles.Production(data, orgKey, bundlePath), asNobody: true);

            await AssertRefusedAsync(server, ExitCodes.Trust, $"The reviewer bundle {bundlePath} cannot be read by this user (nobody): permission denied.");
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }

    [Fact]
    public async Task Start_ExpiredBundle_Exits11_InOneLine()
    {
        var folder = TestFolders.Create("expired");
        try
        {
            var (orgKey, bundlePath) = await TestBundles.WriteAsync(folder, DateTimeOffset.UtcNow.AddDays(-1));
            var server = ServerProcess.Launch(TestBundles.Production(Path.Combine(folder, "data"), orgKey, bundlePath));

            await AssertRefusedAsync(server, ExitCodes.Trust, "The reviewer bundle has expired");
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }

    [Fact]
    public async Task Start_KeyRingCannotOpenTheServerSigningKey_Exits11_InsteadOfCrashing()
    {
        var demo = TestFolders.Create("badkey");
        try
        {
            await using (var first = await ServerProcess.StartDemoAsync(demo))
            {
                await first.StopAsync();
            }

            // A data folder restored without its key ring: the server's signing key can no longer be opened.
            var keys = Path.Combine(demo, "server-data", "keys");
            Assert.True(File.Exists(Path.Combine(demo, "server-data", "server-signing.key")), "the first start did not create the server's signing key");
            Directory.Delete(keys, recursive: true);
            var server = ServerProcess.Launch(new Dictionary<string, string> { ["Intake__Mode"] = "Demo", ["Intake__DemoPath"] = demo });

            await AssertRefusedAsync(server, ExitCodes.Trust, "server-signing.key in the data folder cannot be opened with the key ring");
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    [Fact]
    public async Task Start_DataFolderLockedByAnotherProcess_Exits13_NamingTheLock()
    {
        var demo = TestFolders.Create("locked");
        try
        {
            var data = Directory.CreateDirectory(Path.Combine(demo, "server-data")).FullName;
            using var held = new FileStream(Path.Combine(data, SafeIntake.Intake.Web.Storage.DataFolderLock.FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            var server = ServerProcess.Launch(new Dictionary<string, string> { ["Intake__Mode"] = "Demo", ["Intake__DemoPath"] = demo });

            await AssertRefusedAsync(server, ExitCodes.DataFolderInUse, "another process holds the data folder's lock (intake.lock)");
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    /// <summary>The refusal: the exit code, the sentence, at most two lines on stderr, no trace anywhere.</summary>
    private static async Task<string> AssertRefusedAsync(ServerProcess server, int exitCode, string expected)
    {
        await using (server)
        {
            var code = await server.WaitForExitAsync(RefusalTimeout);
            var stderr = server.StandardError;
            var everything = server.StandardOutput + stderr;
            var context = $"\nstdout:\n{server.StandardOutput}\nstderr:\n{stderr}";
            Assert.True(code == exitCode, $"exit {code}, expected {exitCode}{context}");
            Assert.True(stderr.Contains(expected, StringComparison.Ordinal), $"stderr does not say \"{expected}\"{context}");
            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => !l.StartsWith("configuration: ", StringComparison.Ordinal)).ToList();
            Assert.True(lines.Count is >= 1 and <= 2, $"{lines.Count} lines on stderr{context}");
            Assert.DoesNotContain("   at ", everything, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", everything, StringComparison.Ordinal);
            return stderr;
        }
    }
}
