using System.Net;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Transfer;

/// <summary>The online machine's side: no reviewer key exists in this home, only the pinned server key and a token.</summary>
public sealed class FetchAndUploadTests : IDisposable
{
    private readonly TestHome _online = new();
    private readonly TestHome _airGapped = new();
    private readonly ExportBuilder _export = new();
    private readonly FakeServer _server = new();
    private readonly string _tokenFile;
    private readonly string _bundle;
    private readonly byte[] _bundleBytes;

    public FetchAndUploadTests()
    {
        var alice = _airGapped.InitReviewer();
        _airGapped.Expect(ExitCodes.Ok, "server", "trust", _export.ServerKeyBase64);
        _export.Report(alice, "one");
        _export.Report(alice, "two");
        _export.Report(alice, "three");
        _bundleBytes = File.ReadAllBytes(_export.WriteTo(_airGapped.Root, "source.bundle"));
        _server.Export = _bundleBytes;
        _online.Http = () => _server;
        _online.Expect(ExitCodes.Ok, "server", "trust", _export.ServerKeyBase64);
        _tokenFile = _online.Path("token.txt");
        File.WriteAllText(_tokenFile, FakeServer.Token + "\n");
        _bundle = _online.Path("usb", "export.bundle");
        Directory.CreateDirectory(_online.Path("usb"));
        _online.Variables.Remove(ConsoleEnvironment.PassphraseVariable);
    }

    public void Dispose()
    {
        _server.Dispose();
        _export.Dispose();
        _online.Dispose();
        _airGapped.Dispose();
    }

    private RunResult Fetch(int exitCode, params string[] extra) =>
        _online.Expect(exitCode, ["fetch", "--server", "https://intake.example.org/", "--token-file", _tokenFile, "--out", _bundle, .. extra]);

    [Fact]
    public void Fetch_DownloadsVerifiesAndNamesTheBundleWhichThenImports()
    {
        var result = Fetch(ExitCodes.Ok);

        Assert.Contains("Verified", result.Output, StringComparison.Ordinal);
        Assert.Equal(_bundleBytes, File.ReadAllBytes(_bundle));
        Assert.False(File.Exists(_bundle + ".part"));
        Assert.Equal(["GET /api/v1/export"], _server.Requests);
        Assert.False(File.Exists(_online.Path("reviewer.key")));

        var summary = JsonNode.Parse(_airGapped.Expect(ExitCodes.Ok, "import", _bundle, "--json").Output)!;
        Assert.Equal(3, (int)summary["newReports"]!);
    }

    [Fact]
    public void Fetch_Since_IsSentAsQuery()
    {
        Fetch(ExitCodes.Ok, "--since", "41", "--json");

        Assert.Equal(["GET /api/v1/export?since=41"], _server.Requests);
    }

    [Fact]
    public void Fetch_PartialFileExists_ResumesWithRange()
    {
        var half = _bundleBytes.Length / 2;
        File.WriteAllBytes(_bundle + ".part", _bundleBytes[..half]);

        Fetch(ExitCodes.Ok);

        Assert.Equal([$"bytes={half}-"], _server.Ranges);
        Assert.Equal(_bundleBytes, File.ReadAllBytes(_bundle));
    }

    [Fact]
    public void Fetch_CompletePartialFile_IsVerifiedWithoutDownloadingAgain()
    {
        File.WriteAllBytes(_bundle + ".part", _bundleBytes);

        Fetch(ExitCodes.Ok);

        Assert.Equal(_bundleBytes, File.ReadAllBytes(_bundle));
    }

    [Fact]
    public void Fetch_BadSignature_FailsAndKeepsThePartFile()
    {
        var tampered = (byte[])_bundleBytes.Clone();
        tampered[20] ^= 0x01;
        _server.Export = tampered;

        var result = Fetch(ExitCodes.Failure);

        Assert.Contains("refused", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(_bundle));
        Assert.Equal(tampered, File.ReadAllBytes(_bundle + ".part"));
    }

    [Fact]
    public void Fetch_AlteredItem_Fails()
    {
        var tampered = (byte[])_bundleBytes.Clone();
        tampered[^100] ^= 0x01;
        _server.Export = tampered;

        Fetch(ExitCodes.Failure);

        Assert.False(File.Exists(_bundle));
    }

    [Fact]
    public void Fetch_RefusedToken_Fails()
    {
        File.WriteAllText(_tokenFile, "sift_wrong");

        var result = Fetch(ExitCodes.Failure);

        Assert.Contains("token", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Fetch_NoPinnedKey_NeedsServerKeyOption()
    {
        File.Delete(_online.Path("server.pub"));
        Fetch(ExitCodes.Failure);

        Fetch(ExitCodes.Ok, "--server-key", _export.ServerKeyBase64);
    }

    [Fact]
    public void Fetch_MissingOptions_IsUsageError() =>
        _online.Expect(ExitCodes.Usage, "fetch", "--server", "https://intake.example.org", "--out", _bundle);

    [Fact]
    public void UploadOutbox_PostsTheFileAndPrintsTheCounts()
    {
        _airGapped.Expect(ExitCodes.Ok, "import", _online.Path("..", Path.GetFileName(_airGapped.Root), "source.bundle"));
        var outbox = Directory.GetFiles(_airGapped.Path("outbox")).Single();

        var result = _online.Expect(ExitCodes.Ok, "upload-outbox", outbox, "--server", "https://intake.example.org");

        Assert.Contains("3 acknowledgement(s)", result.Output, StringComparison.Ordinal);
        Assert.Contains("deleted 2", result.Output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(outbox), _server.LastOutbox);
        Assert.Equal(["POST /api/v1/outbox"], _server.Requests);
    }

    [Fact]
    public void UploadOutbox_Replayed_FailsWithAClearMessage()
    {
        _airGapped.Expect(ExitCodes.Ok, "import", _airGapped.Path("source.bundle"));
        var outbox = Directory.GetFiles(_airGapped.Path("outbox")).Single();
        _server.OutboxStatus = HttpStatusCode.Conflict;

        var result = _online.Expect(ExitCodes.Failure, "upload-outbox", outbox, "--server", "https://intake.example.org");

        Assert.Contains("already received this outbox", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void UploadOutbox_NotAnOutbox_FailsWithoutSending()
    {
        var file = _online.Path("notes.json");
        File.WriteAllText(file, "{\"hello\":1}");

        _online.Expect(ExitCodes.Failure, "upload-outbox", file, "--server", "https://intake.example.org");

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public void ServerKey_FromTheWrongServer_IsRefused()
    {
        using var other = Ed25519SecretKey.Generate();
        _online.Expect(ExitCodes.Ok, "server", "trust", other.PublicKey.ToBase64(), "--replace");

        var result = Fetch(ExitCodes.Failure);

        Assert.Contains("not the pinned key", result.Output, StringComparison.Ordinal);
    }
}
