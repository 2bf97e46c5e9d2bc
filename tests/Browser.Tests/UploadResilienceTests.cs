using System.Security.Cryptography;
using Microsoft.Playwright;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// Slow Tor circuits drop connections: the page resumes an upload from where the server says it stands, never
/// stores a byte twice, and when the very last answer is lost it says plainly that it cannot be sure.
/// </summary>
public sealed class UploadResilienceTests(UploadResilienceTests.Fixture fixture) : IClassFixture<UploadResilienceTests.Fixture>
{
    public sealed class Fixture : BrowserFixture;

    [ChromiumFact]
    public async Task Upload_ChunkAnswerLostThenNextChunkDropped_ResumesFromServerOffsetAndStoresExactBytes()
    {
        var folder = Directory.CreateTempSubdirectory("safeintake-resume-");
        var path = Path.Combine(folder.FullName, "video.mp4");
        var content = RandomNumberGenerator.GetBytes(9 * 1024 * 1024);
        await File.WriteAllBytesAsync(path, content);
        var desk = fixture.Desk;
        var blobsBefore = desk.BlobIds();
        try
        {
            await using var witness = await fixture.NewSessionAsync("resume", "zh-Hans");
            var patches = 0;
            await witness.Context.RouteAsync("**/api/v1/uploads/*", async route =>
            {
                if (route.Request.Method != "PATCH")
                {
                    await route.ContinueAsync();
                    return;
                }

                switch (Interlocked.Increment(ref patches))
                {
                    case 1:
                        // The server stores the first chunk, but its answer never reaches the browser.
                        await route.FetchAsync();
                        await route.AbortAsync("connectionreset");
                        break;
                    case 2:
                        // The second chunk never reaches the server.
                        await route.AbortAsync("connectionreset");
                        break;
                    default:
                        await route.ContinueAsync();
                        break;
                }
            });

            await witness.OpenFormAsync();
            await witness.FillReportAsync(new WitnessReport("断线后继续上传。", "", "", null));
            await witness.AttachAsync("files", path);
            await witness.Page.Locator("#submit").ClickAsync();
            await witness.Page.Locator("#sending").WaitForAsync();
            await witness.ScreenshotAsync("sending");
            await witness.AssertAccessibleAsync("sending");
            var codename = await witness.WaitForDoneAsync();
            Assert.NotNull(codename);

            // Each failure was followed by a HEAD asking where the upload stands, and nothing was sent twice.
            var network = witness.Network;
            var attempts = network.To("PATCH", "/api/v1/uploads/").ToList();
            Assert.Equal(patches, attempts.Count);
            Assert.True(attempts.Count >= 4, $"{attempts.Count} PATCH attempts");
            Assert.Equal(2, network.To("HEAD", "/api/v1/uploads/").Count());
            var id = desk.SingleNewBlob(blobsBefore);
            var stored = new FileInfo(desk.BlobPath(id)).Length;
            Assert.Equal(stored, attempts.Sum(a => (long)a.Body.Length) - attempts[1].Body.Length);

            var attachment = Assert.Single(desk.Open(id).Attachments);
            Assert.Equal(SHA256.HashData(content), SHA256.HashData(attachment));
            Assert.Equal(ReviewerDesk.ReportKind, Assert.Single(desk.Envelopes(), r => r.Id == id).Kind);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [ChromiumFact]
    public async Task Finalize_AnswerLost_PageSaysItCannotBeSure_ShowsCodename_ReportStoredOnce()
    {
        var desk = fixture.Desk;
        var blobsBefore = desk.BlobIds();
        await using var witness = await fixture.NewSessionAsync("finalize-lost", "en");
        var finalizes = 0;
        await witness.Context.RouteAsync("**/api/v1/uploads/*/finalize", async route =>
        {
            if (Interlocked.Increment(ref finalizes) == 1)
            {
                // The server commits the report; the browser never hears back.
                await route.FetchAsync();
                await route.AbortAsync("connectionreset");
            }
            else
            {
                await route.ContinueAsync();
            }
        });

        var what = $"finalize-{Guid.NewGuid():N}";
        await witness.OpenFormAsync();
        await witness.FillReportAsync(new WitnessReport(what, "", "", null));
        var codename = await witness.SubmitReportAsync();

        Assert.Equal(1, finalizes);
        Assert.Equal(witness.T("js.done.uncertainHeading"), await witness.Page.Locator("#done-heading").InnerTextAsync());
        Assert.Equal(witness.T("js.done.uncertain"), await witness.Page.Locator("#done-uncertain").InnerTextAsync());
        Assert.True(await witness.Page.Locator("#done-received").IsHiddenAsync());
        Assert.NotNull(codename);
        await witness.AssertAccessibleAsync("done-uncertain");

        var id = desk.SingleNewBlob(blobsBefore);
        var opened = desk.Open(id);
        Assert.Equal(what, opened.Manifest.GetProperty("fields").GetProperty("what").GetString());
        Assert.True(Crypto.Codename.TryDeriveKeys(codename, out var keys));
        using (keys)
        {
            Assert.Equal(keys.MailboxKey.PublicKey.ToBase64(), opened.Manifest.GetProperty("replyTo").GetProperty("ed25519").GetString());
        }
    }
}
