using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SafeIntake.Intake.Web.Tests.Security;

namespace SafeIntake.Intake.Web.Tests.Hosting;

/// <summary>
/// The server keeps no plaintext, no client address and no user agent — checked the way a seizure would: run the
/// real process, feed it a canary through every door (report fields, attachments, query strings, bodies, headers,
/// a malformed HTTP request), stop it, and search every byte it left on disk and everything it printed.
/// </summary>
public sealed class LogCanaryTests
{
    private const string ClientAddress = "127.0.0.77";

    [Fact]
    public async Task RealServer_AfterReportsAndBadRequestsCarryingACanary_NoFileAndNoOutputHoldsTheCanaryTheAgentOrTheAddress()
    {
        var demo = TestFolders.Create("canary");
        try
        {
            var canary = "CANARY" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            var agent = "CanaryBrowser/" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + " (X11; Canaryland)";
            var dataPath = Path.Combine(demo, "server-data");
            string stdout, stderr;
            await using (var server = await ServerProcess.StartDemoAsync(demo))
            {
                using var http = server.CreateClient(IPAddress.Parse(ClientAddress), agent);
                http.DefaultRequestHeaders.Referrer = new Uri("http://referrer.invalid/" + canary);
                http.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", ClientAddress);
                http.DefaultRequestHeaders.TryAddWithoutValidation("Forwarded", $"for={ClientAddress}");
                http.DefaultRequestHeaders.TryAddWithoutValidation("X-Canary", canary);
                using var witness = new WitnessClient(http, demo);
                var checkedResponses = new List<HttpResponseMessage>();

                // A report and a follow-up whose plaintext is full of the canary: stored, but only as ciphertext.
                using var keys = Witnesses.NewCodenameKeys();
                var report = await witness.SealReportAsync($"{canary} saw it all. {canary}", ($"{canary}.txt", Encoding.UTF8.GetBytes($"{canary} attachment")));
                await witness.SubmitOkAsync(report, mailbox: keys.MailboxKey.PublicKey.ToBase64());
                var followUp = await witness.SealAsync("follow-up", new JsonObject { ["text"] = canary }, []);
                await witness.SubmitOkAsync(followUp, "follow-up", keys.MailboxKey.PublicKey.ToBase64(),
                    Convert.ToBase64String(keys.SignFollowUp(WitnessClient.EnvelopeHash(followUp))));
                await witness.CheckMailboxAsync(keys);

                // Requests with the canary in paths, query strings, bodies and headers.
                checkedResponses.Add(await http.GetAsync(new Uri($"/?q={canary}", UriKind.Relative)));
                checkedResponses.Add(await http.GetAsync(new Uri($"/api/v1/bundle?{canary}={canary}", UriKind.Relative)));
                checkedResponses.Add(await http.GetAsync(new Uri($"/{canary}/replies?x={canary}", UriKind.Relative)));
                checkedResponses.Add(await http.GetAsync(new Uri($"/{canary}.php", UriKind.Relative)));
                checkedResponses.Add(await http.PostAsync(new Uri($"/api/v1/pow?{canary}", UriKind.Relative), new StringContent(canary)));
                checkedResponses.Add(await http.PostAsync(new Uri($"/api/v1/uploads?c={canary}", UriKind.Relative),
                    Json($"{{\"kind\":\"{canary}\",\"size\":20000,\"mailbox\":\"{canary}\"}}")));
                checkedResponses.Add(await http.PostAsync(new Uri("/api/v1/uploads", UriKind.Relative), Json($"{{\"kind\":\"{canary}")));
                checkedResponses.Add(await http.PostAsync(new Uri("/api/v1/uploads", UriKind.Relative), Json($"{{\"kind\":\"report\",\"size\":\"{canary}\"}}")));
                checkedResponses.Add(await http.PostAsync(new Uri("/api/v1/uploads", UriKind.Relative), new StringContent(canary, Encoding.UTF8, "text/plain")));
                checkedResponses.Add(await witness.PostUploadAsync("report", 20_000, await witness.SolvePowAsync(), website: canary));
                checkedResponses.Add(await witness.PostUploadAsync("report", 20_000, new PowSolution(canary, canary, 4)));
                checkedResponses.Add(await witness.PatchAsync(canary, 0, Encoding.UTF8.GetBytes(canary)));
                checkedResponses.Add(await witness.HeadAsync(canary));
                checkedResponses.Add(await witness.FinalizeAsync(canary, canary));
                checkedResponses.Add(await witness.CancelAsync(canary));
                checkedResponses.Add(await witness.ChallengeAsync(canary));
                checkedResponses.Add(await witness.OpenMailboxAsync(keys.MailboxKey.PublicKey.ToBase64(), canary, canary));
                checkedResponses.Add(await witness.PostReplyAsync(Encoding.UTF8.GetBytes(canary), keys.MailboxKey.PublicKey.ToBase64(), canary, canary));
                checkedResponses.Add(await witness.PostReplyAsync(Encoding.UTF8.GetBytes(canary), keys.MailboxKey.PublicKey.ToBase64(), "demo", new string('A', 88)));

                // Uploads that carry the canary in cleartext and are refused or cancelled: their bytes must go.
                var plaintext = new byte[20_000];
                Encoding.UTF8.GetBytes($"{canary} not even encrypted {canary}").CopyTo(plaintext, 1000);
                var refused = await witness.CreateUploadAsync(plaintext.Length);
                await witness.UploadRangeAsync(refused, plaintext, 0, plaintext.Length);
                checkedResponses.Add(await witness.FinalizeAsync(refused.Id));
                var cancelled = await witness.CreateUploadAsync(plaintext.Length);
                await witness.UploadRangeAsync(cancelled, plaintext, 0, refused.ChunkBytes);
                checkedResponses.Add(await witness.PatchAsync(cancelled.Id, 0, plaintext.AsMemory(0, 2000)));
                checkedResponses.Add(await witness.PatchAsync(cancelled.Id, refused.ChunkBytes, plaintext.AsMemory(0, refused.ChunkBytes + 1)));
                checkedResponses.Add(await witness.CancelAsync(cancelled.Id));

                // A request Kestrel itself rejects, from the same address.
                var raw = await SendRawAsync(server.BaseAddress, $"GET /{canary} HTTP/1.1\r\nHost: {canary}\r\nUser-Agent: {agent}\r\n{canary} no colon here\r\n\r\n");
                Assert.StartsWith("HTTP/1.1 400", raw, StringComparison.Ordinal);
                Assert.DoesNotContain("\r\nServer:", raw, StringComparison.OrdinalIgnoreCase);

                foreach (var response in checkedResponses)
                {
                    PrivacyHeadersTests.AssertPrivacyHeaders(response);
                    response.Dispose();
                }

                await server.StopAsync();
                stdout = server.StandardOutput;
                stderr = server.StandardError;
            }

            // The canary really went in: the reviewer finds it in the stored ciphertext.
            var stored = StoreSnapshot.Take(dataPath);
            Assert.Equal(2, stored.Envelopes);
            Assert.Empty(stored.UploadFiles);
            using (var reviewer = DemoReviewer.Open(demo))
            {
                var opened = stored.Blobs.Select(b => reviewer.OpenBlob(StoreSnapshot.BlobFile(dataPath, b))).ToList();
                Assert.Contains(opened, o => o.Manifest.Root.GetProperty("text").GetString()!.Contains(canary, StringComparison.Ordinal));
            }

            // ... and nowhere else: database (with -wal and -shm), blobs, key ring, logs, demo files; stdout, stderr.
            var logs = Directory.GetFiles(Path.Combine(dataPath, "logs"));
            Assert.NotEmpty(logs);
            Assert.All(logs, log => Assert.True(new FileInfo(log).Length > 0, $"{log} is empty"));
            var files = Directory.GetFiles(demo, "*", SearchOption.AllDirectories);
            Assert.Contains(files, f => Path.GetFileName(f) == "intake.db");
            var needles = new[] { canary, agent, ClientAddress, "CanaryBrowser", "Canaryland" };
            var found = new List<string>();
            foreach (var file in files)
            {
                var bytes = await File.ReadAllBytesAsync(file);
                found.AddRange(needles.Where(n => Contains(bytes, n)).Select(n => $"{Path.GetRelativePath(demo, file)} holds '{n}'"));
            }

            found.AddRange(needles.Where(n => stdout.Contains(n, StringComparison.Ordinal)).Select(n => $"stdout holds '{n}'"));
            found.AddRange(needles.Where(n => stderr.Contains(n, StringComparison.Ordinal)).Select(n => $"stderr holds '{n}'"));
            Assert.True(found.Count == 0, string.Join(Environment.NewLine, found));
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>UTF-8 or UTF-16 (either byte order), so neither a text log nor a binary store can hide it.</summary>
    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0
        || haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0
        || haystack.AsSpan().IndexOf(Encoding.BigEndianUnicode.GetBytes(needle)) >= 0;

    private static async Task<string> SendRawAsync(Uri server, string request)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(ClientAddress), 0));
        await socket.ConnectAsync(server.Host, server.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }
}
