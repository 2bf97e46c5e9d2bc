using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using SafeIntake.Intake.Web.Tests.Hosting;

namespace SafeIntake.Intake.Web.Tests.Storage;

/// <summary>
/// The real process killed with SIGKILL and started again on the same folder (IntakeStore.RecoverAsync): what was
/// acknowledged survives and opens, what was half sent resumes, nothing half-done becomes visible.
/// </summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task KillDashNine_MidUpload_RestartKeepsTheCompletedReport_AndTheHalfUploadResumes()
    {
        var demo = TestFolders.Create("crash");
        var dataPath = Path.Combine(demo, "server-data");
        try
        {
            var completed = RandomReportAttachment(20_000);
            var interrupted = RandomReportAttachment(60_000);
            byte[] completedEnvelope, halfEnvelope;
            string uploadId;
            long sentInFull;
            await using (var first = await ServerProcess.StartDemoAsync(demo))
            {
                using var witness = new WitnessClient(first.CreateClient(), demo);
                completedEnvelope = await witness.SealReportAsync("Filed before the crash.", ("before.bin", completed));
                await witness.SubmitOkAsync(completedEnvelope);
                halfEnvelope = await witness.SealReportAsync("Interrupted by the crash.", ("after.bin", interrupted));
                var ticket = await witness.CreateUploadAsync(halfEnvelope.Length);
                uploadId = ticket.Id;
                sentInFull = halfEnvelope.Length / 2;
                await witness.UploadRangeAsync(ticket, halfEnvelope, 0, sentInFull);

                // One more chunk is in flight — a third of it sent, the rest never comes — when the server dies.
                var stalled = new StalledContent(halfEnvelope.AsMemory((int)sentInFull, ticket.ChunkBytes), sendFirst: ticket.ChunkBytes / 3);
                var inFlight = SendStalledPatchAsync(witness.Http, uploadId, sentInFull, stalled);
                await stalled.FirstPartSent.WaitAsync(TimeSpan.FromSeconds(30));
                await Task.Delay(300);
                await first.KillHardAsync();
                stalled.Abandon();
                await Assert.ThrowsAnyAsync<Exception>(() => inFlight);
            }

            Assert.Equal(1, StoreSnapshot.Take(dataPath).Envelopes);

            await using var second = await ServerProcess.StartDemoAsync(demo);
            using var again = new WitnessClient(second.CreateClient(), demo);

            // The acknowledged report is there, whole, and opens to what was sent.
            var afterRestart = StoreSnapshot.Take(dataPath);
            Assert.Equal(1, afterRestart.Envelopes);
            var before = Assert.Single(afterRestart.Blobs);
            Assert.Equal(completedEnvelope, await File.ReadAllBytesAsync(StoreSnapshot.BlobFile(dataPath, before)));
            using (var reviewer = DemoReviewer.Open(demo))
            {
                var (manifest, attachments) = reviewer.OpenBlob(StoreSnapshot.BlobFile(dataPath, before));
                Assert.Equal("Filed before the crash.", manifest.Root.GetProperty("text").GetString());
                Assert.Equal(completed, Assert.Single(attachments));
            }

            // The half upload resumes where HEAD says: every byte it reports is a byte that was sent.
            var (offset, length) = await again.ResumePointAsync(uploadId);
            Assert.Equal(halfEnvelope.Length, length);
            Assert.InRange(offset, sentInFull, sentInFull + (IntakeApplicationFactory.TestChunkBytes / 3));
            Assert.Equal(1, StoreSnapshot.Take(dataPath).Envelopes);
            await again.UploadRangeAsync(new UploadTicket(uploadId, offset, IntakeApplicationFactory.TestChunkBytes, ""), halfEnvelope, offset, halfEnvelope.Length);
            using var finalized = await again.FinalizeAsync(uploadId);
            Assert.Equal(HttpStatusCode.Created, finalized.StatusCode);

            var done = StoreSnapshot.Take(dataPath);
            Assert.Equal(2, done.Envelopes);
            Assert.Empty(done.UploadFiles);
            var after = Assert.Single(done.Blobs.Except([before]));
            Assert.Equal(halfEnvelope, await File.ReadAllBytesAsync(StoreSnapshot.BlobFile(dataPath, after)));
            using (var reviewer = DemoReviewer.Open(demo))
            {
                var (manifest, attachments) = reviewer.OpenBlob(StoreSnapshot.BlobFile(dataPath, after));
                Assert.Equal("Interrupted by the crash.", manifest.Root.GetProperty("text").GetString());
                Assert.Equal(interrupted, Assert.Single(attachments));
            }

            await second.StopAsync();
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    [Fact]
    public async Task Restart_TokensRedeemedBeforeTheRestart_AreStillRefused()
    {
        // intake-api.md: "Each token is accepted once". A restart must not reopen a replay window for the tokens'
        // remaining lifetime (30 minutes for proofs of work, 5 for mailbox challenges).
        var demo = TestFolders.Create("replay");
        try
        {
            PowSolution pow;
            string mailbox, token, signature;
            using var keys = Witnesses.NewCodenameKeys();
            await using (var first = await ServerProcess.StartDemoAsync(demo))
            {
                using var witness = new WitnessClient(first.CreateClient(), demo);
                pow = await witness.SolvePowAsync();
                using var created = await witness.PostUploadAsync("report", 20_000, pow);
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                mailbox = keys.MailboxKey.PublicKey.ToBase64();
                var (challenge, issued) = await witness.GetChallengeAsync(mailbox);
                token = issued;
                signature = Convert.ToBase64String(keys.SignChallenge(challenge));
                using var opened = await witness.OpenMailboxAsync(mailbox, token, signature);
                Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
                await first.StopAsync();
            }

            await using var second = await ServerProcess.StartDemoAsync(demo);
            using var again = new WitnessClient(second.CreateClient(), demo);
            var before = StoreSnapshot.Take(Path.Combine(demo, "server-data"));

            using var powReplay = await again.PostUploadAsync("report", 20_000, pow);
            using var mailboxReplay = await again.OpenMailboxAsync(mailbox, token, signature);

            Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (powReplay.StatusCode, mailboxReplay.StatusCode));
            await ProblemAssert.IsAsync(powReplay, "pow-invalid");
            await ProblemAssert.IsAsync(mailboxReplay, "challenge-invalid");
            ProblemAssert.NothingLeft(before, StoreSnapshot.Take(Path.Combine(demo, "server-data")));
            await second.StopAsync();
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    private static byte[] RandomReportAttachment(int length) => RandomNumberGenerator.GetBytes(length);

    private static async Task SendStalledPatchAsync(HttpClient http, string id, long offset, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/v1/uploads/{id}", UriKind.Relative)) { Content = content };
        request.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await http.SendAsync(request);
    }

    /// <summary>A body that sends its first bytes, then waits forever: a connection that died mid-chunk.</summary>
    private sealed class StalledContent : HttpContent
    {
        private readonly ReadOnlyMemory<byte> _bytes;
        private readonly int _sendFirst;
        private readonly TaskCompletionSource _firstPartSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _abandon = new();

        public StalledContent(ReadOnlyMemory<byte> bytes, int sendFirst)
        {
            _bytes = bytes;
            _sendFirst = sendFirst;
            Headers.ContentType = new MediaTypeHeaderValue(WitnessClient.UploadMediaType);
            Headers.ContentLength = bytes.Length;
        }

        public Task FirstPartSent => _firstPartSent.Task;

        /// <summary>The sender gives up: the request fails on the client side too.</summary>
        public void Abandon()
        {
            try
            {
                _abandon.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The request already failed and was disposed: nothing left to abandon.
            }
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_bytes[.._sendFirst]);
            await stream.FlushAsync();
            _firstPartSent.TrySetResult();
            await Task.Delay(Timeout.Infinite, _abandon.Token);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _abandon.Dispose();
            }

            base.Dispose(disposing);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _bytes.Length;
            return true;
        }
    }
}
