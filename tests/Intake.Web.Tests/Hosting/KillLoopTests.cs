using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace SafeIntake.Intake.Web.Tests.Hosting;

/// <summary>
/// Issue 9, "accepted means kept", with real processes: witnesses upload concurrently while the server is killed
/// with SIGKILL at random moments, or while administrators run commands beside it; afterwards every report that got
/// 201 is in an export, byte for byte. Cycle counts come from SAFEINTAKE_KILL_CYCLES and SAFEINTAKE_ADMIN_RUNS
/// (bench/killloop.sh runs hundreds); CI runs a few.
/// </summary>
public sealed class KillLoopTests
{
    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;

    [Fact]
    public async Task KillDashNine_AtRandomMomentsDuringConcurrentUploads_EveryReportThatGot201IsExportedByteIdentical()
    {
        var cycles = Setting("SAFEINTAKE_KILL_CYCLES", 12);
        var demo = TestFolders.Create("killloop");
        try
        {
            var accepted = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
            var random = new Random();
            for (var cycle = 0; cycle < cycles; cycle++)
            {
                await using var server = await ServerProcess.StartDemoAsync(demo);
                using var stop = new CancellationTokenSource();
                var witnesses = Enumerable.Range(0, 3).Select(_ => UploadUntilStoppedAsync(server, demo, accepted, stop.Token)).ToList();
                var before = accepted.Count;
                await Task.Delay(random.Next(150, 1200));
                // Every other cycle waits (bounded) for this cycle's first 201, so a slow machine still kills during
                // finalizes and not only during start-up; the others kill at any moment.
                for (var waited = 0; cycle % 2 == 1 && accepted.Count == before && waited < 150; waited++)
                {
                    await Task.Delay(100);
                }

                await Task.Delay(random.Next(0, 300));
                await server.KillHardAsync();
                await stop.CancelAsync();
                await Task.WhenAll(witnesses);
            }

            var (lost, exported) = await ExportAndCompareAsync(demo, accepted);
            Console.WriteLine($"kill loop: {cycles} cycles, {accepted.Count} reports got 201, {exported} exported, {lost} lost");
            Assert.Equal(0, lost);
            Assert.NotEmpty(accepted);
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    [Fact]
    public async Task AdminCommands_RunRepeatedlyBesideARunningServerDuringUploads_LoseNothing()
    {
        var runs = Setting("SAFEINTAKE_ADMIN_RUNS", 6);
        var demo = TestFolders.Create("adminloop");
        try
        {
            var accepted = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
            await using (var server = await ServerProcess.StartDemoAsync(demo))
            {
                using var stop = new CancellationTokenSource();
                var witnesses = Enumerable.Range(0, 3).Select(_ => UploadUntilStoppedAsync(server, demo, accepted, stop.Token)).ToList();
                string[][] commands = [["stats"], ["token", "list"], ["retention"], ["server-key"]];
                for (var run = 0; run < runs; run++)
                {
                    var (code, output) = await ServerProcess.RunAdminAsync(demo, commands[run % commands.Length]);
                    Assert.True(code == 0, $"admin {string.Join(' ', commands[run % commands.Length])} exited {code}: {output}");
                }

                await stop.CancelAsync();
                await Task.WhenAll(witnesses);
                var missing = MissingOnDisk(Path.Combine(demo, "server-data"), accepted);
                Assert.True(missing == 0, $"{missing} of {accepted.Count} reports that got 201 have no row or no blob after {runs} admin runs");

                // A second server on the same folder refuses instead of repairing under the first one.
                var second = ServerProcess.Launch(new Dictionary<string, string>(StringComparer.Ordinal) { ["Intake__Mode"] = "Demo", ["Intake__DemoPath"] = demo });
                Assert.Equal(SafeIntake.Intake.Web.Hosting.ExitCodes.DataFolderInUse, await second.WaitForExitAsync(TimeSpan.FromSeconds(90)));
                Assert.Contains("lock", second.StandardError, StringComparison.Ordinal);
                await second.DisposeAsync();
                await server.StopAsync();
            }

            var (lost, exported) = await ExportAndCompareAsync(demo, accepted);
            Console.WriteLine($"admin loop: {runs} admin runs, {accepted.Count} reports got 201, {exported} exported, {lost} lost");
            Assert.Equal(0, lost);
            Assert.NotEmpty(accepted);
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    /// <summary>One witness submitting reports back to back; a report counts as accepted only on 201.</summary>
    private static async Task UploadUntilStoppedAsync(ServerProcess server, string demo, ConcurrentDictionary<string, byte[]> accepted, CancellationToken stop)
    {
        try
        {
            using var witness = new WitnessClient(server.CreateClient(), demo);
            var random = new Random();
            while (!stop.IsCancellationRequested)
            {
                var attachment = new byte[random.Next(1, 40_000)];
                random.NextBytes(attachment);
                var envelope = await witness.SealReportAsync("kill loop " + Guid.NewGuid().ToString("N"), ("a.bin", attachment));
                using var response = await witness.SubmitAsync(envelope);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    accepted[Convert.ToHexStringLower(WitnessClient.EnvelopeHash(envelope))] = envelope;
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException or IOException
            or Xunit.Sdk.XunitException)
        {
            // The server died under this witness: whatever was not answered 201 was never promised.
        }
    }

    /// <summary>Accepted reports whose row or blob is missing or different, read straight from the data folder.</summary>
    private static int MissingOnDisk(string dataPath, ConcurrentDictionary<string, byte[]> accepted)
    {
        var rows = StoreSnapshot.Query(dataPath, "SELECT Id, EnvelopeHash FROM Envelopes").ToDictionary(r => r["EnvelopeHash"]!, r => r["Id"]!, StringComparer.Ordinal);
        return accepted.Count(a => !rows.TryGetValue(a.Key, out var id) || !File.Exists(StoreSnapshot.BlobFile(dataPath, id))
            || !File.ReadAllBytes(StoreSnapshot.BlobFile(dataPath, id)).AsSpan().SequenceEqual(a.Value));
    }

    /// <summary>Starts the server once more, exports everything and counts accepted reports missing or different.</summary>
    private static async Task<(int Lost, int Exported)> ExportAndCompareAsync(string demo, ConcurrentDictionary<string, byte[]> accepted)
    {
        var (code, output) = await ServerProcess.RunAdminAsync(demo, "token", "create", "--reviewer", "demo");
        Assert.True(code == 0, output);
        var token = output.Split('\n').First(l => l.StartsWith("sift_", StringComparison.Ordinal)).Trim();
        await using var server = await ServerProcess.StartDemoAsync(demo);
        using var client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/export", UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = await response.Content.ReadAsByteArrayAsync();
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(8));
        var manifest = JsonNode.Parse(file.AsSpan(12, length))!.AsObject();
        var offset = 12 + length + 64;
        var exported = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var item in manifest["items"]!.AsArray().Where(i => i!["state"]!.GetValue<string>() == "included"))
        {
            var size = item!["size"]!.GetValue<int>();
            exported[item["hash"]!.GetValue<string>()] = file[offset..(offset + size)];
            offset += size;
        }

        Assert.Equal(file.Length, offset);
        await server.StopAsync();
        var lost = accepted.Count(a => !exported.TryGetValue(a.Key, out var bytes) || !bytes.AsSpan().SequenceEqual(a.Value));
        return (lost, exported.Count);
    }
}
