using System.Net;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Tests.Support;
using SafeIntake.Review.Console.Transfer;

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
    public void Fetch_ExistingOut_IsRefusedWithoutForce_AndReplacedWithIt()
    {
        File.WriteAllText(_bundle, "an earlier bundle");

        var refused = Fetch(ExitCodes.Failure);

        Assert.Contains("exists already", refused.Errors, StringComparison.Ordinal);
        Assert.Contains("--force", refused.Errors, StringComparison.Ordinal);
        Assert.Equal("an earlier bundle", File.ReadAllText(_bundle));
        Assert.Empty(_server.Requests);

        Fetch(ExitCodes.Ok, "--force");
        Assert.Equal(_bundleBytes, File.ReadAllBytes(_bundle));
    }

    [Fact]
    public void Fetch_OutInAFolderThatDoesNotExist_CreatesNothingAndSaysSoInItsOwnWords()
    {
        var missing = _online.Path("no-stick", "export.bundle");

        var result = _online.Expect(ExitCodes.Failure, "fetch", "--server", "https://intake.example.org/", "--token-file", _tokenFile, "--out", missing);

        Assert.Contains($"the folder {_online.Path("no-stick")} does not exist", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("part of the path", result.Errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_online.Path("no-stick")));
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData(HttpRequestError.SecureConnectionError, "TLS")]
    [InlineData(HttpRequestError.NameResolutionError, "does not resolve")]
    [InlineData(HttpRequestError.ConnectionError, "no connection")]
    public void Fetch_Unreachable_IsExitFour_InTheConsolesWords(HttpRequestError error, string expected)
    {
        _online.Http = () => new Failing(new HttpRequestException(error, "The SSL connection could not be established, see inner exception."));

        var result = Fetch(ExitCodes.Unreachable);

        Assert.Contains(expected, result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("inner exception", result.Errors, StringComparison.Ordinal);
        Assert.Equal("", result.Output.Trim());
        Assert.False(File.Exists(_bundle));
    }

    [Fact]
    public void Fetch_Json_ErrorIsAJsonObjectOnStandardError()
    {
        File.WriteAllText(_tokenFile, "sift_wrong");

        var result = Fetch(ExitCodes.Failure, "--json");

        Assert.Equal("", result.Output);
        var error = JsonNode.Parse(result.Errors)!["error"]!;
        Assert.Equal(ExitCodes.Failure, (int)error["exitCode"]!);
        Assert.Contains("fetch token", (string?)error["message"], StringComparison.Ordinal);
    }

    private sealed class Failing(Exception e) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => throw e;
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

        Assert.Contains("refused", result.Errors, StringComparison.Ordinal);
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

        Assert.Contains("token", result.Errors, StringComparison.Ordinal);
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

        Assert.Contains("already received this outbox", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Outbox_PendingIsReplacedUntilUploaded_ThenTheNextIsANewFile_AndListShowsBoth()
    {
        var alice = ReadAlice();
        _airGapped.Expect(ExitCodes.Ok, "import", _airGapped.Path("source.bundle"));
        _airGapped.Expect(ExitCodes.Ok, "import", _airGapped.Path("source.bundle"));
        _export.Report(alice, "four");
        _airGapped.Expect(ExitCodes.Ok, "import", _export.WriteTo(_airGapped.Root, "second.bundle"));

        var outbox = Assert.Single(Directory.GetFiles(_airGapped.Path("outbox"), "*.json"));
        Assert.True(Outbox.TryRead(File.ReadAllText(outbox), alice.SigningKey, out var body));
        Assert.Equal(_export.Entries.Select(e => e.Id).Order(), body.Acks.Order());

        _server.OutboxAnswer = """
            {"acknowledged":3,"replies":0,"deleted":3,"items":[
             {"type":"ack","id":"%0","index":null,"result":"acknowledged"},
             {"type":"ack","id":"\u001b[31mevil","index":null,"result":"\u001b[2J"}]}
            """.Replace("%0", _export.Entries[0].Id, StringComparison.Ordinal);
        var uploaded = _online.Expect(ExitCodes.Ok, "upload-outbox", outbox, "--server", "https://intake.example.org");
        Assert.Contains("Not applied:", uploaded.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", uploaded.Output, StringComparison.Ordinal);
        var receipt = JsonNode.Parse(File.ReadAllText(outbox + ".uploaded"))!;
        Assert.Equal(3, (int)receipt["deleted"]!);
        Assert.Equal("acknowledged", (string?)receipt["items"]![0]!["result"]);
        Assert.Equal("not applied", (string?)receipt["items"]![1]!["result"]);
        Assert.Null((string?)receipt["items"]![1]!["id"]);

        // Uploaded: the next outbox is a new file, and the uploaded one is skipped, never replayed.
        _export.Report(alice, "five");
        _airGapped.Expect(ExitCodes.Ok, "import", _export.WriteTo(_airGapped.Root, "third.bundle"));
        var files = Directory.GetFiles(_airGapped.Path("outbox"), "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, files.Count);
        Assert.Equal(outbox, files[0]);

        var list = JsonNode.Parse(_airGapped.Expect(ExitCodes.Ok, "outbox", "list", "--json").Output)!.AsArray();
        Assert.Equal(["uploaded", "pending"], list.Select(f => (string?)f!["state"]));
        Assert.Equal(3, (int)list[0]!["receipt"]!["deleted"]!);
        var text = _airGapped.Expect(ExitCodes.Ok, "outbox", "list").Output;
        Assert.Contains("pending", text, StringComparison.Ordinal);
        Assert.Contains("uploaded 2026-11-26", text, StringComparison.Ordinal);

        _server.Requests.Clear();
        var both = _online.Expect(ExitCodes.Ok, ["upload-outbox", .. files, "--server", "https://intake.example.org"]);
        Assert.Contains("uploaded already", both.Output, StringComparison.Ordinal);
        Assert.Equal(["POST /api/v1/outbox"], _server.Requests);
        Assert.True(File.Exists(files[1] + ".uploaded"));
    }

    [Fact]
    public void UploadOutbox_SeveralFiles_OneBadFileDoesNotStopTheOthers()
    {
        _airGapped.Expect(ExitCodes.Ok, "import", _airGapped.Path("source.bundle"));
        var outbox = Directory.GetFiles(_airGapped.Path("outbox"), "*.json").Single();
        var bad = _online.Path("notes.json");
        File.WriteAllText(bad, "{\"hello\":1}");

        var result = _online.Expect(ExitCodes.Failure, "upload-outbox", bad, outbox, "--server", "https://intake.example.org", "--json");

        Assert.Contains("is not an outbox file", result.Errors, StringComparison.Ordinal);
        Assert.Equal(["POST /api/v1/outbox"], _server.Requests);
        var results = JsonNode.Parse(result.Output)!.AsArray();
        Assert.Equal(["failed", "uploaded"], results.Select(r => (string?)r!["status"]));
    }

    private ReviewerKeys ReadAlice()
    {
        var json = JsonNode.Parse(File.ReadAllText(_airGapped.Path("alice.pub.json")))!;
        return new ReviewerKeys("alice",
            X25519PublicKey.TryParseBase64((string?)json["x25519"], out var x) ? x : throw new InvalidOperationException(),
            Ed25519PublicKey.TryParseBase64((string?)json["ed25519"], out var e) ? e : throw new InvalidOperationException());
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

        Assert.Contains("not the pinned key", result.Errors, StringComparison.Ordinal);
    }
}
