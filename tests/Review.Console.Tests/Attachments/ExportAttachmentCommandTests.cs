using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Attachments;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Attachments;

public sealed class ExportAttachmentCommandTests : IDisposable
{
    private readonly TestHome _home = new();
    private readonly ExportBuilder _export = new();
    private readonly ReviewerKeys _alice;
    private readonly string _out;

    public ExportAttachmentCommandTests()
    {
        _alice = _home.InitReviewer();
        _home.Expect(ExitCodes.Ok, "server", "trust", _export.ServerKeyBase64);
        _out = _home.Path("out");
        Directory.CreateDirectory(_out);
    }

    public void Dispose()
    {
        _export.Dispose();
        _home.Dispose();
    }

    /// <summary>Imports one report holding <paramref name="files"/> and returns its id.</summary>
    private string ImportReport(params (string Name, byte[] Bytes)[] files) => ImportReports([files])[0];

    private List<string> ImportReports(IReadOnlyList<(string Name, byte[] Bytes)[]> reports, string[]? ids = null)
    {
        for (var i = 0; i < reports.Count; i++)
        {
            var entry = _export.Add("report", Witness.Report(_alice.EncryptionKey, $"report {i}", null, reports[i]));
            if (ids is not null)
            {
                entry.Id = ids[i];
            }
        }

        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root), "--json");
        return _export.Entries.Select(e => e.Id).ToList();
    }

    private JsonArray ExportJson(params string[] args) =>
        JsonNode.Parse(_home.Expect(ExitCodes.Ok, ["export-attachment", .. args, "--json"]).Output)!["files"]!.AsArray();

    private string[] OutFiles() => Directory.GetFiles(_out).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Export_AllFiles_WritesByteIdenticalOwnerOnlyFilesAndReportsThem()
    {
        var photo = TestImages.JpegWithExif();
        var data = RandomNumberGenerator.GetBytes(3 * 64 * 1024 + 1234);
        var id = ImportReport(("gate.jpg", photo), ("notes.bin", data));

        var files = ExportJson(id, "--to", _out);

        Assert.Equal(2, files.Count);
        var jpeg = files[0]!;
        Assert.Equal(1, (int)jpeg["position"]!);
        Assert.Equal("gate.jpg", (string?)jpeg["name"]);
        Assert.Equal(Path.Combine(_out, "gate.jpg"), (string?)jpeg["path"]);
        Assert.Equal(photo.Length, (long)jpeg["size"]!);
        Assert.Equal("application/octet-stream", (string?)jpeg["type"]);
        Assert.False((bool)jpeg["dangerous"]!);
        Assert.Equal("JPEG", (string?)jpeg["metadata"]!["fileType"]);
        Assert.Null((string?)jpeg["metadata"]!["error"]);
        var findings = jpeg["metadata"]!["findings"]!.AsArray();
        Assert.Contains(findings, f => (string?)f!["group"] == "GPS" && (string?)f["name"] == "Position" && (string?)f["value"] == "22.31925, 114.1694");
        Assert.Contains(findings, f => (string?)f!["group"] == "author" && (string?)f["value"] == "Jane Witness");
        Assert.Contains(findings, f => (string?)f!["group"] == "device" && (string?)f["value"] == "Canon EOS R5");
        Assert.Contains(findings, f => (string?)f!["group"] == "timestamps" && (string?)f["value"] == "2026:11:20 14:31:07");

        var bin = files[1]!;
        Assert.Equal(2, (int)bin["position"]!);
        Assert.Equal(MetadataReport.Unreadable, (string?)bin["metadata"]!["error"]);
        Assert.Empty(bin["metadata"]!["findings"]!.AsArray());

        Assert.Equal(photo, File.ReadAllBytes(Path.Combine(_out, "gate.jpg")));
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(_out, "notes.bin")));
        Assert.Equal(["gate.jpg", "notes.bin"], OutFiles());
        if (!OperatingSystem.IsWindows())
        {
            foreach (var file in OutFiles())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_out, file)));
            }
        }
    }

    [Fact]
    public void Export_HumanOutput_ShowsPathSizeMetadataAndTheWarning()
    {
        var id = ImportReport(("gate.jpg", TestImages.JpegWithExif()), ("empty.txt", []));

        var output = _home.Expect(ExitCodes.Ok, "export-attachment", id[..8], "--to", _out).Output;

        Assert.Contains(Path.Combine(_out, "gate.jpg"), output, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{TestImages.JpegWithExif().Length:N0} bytes"), output, StringComparison.Ordinal);
        Assert.Contains("Metadata still in the file", output, StringComparison.Ordinal);
        Assert.Contains("Jane Witness", output, StringComparison.Ordinal);
        Assert.Contains("22.31925, 114.1694", output, StringComparison.Ordinal);
        Assert.Contains("not an image or video format the metadata reader knows", output, StringComparison.Ordinal);
        Assert.Contains("Files from strangers may be hostile", output, StringComparison.Ordinal);
        Assert.Contains("never with macros or scripts enabled", output, StringComparison.Ordinal);
        Assert.Contains("do not publish", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_ImageWithoutMetadata_SaysSo()
    {
        var id = ImportReport(("plain.jpg", TestImages.MinimalJpeg()));

        var output = _home.Expect(ExitCodes.Ok, "export-attachment", id, "--to", _out).Output;

        Assert.Contains("No metadata the reader recognises", output, StringComparison.Ordinal);
        Assert.Contains("Files from strangers may be hostile", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_FileOption_WritesOnlyThatFile()
    {
        var id = ImportReport(("one.txt", "1"u8.ToArray()), ("two.txt", "2"u8.ToArray()), ("three.txt", "3"u8.ToArray()));

        var files = ExportJson(id, "--to", _out, "--file", "2");

        Assert.Equal(2, (int)Assert.Single(files)!["position"]!);
        Assert.Equal(["two.txt"], OutFiles());
        Assert.Equal("2", File.ReadAllText(Path.Combine(_out, "two.txt")));
    }

    [Fact]
    public void Export_FilePositionOutOfRange_FailsAndWritesNothing()
    {
        var id = ImportReport(("one.txt", "1"u8.ToArray()));

        var result = _home.Expect(ExitCodes.Failure, "export-attachment", id, "--to", _out, "--file", "2");

        Assert.Contains("--file takes 1 to 1", result.Errors, StringComparison.Ordinal);
        Assert.Empty(OutFiles());
    }

    [Fact]
    public void Export_TakenNames_AreNumberedAndNothingIsOverwritten()
    {
        File.WriteAllText(Path.Combine(_out, "photo.jpg"), "the reviewer's own file");
        var id = ImportReport(("photo.jpg", "first"u8.ToArray()), ("photo.jpg", "second"u8.ToArray()));

        var files = ExportJson(id, "--to", _out);

        Assert.Equal([Path.Combine(_out, "photo (2).jpg"), Path.Combine(_out, "photo (3).jpg")], files.Select(f => (string?)f!["path"]));
        Assert.Equal("the reviewer's own file", File.ReadAllText(Path.Combine(_out, "photo.jpg")));
        Assert.Equal("first", File.ReadAllText(Path.Combine(_out, "photo (2).jpg")));
        Assert.Equal("second", File.ReadAllText(Path.Combine(_out, "photo (3).jpg")));
    }

    [Fact]
    public void Export_HostileNames_StayInTheFolderAndAreFlagged()
    {
        var id = ImportReport(("../../escape.exe", "MZ"u8.ToArray()), ("photo\u202Egpj.exe", "MZ"u8.ToArray()), ("\u001b[31mred\u001b[0m.html", "<p>"u8.ToArray()));

        var files = ExportJson(id, "--to", _out);

        Assert.Equal(["escape.exe", "photogpj.exe", "[31mred [0m.html"], files.Select(f => Path.GetFileName((string?)f!["path"])));
        Assert.All(files, f => Assert.True((bool)f!["dangerous"]!));
        Assert.Equal("../../escape.exe", (string?)files[0]!["name"]);
        Assert.Equal(3, OutFiles().Length);
        Assert.False(File.Exists(_home.Path("escape.exe")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_home.Root)!, "escape.exe")));
    }

    [Fact]
    public void Export_HostileNames_HumanOutputHasNoControlCharactersAndWarnsOfTheType()
    {
        var id = ImportReport(("\u001b]0;pwned\u0007photo\u202Egpj.exe", "MZ"u8.ToArray()));

        var output = _home.Expect(ExitCodes.Ok, "export-attachment", id, "--to", _out).Output;

        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\u0007', output);
        Assert.DoesNotContain('\u202E', output);
        Assert.Contains("Dangerous type", output, StringComparison.Ordinal);
        Assert.Contains(".exe", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_LeavesNoTemporaryFiles()
    {
        var id = ImportReport(("a.bin", RandomNumberGenerator.GetBytes(100_000)));

        ExportJson(id, "--to", _out);

        Assert.Equal(["a.bin"], Directory.GetFileSystemEntries(_out).Select(Path.GetFileName));
    }

    [Fact]
    public void Export_MissingFolder_FailsWithoutCreatingIt()
    {
        var id = ImportReport(("a.txt", "a"u8.ToArray()));
        var missing = _home.Path("not-there", "deeper");

        var result = _home.Expect(ExitCodes.Failure, "export-attachment", id, "--to", missing);

        Assert.Contains("is not an existing folder", result.Errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_home.Path("not-there")));
    }

    [Fact]
    public void Export_ToAFile_Fails()
    {
        var id = ImportReport(("a.txt", "a"u8.ToArray()));
        var file = _home.Path("a-file");
        File.WriteAllText(file, "");

        _home.Expect(ExitCodes.Failure, "export-attachment", id, "--to", file);
    }

    [Fact]
    public void Export_UnknownId_Fails()
    {
        ImportReport(("a.txt", "a"u8.ToArray()));

        var result = _home.Expect(ExitCodes.Failure, "export-attachment", "0123456789abcdef", "--to", _out);

        Assert.Contains("No envelope in the vault has an id starting with 0123456789abcdef", result.Errors, StringComparison.Ordinal);
        Assert.Empty(OutFiles());
    }

    [Fact]
    public void Export_AmbiguousPrefix_FailsAndALongerOneWorks()
    {
        var ids = new[] { "abcdef01" + new string('0', 24), "abcdef01" + new string('1', 24) };
        ImportReports([[("zero.txt", "0"u8.ToArray())], [("one.txt", "1"u8.ToArray())]], ids);

        var result = _home.Expect(ExitCodes.Failure, "export-attachment", "ABCDEF01", "--to", _out);

        Assert.Contains("More than one envelope starts with abcdef01", result.Errors, StringComparison.Ordinal);
        Assert.Contains("give more of the id", result.Errors, StringComparison.Ordinal);
        Assert.Empty(OutFiles());

        ExportJson("abcdef011", "--to", _out);
        Assert.Equal(["one.txt"], OutFiles());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("abcdefg")]
    [InlineData("not-hex-at-all")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    public void Export_BadId_IsAUsageError(string id)
    {
        ImportReport(("a.txt", "a"u8.ToArray()));

        _home.Expect(ExitCodes.Usage, "export-attachment", id, "--to", _out);
    }

    [Fact]
    public void Export_WithoutTo_IsAUsageError()
    {
        var id = ImportReport(("a.txt", "a"u8.ToArray()));

        var result = _home.Expect(ExitCodes.Usage, "export-attachment", id);

        Assert.Contains("--to is required", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_EnvelopeWithoutFiles_SaysSo()
    {
        var id = ImportReport();

        Assert.Empty(ExportJson(id, "--to", _out));
        Assert.Contains("has no files", _home.Expect(ExitCodes.Ok, "export-attachment", id, "--to", _out).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_NoVault_FailsWithoutCreatingOne()
    {
        var result = _home.Expect(ExitCodes.Failure, "export-attachment", "0123456789abcdef", "--to", _out);

        Assert.Contains("import a bundle first", result.Errors, StringComparison.Ordinal);
        Assert.False(File.Exists(_home.Path("vault", "vault.db")));
    }

    [Fact]
    public void Export_WrongPassphrase_ExitsLockedAndWritesNothing()
    {
        var id = ImportReport(("a.txt", "a"u8.ToArray()));
        _home.Variables[ConsoleEnvironment.PassphraseVariable] = "not my passphrase at all";

        _home.Expect(ExitCodes.Locked, "export-attachment", id, "--to", _out);

        Assert.Empty(OutFiles());
    }
}
