using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Storage;
using SafeIntake.Intake.Web.Tests.Hosting;

namespace SafeIntake.Intake.Web.Tests.Storage;

/// <summary>
/// docs/admin/upgrade.md: a data folder as the first release left it (its two migrations, a report's row and blob as it
/// stored them, the bundle it served) opened by today's server, which migrates at start, keeps serving, and exports
/// the old report so that it verifies under the pinned server key and opens with the reviewer's key.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UpgradeTests
{
    private static readonly string[] FirstRelease = ["20261126122131_InitialCreate", "20261126125241_AirGapTransfer"];

    [Fact]
    public async Task FirstReleaseDataFolder_OpenedByTodaysServer_MigratesAtStart_AndExportsTheOldReport()
    {
        var root = TestFolders.Create("upgrade");
        try
        {
            var data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
            using var organisation = OrganisationSigningKey.Generate();
            using var alice = ReviewerIdentity.Generate();
            var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            var signed = organisation.SignBundle(new ReviewerBundle
            {
                Organisation = "Upgrade test",
                OrganisationKey = organisation.PublicKey,
                Epoch = 1,
                Issued = now.AddDays(-1),
                Expires = now.AddDays(60),
                Reviewers = [alice.ToBundleEntry("alice", "Alice")],
            });
            var bundlePath = Path.Combine(root, "bundle.json");
            await File.WriteAllTextAsync(bundlePath, signed.ToFileText());
            // WitnessClient pins the organisation key from <folder>/organisation.pub, as the demo keeps it.
            await File.WriteAllTextAsync(Path.Combine(root, "organisation.pub"), organisation.PublicKey.ToBase64());

            var old = WitnessClient.Seal([signed.Bundle.Reviewers[0].EncryptionKey], signed.Hash.ToArray(), "report",
                new JsonObject { ["category"] = "police", ["lang"] = "en", ["text"] = "sent to the first release" }, [("photo.jpg", new byte[20_000])]);
            var oldId = await WriteFirstReleaseFolderAsync(data, signed, old);

            var environment = TestBundles.Production(data, organisation.PublicKey.ToBase64(), bundlePath);
            environment["Intake__PowDifficulty"] = "4";
            environment["Intake__PowIterations"] = "100";
            await using (var server = ServerProcess.Launch(environment))
            {
                await server.WaitUntilReadyAsync();
                using var http = server.CreateClient();
                var health = JsonNode.Parse(await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)))!;
                Assert.True((string?)health["status"] == "ok", health.ToJsonString());

                // Still takes reports after the upgrade, numbered after the old one.
                using var witness = new WitnessClient(http, root);
                var after = await witness.SealReportAsync("sent after the upgrade");
                await witness.SubmitOkAsync(after);

                var (keyCode, key, keyErrors) = await ServerProcess.RunAdminWithAsync(environment, null, "server-key");
                Assert.True(keyCode == 0, key + keyErrors);
                var (tokenCode, token, tokenErrors) = await ServerProcess.RunAdminWithAsync(environment, null, "token", "create", "--reviewer", "alice");
                Assert.True(tokenCode == 0, token + tokenErrors);

                var file = await ExportAssert.FetchAsync(http, token.Split('\n')[0].Trim());
                ExportAssert.Verifies(file, key.Split('\n')[0].Trim(), [old, after]);
                var manifest = ExportManifest(file);
                Assert.Equal(oldId, (string?)manifest["items"]![0]!["id"]);
                Assert.Equal([1L, 2L], manifest["items"]!.AsArray().Select(i => (long)i!["seq"]!));
                await server.StopAsync();
            }

            using (var stream = new MemoryStream(old))
            {
                var sink = new MemoryEnvelopeSink();
                var opened = EnvelopeOpener.Open(stream, [alice.EncryptionKey], sink);
                Assert.True(opened.IsSuccess, $"{opened.Status} {opened.Detail}");
                Assert.Equal("sent to the first release", opened.Manifest!.Root.GetProperty("text").GetString());
            }

            await using var db = Open(data);
            Assert.Equal(db.GetService<IMigrationsAssembly>().Migrations.Keys.Order(), (await db.Database.GetAppliedMigrationsAsync()).Order());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TestFolders.Delete(root);
        }
    }

    /// <summary>
    /// The first release's schema (its own two migrations, nothing later), the bundle it served, and one report stored
    /// as it stored them: a row in state Stored, the ciphertext in <c>blobs/&lt;id&gt;</c> with its times at midnight UTC.
    /// </summary>
    private static async Task<string> WriteFirstReleaseFolderAsync(string data, SignedReviewerBundle bundle, byte[] envelope)
    {
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var day = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var bundleHash = Convert.ToHexStringLower(bundle.Hash.Span);
        await using (var db = Open(data))
        {
            await db.GetService<IMigrator>().MigrateAsync(FirstRelease[^1]);
            Assert.Equal(FirstRelease, await db.Database.GetAppliedMigrationsAsync());
            await db.Database.ExecuteSqlAsync($"INSERT INTO Bundles (Hash, Epoch, InstalledDay, FileText) VALUES ({bundleHash}, 1, {day}, {bundle.ToFileText()})");
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO Envelopes (Id, Kind, ReceivedDay, Size, EnvelopeHash, BundleHash, MailboxId, MailboxKey, ReviewerId, Signature, State)
                VALUES ({id}, 1, {day}, {envelope.LongLength}, {Convert.ToHexStringLower(WitnessClient.EnvelopeHash(envelope))}, {bundleHash}, NULL, NULL, NULL, NULL, 1)
                """);
        }

        SqliteConnection.ClearAllPools();
        var blob = Path.Combine(Directory.CreateDirectory(Path.Combine(data, "blobs")).FullName, id);
        await File.WriteAllBytesAsync(blob, envelope);
        var midnight = DateTime.UtcNow.Date;
        File.SetLastWriteTimeUtc(blob, midnight);
        File.SetLastAccessTimeUtc(blob, midnight);
        return id;
    }

    private static JsonNode ExportManifest(byte[] file)
    {
        var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(8));
        return JsonNode.Parse(file.AsSpan(12, length))!;
    }

    private static IntakeDbContext Open(string data) =>
        new(new DbContextOptionsBuilder<IntakeDbContext>().UseSqlite($"Data Source={Path.Combine(data, "intake.db")};Pooling=False").Options);
}
