using System.Text.Json;
using SafeIntake.Intake.Web.Hosting;
using SafeIntake.Intake.Web.Tests.Hosting;

namespace SafeIntake.Intake.Web.Tests.Admin;

/// <summary>
/// The admin commands on a real parser, run as an administrator runs them (the real process): <c>--help</c> anywhere,
/// usage errors exit 2, every command answers <c>--json</c>, and <c>bundle show</c> prints what must be published.
/// </summary>
public sealed class AdminCommandTests
{
    private static readonly string[] ReadingCommands = ["server-key", "token list", "retention", "stats", "bundle show"];

    [Fact]
    public async Task Help_WithNoConfigurationAtAll_Exits0_ListingEveryCommand()
    {
        var elsewhere = TestFolders.Create("admin-help");
        try
        {
            var (code, output, _) = await ServerProcess.RunAdminWithAsync(new Dictionary<string, string>(), elsewhere, "--help");

            Assert.True(code == 0, output);
            foreach (var command in new[] { "server-key", "token", "bundle", "stats", "retention" })
            {
                Assert.Contains(command, output, StringComparison.Ordinal);
            }

            var (subCode, subOutput, _) = await ServerProcess.RunAdminWithAsync(new Dictionary<string, string>(), elsewhere, "token", "create", "--help");
            Assert.True(subCode == 0, subOutput);
            Assert.Contains("--reviewer", subOutput, StringComparison.Ordinal);
            Assert.Contains("--json", subOutput, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
        }
        finally
        {
            TestFolders.Delete(elsewhere);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("bogus")]
    [InlineData("token create")]
    [InlineData("token revoke")]
    [InlineData("token revoke 3f2a9c --reviewer alice")]
    [InlineData("stats --no-such-option")]
    public async Task Usage_Wrong_Exits2_WithoutTouchingTheConfiguration(string commandLine)
    {
        var arguments = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (code, output, error) = await ServerProcess.RunAdminWithAsync(new Dictionary<string, string>(), null, arguments);

        Assert.True(code == ExitCodes.Usage, $"exit {code}: {output}{error}");
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BundleShow_PrintsEpochExpiryReviewersAndTheFingerprintToPublish_InTextAndJson()
    {
        var folder = TestFolders.Create("admin-show");
        try
        {
            var expires = DateTimeOffset.UtcNow.AddDays(90);
            var (orgKey, bundlePath) = await TestBundles.WriteAsync(folder, expires, epoch: 7);
            var environment = TestBundles.Production(Path.Combine(folder, "data"), orgKey, bundlePath);
            var fingerprint = TestBundles.Fingerprint(bundlePath, orgKey);

            var (code, output, error) = await ServerProcess.RunAdminWithAsync(environment, null, "bundle", "show");
            Assert.True(code == 0, output + error);
            Assert.Contains("epoch:            7", output, StringComparison.Ordinal);
            Assert.Contains($"expires:          {expires:yyyy-MM-dd}", output, StringComparison.Ordinal);
            Assert.Contains($"fingerprint:      {fingerprint}", output, StringComparison.Ordinal);
            Assert.Contains("alice", output, StringComparison.Ordinal);
            Assert.DoesNotContain("WARNING", output, StringComparison.Ordinal);
            Assert.Contains("configuration: environment Production", error, StringComparison.Ordinal);

            var (jsonCode, json, _) = await ServerProcess.RunAdminWithAsync(environment, null, "bundle", "show", "--json");
            Assert.Equal(0, jsonCode);
            using var document = JsonDocument.Parse(json);
            Assert.Equal(7, document.RootElement.GetProperty("epoch").GetInt64());
            Assert.Equal(fingerprint, document.RootElement.GetProperty("fingerprint").GetString());
            Assert.Equal(expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), document.RootElement.GetProperty("expires").GetString());
            Assert.Equal("alice", document.RootElement.GetProperty("reviewers")[0].GetProperty("id").GetString());
            Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("warning").ValueKind);
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }

    [Fact]
    public async Task BundleShowAndStats_TenDaysBeforeExpiry_Warn_AndStatsSaysDegraded()
    {
        var folder = TestFolders.Create("admin-warn");
        try
        {
            var expires = DateTimeOffset.UtcNow.AddDays(10).AddHours(1);
            var (orgKey, bundlePath) = await TestBundles.WriteAsync(folder, expires);
            var environment = TestBundles.Production(Path.Combine(folder, "data"), orgKey, bundlePath);

            var (code, output, _) = await ServerProcess.RunAdminWithAsync(environment, null, "bundle", "show");
            Assert.Equal(0, code);
            Assert.Contains($"WARNING: The reviewer bundle (epoch 1) expires on {expires:yyyy-MM-dd}, in 10 day(s)", output, StringComparison.Ordinal);

            var (statsCode, stats, _) = await ServerProcess.RunAdminWithAsync(environment, null, "stats");
            Assert.Equal(0, statsCode);
            Assert.Contains("health: degraded (bundle-expiring", stats, StringComparison.Ordinal);
            Assert.Contains("WARNING: The reviewer bundle", stats, StringComparison.Ordinal);

            var (_, statsJson, _) = await ServerProcess.RunAdminWithAsync(environment, null, "stats", "--json");
            using var document = JsonDocument.Parse(statsJson);
            Assert.Equal("degraded", document.RootElement.GetProperty("health").GetProperty("status").GetString());
            Assert.Equal(10, document.RootElement.GetProperty("bundle").GetProperty("expiresInDays").GetInt32());
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }

    [Fact]
    public async Task Start_LogsTheFingerprintToPublish_AndTheExpiryWarning_InTheLogFile()
    {
        var folder = TestFolders.Create("start-log");
        try
        {
            var expires = DateTimeOffset.UtcNow.AddDays(5).AddHours(1);
            var (orgKey, bundlePath) = await TestBundles.WriteAsync(folder, expires);
            var data = Path.Combine(folder, "data");
            var fingerprint = TestBundles.Fingerprint(bundlePath, orgKey);
            await using (var server = ServerProcess.Launch(TestBundles.Production(data, orgKey, bundlePath)))
            {
                await server.WaitUntilReadyAsync();
                using var http = server.CreateClient();
                using var health = JsonDocument.Parse(await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
                Assert.Equal("degraded", health.RootElement.GetProperty("status").GetString());
                using var page = await http.GetAsync(new Uri("/", UriKind.Relative));
                Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
                await server.StopAsync();
            }

            var log = string.Concat(Directory.EnumerateFiles(Path.Combine(data, "logs")).Select(File.ReadAllText));
            Assert.Contains($"Serving in Production mode the reviewer bundle epoch 1, fingerprint {fingerprint} (publish it), expires {expires:yyyy-MM-dd}", log, StringComparison.Ordinal);
            Assert.Contains($"WRN] SafeIntake.Intake.Web.Hosting.IntakeHealth: The reviewer bundle (epoch 1) expires on {expires:yyyy-MM-dd}, in 5 day(s)", log, StringComparison.Ordinal);
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }

    [Fact]
    public async Task EveryReadingCommand_Json_IsOneJsonDocumentOnStdout()
    {
        var folder = TestFolders.Create("admin-json");
        try
        {
            var (orgKey, bundlePath) = await TestBundles.WriteAsync(folder, DateTimeOffset.UtcNow.AddDays(60));
            var environment = TestBundles.Production(Path.Combine(folder, "data"), orgKey, bundlePath);
            var (createCode, created, _) = await ServerProcess.RunAdminWithAsync(environment, null, "token", "create", "--reviewer", "alice", "--label", "laptop", "--json");
            Assert.Equal(0, createCode);
            using var token = JsonDocument.Parse(created);
            Assert.StartsWith("sift_", token.RootElement.GetProperty("token").GetString(), StringComparison.Ordinal);

            foreach (var command in ReadingCommands.Select(c => c.Split(' ')))
            {
                var (code, output, error) = await ServerProcess.RunAdminWithAsync(environment, null, [.. command, "--json"]);
                Assert.True(code == 0, $"{string.Join(' ', command)}: {output}{error}");
                using var _ = JsonDocument.Parse(output);
            }

            var (revokeCode, revoked, _) = await ServerProcess.RunAdminWithAsync(environment, null, "token", "revoke", "nosuchid", "--json");
            Assert.Equal(ExitCodes.Refused, revokeCode);
            using var refusal = JsonDocument.Parse(revoked);
            Assert.Contains("nosuchid", refusal.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }

    [Fact]
    public async Task TokenRevoke_Reviewer_RevokesEveryActiveTokenOfThatReviewer_AndIsQuietWhenNoneIsLeft()
    {
        var folder = TestFolders.Create("admin-revoke");
        try
        {
            var (orgKey, bundlePath) = await TestBundles.WriteAsync(folder, DateTimeOffset.UtcNow.AddDays(60));
            var environment = TestBundles.Production(Path.Combine(folder, "data"), orgKey, bundlePath);
            foreach (var label in new[] { "laptop", "spare" })
            {
                var (createCode, created, createErrors) = await ServerProcess.RunAdminWithAsync(environment, null, "token", "create", "--reviewer", "alice", "--label", label);
                Assert.True(createCode == 0, created + createErrors);
            }

            var (code, output, error) = await ServerProcess.RunAdminWithAsync(environment, null, "token", "revoke", "--reviewer", "alice");
            Assert.True(code == 0, output + error);
            Assert.Contains("Revoked 2 token(s) of reviewer alice", output, StringComparison.Ordinal);

            var (_, listed, _) = await ServerProcess.RunAdminWithAsync(environment, null, "token", "list", "--json");
            using var tokens = JsonDocument.Parse(listed);
            Assert.Equal(2, tokens.RootElement.GetArrayLength());
            Assert.All(tokens.RootElement.EnumerateArray(), t => Assert.Equal(JsonValueKind.String, t.GetProperty("revoked").ValueKind));

            var (againCode, again, againErrors) = await ServerProcess.RunAdminWithAsync(environment, null, "token", "revoke", "--reviewer", "alice");
            Assert.True(againCode == 0, again + againErrors);
            Assert.Contains("has no active token", again, StringComparison.Ordinal);
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }
}
