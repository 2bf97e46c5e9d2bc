using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// A 24 MiB attachment is sealed in the browser and uploaded in many resumable chunks, the progress bar climbs to
/// 100 %, the page's live memory stays well below the attachment's size (it streams), and the reviewer gets the exact
/// bytes back.
/// </summary>
public sealed class LargeAttachmentTests(LargeAttachmentTests.Fixture fixture, ITestOutputHelper output)
    : IClassFixture<LargeAttachmentTests.Fixture>
{
    /// <summary>1 MiB chunks (the default is 4 MiB), so a file of moderate size makes many chunks and any copy of it shows.</summary>
    public sealed class Fixture : BrowserFixture
    {
        protected override IDictionary<string, string>? ServerEnvironment => new Dictionary<string, string>
        {
            ["Intake__ChunkBytes"] = ChunkBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private const int ChunkBytes = 1024 * 1024;

    private const int Size = 24 * 1024 * 1024;

    private static readonly string[] TransferKeys = ["js.send.seal", "js.send.upload"];

    /// <summary>Live JavaScript and ArrayBuffer memory allowed in the page: a few chunks and libsodium's heap, not the file.</summary>
    private const long MemoryCeiling = 16L * 1024 * 1024;

    [ChromiumFact]
    public async Task Submit_24MiBAttachment_ProgressReachesFull_MemoryStaysFlat_ReviewerGetsExactBytes()
    {
        var folder = Directory.CreateTempSubdirectory("safeintake-large-");
        var path = Path.Combine(folder.FullName, "recording.bin");
        var content = RandomNumberGenerator.GetBytes(Size);
        await File.WriteAllBytesAsync(path, content);
        var desk = fixture.Desk;
        var blobsBefore = desk.BlobIds();
        try
        {
            await using var witness = await fixture.NewSessionAsync("large-attachment", "en");
            await witness.OpenFormAsync();
            await witness.FillReportAsync(new WitnessReport("A long recording is attached.", "", "", null));
            await witness.AttachAsync("files", path);
            // Not an image: the page says plainly it cannot clean it, and sends it as it is.
            Assert.Contains(witness.T("js.files.cannot.other"), await witness.Page.Locator("#files-list").InnerTextAsync(), StringComparison.Ordinal);
            await witness.ScreenshotAsync("attached");

            // Every value the progress bar takes, with the text beside it.
            await witness.Page.EvaluateAsync("""
                () => {
                  window.__progress = [];
                  const bar = document.getElementById('progress');
                  const text = document.getElementById('progress-text');
                  new MutationObserver(() => window.__progress.push([Number(bar.value), text.textContent]))
                    .observe(bar, { attributes: true, attributeFilter: ['value'] });
                }
                """);
            // The page's live memory, sampled after a forced collection so garbage does not count.
            var cdp = await witness.Context.NewCDPSessionAsync(witness.Page);
            var live = new List<long>();
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    await cdp.SendAsync("HeapProfiler.collectGarbage");
                    var usage = await cdp.SendAsync("Runtime.getHeapUsage");
                    live.Add(usage!.Value.GetProperty("usedSize").GetInt64() + usage.Value.GetProperty("backingStorageSize").GetInt64());
                    // Dense enough that a fast run (a few seconds) still gives a median of the sending, not of four samples.
                    await Task.Delay(100);
                }
            });
            var clock = Stopwatch.StartNew();
            await witness.Page.Locator("#submit").ClickAsync();
            await witness.Page.Locator("#sending").WaitForAsync();
            await witness.ScreenshotAsync("sending");
            var codename = await witness.WaitForDoneAsync();
            output.WriteLine($"sealed and uploaded {Size} bytes in {clock.Elapsed.TotalSeconds:F1} s");
            await sampling.CancelAsync();
            await sampler;
            output.WriteLine($"live memory (MiB) while sending: {string.Join(", ", live.Select(b => b / (1024 * 1024)))}");
            // A copy of the file would stay and grow; a busy machine only adds a passing spike (buffers freed late).
            Assert.True(live.Count >= 3, "Too few memory samples.");
            var median = live.Order().ElementAt(live.Count / 2);
            Assert.True(median < MemoryCeiling / 2, $"The page typically held {median / (1024 * 1024)} MiB live while sending {Size / (1024 * 1024)} MiB.");
            Assert.False(live.Zip(live.Skip(1)).Any(p => p.First > MemoryCeiling && p.Second > MemoryCeiling),
                $"The page held over {MemoryCeiling / (1024 * 1024)} MiB live for two samples running while sending {Size / (1024 * 1024)} MiB: it did not stream.");
            Assert.NotNull(codename);

            using var progress = JsonDocument.Parse(await witness.Page.EvaluateAsync<string>("() => JSON.stringify(window.__progress)"));
            var steps = progress.RootElement.EnumerateArray().Select(p => (Value: p[0].GetInt32(), Text: p[1].GetString() ?? "")).ToList();
            var values = steps.Select(s => s.Value).ToList();
            output.WriteLine("progress: " + string.Join(", ", values));
            Assert.Equal(1000, values.Max());
            Assert.Equal(values.Order(), values);
            // Encrypting and sending overlap; together they fill the bar from 5 % to 95 %, confirming the last 5 %.
            var transferring = TransferKeys.Select(k => witness.T(k).Split('{')[0]).ToList();
            var uploadSteps = steps.Where(s => transferring.Any(p => s.Text.StartsWith(p, StringComparison.Ordinal))).ToList();
            Assert.True(uploadSteps.Count >= Size / ChunkBytes, "Expected one progress step per chunk: " + string.Join(" | ", uploadSteps));
            Assert.True(uploadSteps[^1].Value == 950, "last steps: " + string.Join(" | ", steps.TakeLast(4)));
            Assert.Equal(1000, await witness.Page.Locator("#progress").EvaluateAsync<int>("bar => bar.value"));

            // Several chunks, none above the advertised chunk size, and the blob is what was sent.
            var patches = witness.Network.To("PATCH", "/api/v1/uploads/").ToList();
            Assert.True(patches.Count > Size / ChunkBytes, $"{patches.Count} PATCH requests for {Size} bytes");
            Assert.All(patches, p => Assert.InRange(p.Body.Length, 1, ChunkBytes));
            var id = desk.SingleNewBlob(blobsBefore);
            Assert.Equal(patches.Sum(p => (long)p.Body.Length), new FileInfo(desk.BlobPath(id)).Length);

            var opened = desk.Open(id);
            var attachment = Assert.Single(opened.Attachments);
            Assert.Equal(Size, attachment.Length);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(content)), Convert.ToHexString(SHA256.HashData(attachment)));
            var entry = Assert.Single(opened.Manifest.GetProperty("attachments").EnumerateArray().ToList());
            Assert.Equal("recording.bin", entry.GetProperty("name").GetString());
            Assert.Equal(Size, entry.GetProperty("size").GetInt64());
            witness.Network.AssertOnlyOrigin(fixture.Server.Address);
            witness.Network.AssertNowhere("attachment bytes", content.AsSpan(1_000_000, 64));
            witness.AssertCleanConsole();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
