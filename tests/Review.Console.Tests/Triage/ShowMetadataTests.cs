using SafeIntake.Review.Console.Tests.Attachments;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Triage;

/// <summary><c>show</c> reports the identifying metadata still inside each attachment, read from the vault without writing the file out.</summary>
public sealed class ShowMetadataTests : IDisposable
{
    private readonly TriageHome _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void Show_PhotoWithGpsAndAuthor_ListsWhatIsStillInsideIt()
    {
        var id = _t.Report("photo of the gate", attachments: [("gate.jpg", TestImages.JpegWithExif(artist: "Jane Witness")), ("notes.txt", "plain"u8.ToArray())]);
        _t.Import();

        var shown = _t.Json("show", id);

        var files = shown["attachments"]!.AsArray();
        var photo = files[0]!["metadata"]!;
        var groups = photo["findings"]!.AsArray().Select(f => (string?)f!["group"]).ToHashSet();
        Assert.Contains("GPS", groups);
        Assert.Contains(photo["findings"]!.AsArray(), f => ((string?)f!["value"])!.Contains("Jane Witness", StringComparison.Ordinal));
        Assert.NotNull((string?)files[1]!["metadata"]!["error"]);

        var text = _t.Expect(ExitCodes.Ok, "show", id).Output;
        Assert.Contains("GPS", text, StringComparison.Ordinal);
        Assert.Contains("identifying metadata still inside", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_NothingOfTheAttachmentReachesTheDisk()
    {
        var id = _t.Report("photo", attachments: [("gate.jpg", TestImages.JpegWithExif(artist: "canary-artist-show"))]);
        _t.Import();
        var before = _t.Home.AllFiles().ToHashSet();

        _t.Expect(ExitCodes.Ok, "show", id);

        Assert.DoesNotContain(_t.Home.AllFiles().Except(before), f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal));
        Assert.DoesNotContain(_t.Home.AllFiles(), f => File.ReadAllBytes(f).AsSpan().IndexOf("canary-artist-show"u8) >= 0);
    }
}
