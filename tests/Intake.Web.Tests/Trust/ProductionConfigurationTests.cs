using System.Net;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Tests.Hosting;

namespace SafeIntake.Intake.Web.Tests.Trust;

/// <summary>
/// <c>Intake:Mode=Production</c> on the real process: with anything missing or a bundle the pinned organisation key
/// did not sign, the server refuses to start — exit code non-zero, a message that names what to fix — rather than
/// serve keys witnesses would reject, or fall back to a demo.
/// </summary>
public sealed class ProductionConfigurationTests
{
    private static readonly TimeSpan RefusalTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Start_ProductionWithNoConfiguration_ExitsNonZero_NamingIntakeDataPath()
    {
        var (exitCode, stderr) = await RunExpectingRefusalAsync(new() { ["Intake__Mode"] = "Production" });

        Assert.Equal(SafeIntake.Intake.Web.Hosting.ExitCodes.Configuration, exitCode);
        Assert.Contains("Intake:DataPath", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ProductionWithoutKeyAndBundle_ExitsNonZero_NamingBoth()
    {
        var folder = TestFolders.Create("prod");
        try
        {
            var (exitCode, stderr) = await RunExpectingRefusalAsync(new() { ["Intake__Mode"] = "Production", ["Intake__DataPath"] = Path.Combine(folder, "data") });

            Assert.Equal(SafeIntake.Intake.Web.Hosting.ExitCodes.Configuration, exitCode);
            Assert.Contains("Intake:OrganisationKey", stderr, StringComparison.Ordinal);
            Assert.Contains("Intake:BundlePath", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, "data", "intake.db")), "a refused start created a database");
            Assert.False(File.Exists(Path.Combine(folder, "data", "bundle.json")));
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }

    public static TheoryData<string, string> BrokenTrust => new()
    {
        { "signed by another organisation", "not signed by the pinned organisation key" },
        { "bundle file missing", "does not exist" },
        { "organisation key not base64", "Intake:OrganisationKey" },
        { "bundle expired", "expired" },
        { "bundle malformed", "malformed" },
    };

    [Theory]
    [MemberData(nameof(BrokenTrust))]
    public async Task Start_ProductionWithABundleThePinnedKeyDoesNotVouchFor_Refuses(string broken, string message)
    {
        var folder = TestFolders.Create("prod");
        try
        {
            using var organisation = OrganisationSigningKey.Generate();
            using var otherOrganisation = OrganisationSigningKey.Generate();
            var signer = broken == "signed by another organisation" ? otherOrganisation : organisation;
            var expires = broken == "bundle expired" ? DateTimeOffset.UtcNow.AddDays(-1) : DateTimeOffset.UtcNow.AddDays(30);
            var bundlePath = Path.Combine(folder, "bundle.json");
            if (broken != "bundle file missing")
            {
                await File.WriteAllTextAsync(bundlePath, broken == "bundle malformed" ? "{\"format\":\"nonsense\"}" : SignBundle(signer, expires));
            }

            var (exitCode, stderr) = await RunExpectingRefusalAsync(new()
            {
                ["Intake__Mode"] = "Production",
                ["Intake__DataPath"] = Path.Combine(folder, "data"),
                ["Intake__OrganisationKey"] = broken == "organisation key not base64" ? "not-a-key" : organisation.PublicKey.ToBase64(),
                ["Intake__BundlePath"] = bundlePath,
            });

            Assert.Equal(SafeIntake.Intake.Web.Hosting.ExitCodes.Trust, exitCode);
            Assert.Contains(message, stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, "data", "intake.db")), "a refused start created a database");
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }

    [Fact]
    public async Task Start_ProductionWithThePinnedKeyAndItsBundle_ServesThatBundle_NotTheDemo()
    {
        // The control for the refusals above: the same configuration, correct, starts.
        var folder = TestFolders.Create("prod");
        try
        {
            using var organisation = OrganisationSigningKey.Generate();
            var bundlePath = Path.Combine(folder, "bundle.json");
            var bundleText = SignBundle(organisation, DateTimeOffset.UtcNow.AddDays(30));
            await File.WriteAllTextAsync(bundlePath, bundleText);
            var server = ServerProcess.Launch(new Dictionary<string, string>
            {
                ["Intake__Mode"] = "Production",
                ["Intake__DataPath"] = Path.Combine(folder, "data"),
                ["Intake__OrganisationKey"] = organisation.PublicKey.ToBase64(),
                ["Intake__BundlePath"] = bundlePath,
            });
            await using (server)
            {
                using var http = server.CreateClient();
                var served = await WaitForBundleAsync(http, server);

                Assert.Equal(bundleText, served);
                Assert.DoesNotContain("DEMO", server.StandardOutput, StringComparison.Ordinal);
                Assert.Contains(organisation.PublicKey.ToBase64(), server.StandardOutput, StringComparison.Ordinal);
                await server.StopAsync();
            }
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }

    private static string SignBundle(OrganisationSigningKey signer, DateTimeOffset expires)
    {
        using var reviewer = ReviewerIdentity.Generate();
        var bundle = new ReviewerBundle
        {
            Organisation = "Test organisation",
            OrganisationKey = signer.PublicKey,
            Epoch = 1,
            Issued = expires.AddDays(-60),
            Expires = expires,
            Reviewers = [reviewer.ToBundleEntry("alice", "Alice")],
        };
        return signer.SignBundle(bundle).ToFileText();
    }

    private static async Task<(int ExitCode, string StandardError)> RunExpectingRefusalAsync(Dictionary<string, string> environment)
    {
        var server = ServerProcess.Launch(environment);
        await using (server)
        {
            var exitCode = await server.WaitForExitAsync(RefusalTimeout);
            var stderr = server.StandardError;
            // A refusal is a sentence for the administrator, not a crash dump.
            Assert.Contains("SafeIntake will not start", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
            return (exitCode, stderr);
        }
    }

    private static async Task<string> WaitForBundleAsync(HttpClient http, ServerProcess server)
    {
        for (var attempt = 0; attempt < 1800; attempt++)
        {
            Assert.False(server.HasExited, $"the server exited: {server.StandardError}");
            try
            {
                using var response = await http.GetAsync(new Uri("/api/v1/bundle", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return await response.Content.ReadAsStringAsync();
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail("the server never served its bundle");
        return "";
    }
}
