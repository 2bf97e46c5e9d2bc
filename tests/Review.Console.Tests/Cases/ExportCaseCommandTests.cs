using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Cases;

/// <summary><c>export-case</c> through Program.Run: the file, its place and mode, its contents, and its audit entry.</summary>
public sealed class ExportCaseCommandTests : IDisposable
{
    private const string Hostile = "<script>alert(1)</script> ](javascript:alert(1)) canary-case-7";
    private readonly TriageHome _t = new();

    public void Dispose() => _t.Dispose();

    [Theory]
    [InlineData("markdown", ".md")]
    [InlineData("html", ".html")]
    public void ExportCase_WritesOnePrivateFileWithTheCaseAndRecordsIt(string format, string extension)
    {
        var id = _t.Report(Hostile, category: "police");
        _t.Import();
        _t.Expect(ExitCodes.Ok, "set-status", id, "triaged");
        _t.Expect(ExitCodes.Ok, "note", id, "--text", "called the clinic");
        var folder = Directory.CreateDirectory(_t.Home.Path("handover")).FullName;

        var result = _t.Json("export-case", id[..8], "--to", folder, "--format", format);

        var path = (string)result["path"]!;
        Assert.Equal(folder, Path.GetDirectoryName(path));
        Assert.EndsWith(extension, path, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        var text = File.ReadAllText(path);
        Assert.Contains("CONFIDENTIAL", text, StringComparison.Ordinal);
        Assert.Contains("canary-case-7", text, StringComparison.Ordinal);
        Assert.Contains("called the clinic", text, StringComparison.Ordinal);
        if (format == "html")
        {
            // In Markdown the witness's text sits in a fence it cannot close (CaseFileTests); in HTML it is encoded.
            Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
        }

        var history = _t.Json("audit", "show", "--case", id).AsArray();
        var last = history[^1]!;
        Assert.Equal("export-case", (string?)last["action"]);
        Assert.Equal(path, (string?)last["details"]!["to"]);
        Assert.Equal(ExitCodes.Ok, _t.Expect(ExitCodes.Ok, "audit", "verify").ExitCode);
    }

    [Fact]
    public void ExportCase_Twice_NeverOverwrites()
    {
        var id = _t.Report("first report");
        _t.Import();
        var folder = Directory.CreateDirectory(_t.Home.Path("handover")).FullName;

        var first = (string)_t.Json("export-case", id, "--to", folder)["path"]!;
        var second = (string)_t.Json("export-case", id, "--to", folder)["path"]!;

        Assert.NotEqual(first, second);
        Assert.True(File.Exists(first));
        Assert.True(File.Exists(second));
    }

    [Fact]
    public void ExportCase_MissingFolder_IsRefusedAndNothingIsRecorded()
    {
        var id = _t.Report("first report");
        _t.Import();
        var before = _t.Json("audit", "show").AsArray().Count;

        var result = _t.Expect(ExitCodes.Failure, "export-case", id, "--to", _t.Home.Path("no-such-folder"));

        Assert.Contains("not an existing folder", result.Errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_t.Home.Path("no-such-folder")));
        Assert.Equal(before, _t.Json("audit", "show").AsArray().Count);
    }

    [Fact]
    public void ExportCase_BadFormatOrNoFolder_IsAUsageError()
    {
        var id = _t.Report("first report");
        _t.Import();

        Assert.Contains("--format", _t.Expect(ExitCodes.Usage, "export-case", id, "--to", _t.Home.Root, "--format", "pdf").Errors, StringComparison.Ordinal);
        Assert.Contains("--to", _t.Expect(ExitCodes.Usage, "export-case", id).Errors, StringComparison.Ordinal);
    }
}
