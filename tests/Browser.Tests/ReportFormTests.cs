using System.Globalization;
using System.Text;
using SafeIntake.Crypto;
using Xunit.Abstractions;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// A witness files a report with a GPS-tagged photo in each language: the server receives only ciphertext, the
/// photo's Exif never leaves the browser, nothing is stored on the device, and the demo reviewer opens exactly
/// what was typed.
/// </summary>
public sealed class ReportFormTests(ReportFormTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<ReportFormTests.Fixture>
{
    public sealed class Fixture : BrowserFixture;

    private static readonly string[] FieldNames = ["category", "what", "when", "where"];

    public static TheoryData<string> Languages => new(PageStrings.Languages);

    [ChromiumTheory]
    [MemberData(nameof(Languages))]
    public async Task SubmitReport_WithGpsTaggedPhoto_ServerGetsOnlyCiphertextAndReviewerOpensExactlyWhatWasTyped(string lang)
    {
        var canary = "canary-" + Guid.NewGuid().ToString("N");
        var cjkCanary = $"目擊者報告{canary[7..15]}证人";
        var report = new WitnessReport(
            What: $"{canary}\n{cjkCanary}：警員在旺角截查時推撞途人 👮 — line three «quoted»",
            When: $"2026-11-20 晚上九時左右 {canary}-when",
            Where: $"旺角彌敦道 Nathan Road {canary}-where",
            Category: "data-leak");
        var exifCanary = $"exif-{canary}-相片說明";
        var photo = await fixture.PhotoAsync();
        var app1 = TestPhoto.ExifApp1(exifCanary);
        var folder = Directory.CreateTempSubdirectory("safeintake-photo-");
        var photoPath = Path.Combine(folder.FullName, $"IMG_2026_{lang}.jpg");
        await File.WriteAllBytesAsync(photoPath, TestPhoto.InsertSegment(photo, app1));
        var desk = fixture.Desk;
        var blobsBefore = desk.BlobIds();

        await using var witness = await fixture.NewSessionAsync("report", lang);
        try
        {
            await witness.OpenFormAsync();
            Assert.Equal(lang, await witness.Page.Locator("html").GetAttributeAsync("lang"));
            await witness.AssertAccessibleAsync("form");

            await witness.FillReportAsync(report);
            await witness.AttachAsync("files", photoPath);
            var removed = witness.T("js.files.removed", new Dictionary<string, string>
            {
                ["list"] = witness.T("js.meta.gps") + witness.T("js.files.listSeparator") + witness.T("js.meta.exif"),
            });
            Assert.Equal(removed, await witness.Page.Locator("#files-list .file-cleaned").InnerTextAsync());
            Assert.True(await witness.Page.Locator("#want-replies").IsCheckedAsync());
            await witness.ScreenshotAsync("filled");
            await witness.AssertAccessibleAsync("filled");

            var codename = await witness.SubmitReportAsync();
            Assert.NotNull(codename);
            Assert.Matches(@"^\d{5}( \d{5}){7}$", codename);
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}", ReceivedDay(witness, await witness.Page.Locator("#done-received").InnerTextAsync()));
            Assert.Equal("", await witness.Page.Locator("#what").InputValueAsync());
            await witness.AssertAccessibleAsync("done");

            // What left the browser: only the server's origin, only ciphertext, no cookie.
            var network = witness.Network;
            network.WriteTo(output);
            network.AssertOnlyOrigin(fixture.Server.Address);
            network.AssertNowhere("canary", canary);
            network.AssertNowhere("CJK canary", cjkCanary);
            network.AssertNowhere("report text", report.What);
            network.AssertNowhere("Exif canary", exifCanary);
            network.AssertNowhere("Exif canary (ASCII UserComment)", Encoding.ASCII.GetBytes($"exif-{canary}-"));
            network.AssertNowhere("GPS latitude", TestPhoto.Latitude);
            network.AssertNowhere("GPS longitude", TestPhoto.Longitude);
            network.AssertNowhere("codename", codename.Replace(" ", "", StringComparison.Ordinal));
            await witness.AssertNothingStoredAsync();
            witness.AssertCleanConsole();

            // What the server stored: one blob, byte for byte what the browser sent, and nothing readable.
            var id = desk.SingleNewBlob(blobsBefore);
            var blob = await File.ReadAllBytesAsync(desk.BlobPath(id));
            var sent = network.To("PATCH", "/api/v1/uploads/").SelectMany(r => r.Body).ToArray();
            Assert.True(blob.AsSpan().SequenceEqual(sent), "The stored blob is not exactly the bytes the browser PATCHed.");
            Assert.True(blob.AsSpan().IndexOf(Encoding.UTF8.GetBytes(canary)) < 0);
            Assert.DoesNotContain(canary, fixture.Server.Output, StringComparison.Ordinal);

            // What the reviewer reads.
            var opened = desk.Open(id);
            Assert.Equal("report", opened.Kind);
            var manifest = opened.Manifest;
            Assert.Equal(lang, manifest.GetProperty("lang").GetString());
            var fields = manifest.GetProperty("fields");
            Assert.Equal(
                FieldNames,
                fields.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal(report.What, fields.GetProperty("what").GetString());
            Assert.Equal(report.When, fields.GetProperty("when").GetString());
            Assert.Equal(report.Where, fields.GetProperty("where").GetString());
            Assert.Equal(report.Category, fields.GetProperty("category").GetString());

            // The photo: the same JPEG without the Exif segment, so no GPS, no canary, identical image data.
            var attachment = Assert.Single(opened.Attachments);
            var entry = Assert.Single(manifest.GetProperty("attachments").EnumerateArray().ToList());
            Assert.Equal(Path.GetFileName(photoPath), entry.GetProperty("name").GetString());
            Assert.Equal("image/jpeg", entry.GetProperty("type").GetString());
            Assert.Equal(attachment.Length, entry.GetProperty("size").GetInt64());
            Assert.True(attachment is [0xFF, 0xD8, ..], "The attachment is no longer a JPEG.");
            Assert.True(attachment.AsSpan().IndexOf(TestPhoto.Latitude) < 0, "The GPS latitude reached the reviewer.");
            Assert.True(attachment.AsSpan().IndexOf(Encoding.UTF8.GetBytes(exifCanary)) < 0, "The Exif description reached the reviewer.");
            Assert.True(attachment.AsSpan().IndexOf("Exif\0\0"u8) < 0, "An Exif segment reached the reviewer.");
            Assert.True(photo.AsSpan().SequenceEqual(attachment), "The cleaned photo differs from the original beyond the removed APP1 segment.");

            // The codename on the page is the one whose keys the envelope carries, and the server knows its mailbox.
            Assert.True(Codename.TryDeriveKeys(codename, out var keys));
            using (keys)
            {
                var replyTo = manifest.GetProperty("replyTo");
                Assert.Equal(keys.MailboxKey.PublicKey.ToBase64(), replyTo.GetProperty("ed25519").GetString());
                Assert.Equal(keys.ReplyKey.PublicKey.ToBase64(), replyTo.GetProperty("x25519").GetString());
                var row = Assert.Single(desk.Envelopes(), r => r.Id == id);
                Assert.Equal(ReviewerDesk.ReportKind, row.Kind);
                Assert.Equal(keys.MailboxId, row.MailboxId);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string ReceivedDay(WitnessSession witness, string text)
    {
        var day = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var match = new[] { day, yesterday }.FirstOrDefault(d => text == witness.T("js.done.received", new Dictionary<string, string> { ["day"] = d }));
        Assert.True(match is not null, $"Unexpected 'received' line: {text}");
        return match;
    }
}
