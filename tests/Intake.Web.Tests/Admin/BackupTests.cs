using System.Text;
using SafeIntake.Intake.Web.Tests.Hosting;

namespace SafeIntake.Intake.Web.Tests.Admin;

/// <summary>
/// <c>admin backup</c> beside the running server, restored into a new data folder: the restored server signs exports
/// with the key the reviewers pinned, and the export a console fetches next verifies — signature, hashes, bytes — with
/// every report accepted before the backup and none after it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BackupTests
{
    [Fact]
    public async Task Backup_WhileTheServerRuns_RestoresIntoANewDataFolder_WhoseExportVerifiesUnderThePinnedKey()
    {
        var demo = TestFolders.Create("backup");
        var backup = Path.Combine(TestFolders.Create("backup-copy"), "copy");
        var restored = TestFolders.Create("backup-restored");
        try
        {
            var before = new List<byte[]>();
            string pinned;
            await using (var server = await ServerProcess.StartDemoAsync(demo))
            {
                using var http = server.CreateClient();
                using var witness = new WitnessClient(http, demo);
                for (var i = 0; i < 2; i++)
                {
                    var report = await witness.SealReportAsync($"report {i} before the backup", ($"photo{i}.jpg", Encoding.UTF8.GetBytes(new string('x', 30_000 + i))));
                    await witness.SubmitOkAsync(report);
                    before.Add(report);
                }

                var (keyCode, keyOutput) = await ServerProcess.RunAdminAsync(demo, "server-key");
                Assert.True(keyCode == 0, keyOutput);
                pinned = keyOutput.Split('\n')[0].Trim();

                var (code, output) = await ServerProcess.RunAdminAsync(demo, "backup", backup);
                Assert.True(code == 0, output);
                Assert.Contains("2 blobs", output, StringComparison.Ordinal);

                // Arrives after the backup: must not be in the restored server.
                await witness.SubmitOkAsync(await witness.SealReportAsync("after the backup"));
                await server.StopAsync();
            }

            Assert.Equal("700", Convert.ToString((int)File.GetUnixFileMode(backup), 8));
            var (refusedCode, refused) = await ServerProcess.RunAdminAsync(demo, "backup", backup);
            Assert.Equal(SafeIntake.Intake.Web.Hosting.ExitCodes.Refused, refusedCode);
            Assert.Contains("not empty", refused, StringComparison.Ordinal);

            // Restore as docs/admin/backup.md says: the copy's contents become a new data folder.
            CopyAll(backup, restored);
            var environment = new Dictionary<string, string> { ["Intake__DataPath"] = restored };
            await using (var server = await ServerProcess.StartDemoAsync(demo, environment))
            {
                var admin = new Dictionary<string, string> { ["Intake__Mode"] = "Demo", ["Intake__DemoPath"] = demo, ["Intake__DataPath"] = restored };
                var (_, key, _) = await ServerProcess.RunAdminWithAsync(admin, null, "server-key");
                Assert.Equal(pinned, key.Split('\n')[0].Trim());
                var (tokenCode, tokenOutput, tokenError) = await ServerProcess.RunAdminWithAsync(admin, null, "token", "create", "--reviewer", "demo");
                Assert.True(tokenCode == 0, tokenOutput + tokenError);

                using var http = server.CreateClient();
                var file = await ExportAssert.FetchAsync(http, tokenOutput.Split('\n')[0].Trim());
                ExportAssert.Verifies(file, pinned, before);
                await server.StopAsync();
            }
        }
        finally
        {
            TestFolders.Delete(demo);
            TestFolders.Delete(Path.GetDirectoryName(backup)!);
            TestFolders.Delete(restored);
        }
    }

    private static void CopyAll(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
