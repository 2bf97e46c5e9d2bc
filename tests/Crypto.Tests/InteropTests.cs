using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SafeIntake.Crypto.Tests;

/// <summary>
/// The browser module (through Node and tests/js/interop-cli.js) and src/Crypto open each other's envelopes,
/// at the sizes around a chunk boundary and several megabytes, in the same test run.
/// </summary>
public sealed class InteropTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("safeintake-interop-").FullName;
    private static readonly byte[] BundleHash = Primitives.Blake2b256("interop bundle"u8);

    public static TheoryData<int> Sizes => [0, 1, 65535, 65536, 65537, 5 * 1024 * 1024 + 3];

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void JavaScriptSeals_DotNetOpens(int size)
    {
        using var reviewer = X25519SecretKey.Generate();
        using var other = X25519SecretKey.Generate();
        var data = RandomBytes(size);
        var attachment = Path.Combine(_folder, "photo.jpg");
        File.WriteAllBytes(attachment, data);
        var manifest = Path.Combine(_folder, "manifest.json");
        File.WriteAllText(manifest, """{"kind":"report","lang":"zh-Hant-HK","fields":{"what":"canary 警察"}}""");
        var envelope = Path.Combine(_folder, "from-js.sie");

        var sealedBy = Node("seal", "--recipient", other.PublicKey.ToHex(), "--recipient", reviewer.PublicKey.ToHex(),
            "--bundle-hash", Convert.ToHexStringLower(BundleHash), "--manifest", manifest, "--attach", attachment, "--out", envelope);
        Assert.True(sealedBy["ok"]!.GetValue<bool>());

        var sink = new MemoryEnvelopeSink();
        using var input = File.OpenRead(envelope);
        var result = EnvelopeOpener.Open(input, [reviewer], sink);

        Assert.Equal(OpenStatus.Success, result.Status);
        Assert.Equal(BundleHash, result.BundleHash.ToArray());
        Assert.Equal("canary 警察", result.Manifest!.Root.GetProperty("fields").GetProperty("what").GetString());
        Assert.Equal("photo.jpg", Assert.Single(result.Manifest.Attachments).Name);
        Assert.Equal(data, Assert.Single(sink.Attachments));
        Assert.Equal(new FileInfo(envelope).Length, sealedBy["size"]!.GetValue<long>());
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void DotNetSeals_JavaScriptOpens(int size)
    {
        using var reviewer = X25519SecretKey.Generate();
        var data = RandomBytes(size);
        var envelope = Path.Combine(_folder, "from-dotnet.sie");
        using (var output = File.Create(envelope))
        {
            EnvelopeSealer.Seal(new SealRequest
            {
                Recipients = [X25519SecretKey.Generate().PublicKey, reviewer.PublicKey],
                BundleHash = BundleHash,
                Kind = "reply",
                Members = new JsonObject { ["text"] = "收到 received", ["reviewer"] = "alice" },
                Attachments = [new SealAttachment("a.bin", "application/octet-stream", size, new MemoryStream(data))],
            }, output);
        }

        var opened = Node("open", "--identity", Convert.ToHexStringLower(reviewer.Export()), "--in", envelope);

        Assert.True(opened["ok"]!.GetValue<bool>(), opened.ToJsonString());
        Assert.Equal(Convert.ToHexStringLower(BundleHash), opened["bundleHash"]!.GetValue<string>());
        Assert.Equal("收到 received", opened["manifest"]!["text"]!.GetValue<string>());
        var attachment = Assert.Single(opened["attachments"]!.AsArray())!;
        Assert.Equal(size, attachment["size"]!.GetValue<long>());
        Assert.Equal(Convert.ToHexStringLower(Primitives.Blake2b256(data)), attachment["blake2b"]!.GetValue<string>());
    }

    [Fact]
    public void DotNetSeals_TamperedByte_JavaScriptRefuses()
    {
        using var reviewer = X25519SecretKey.Generate();
        var envelope = Path.Combine(_folder, "tampered.sie");
        var bytes = EnvelopeTests.Seal([reviewer.PublicKey], RandomBytes(100_000));
        bytes[^100] ^= 0x40;
        File.WriteAllBytes(envelope, bytes);

        var opened = Node("open", "--identity", Convert.ToHexStringLower(reviewer.Export()), "--in", envelope);

        Assert.False(opened["ok"]!.GetValue<bool>());
        Assert.Equal("PayloadFailure", opened["failure"]!.GetValue<string>());
    }

    private static byte[] RandomBytes(int size)
    {
        var data = new byte[size];
        Random.Shared.NextBytes(data);
        return data;
    }

    private static JsonNode Node(params string[] args)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestPaths.RepoRoot };
        start.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "tests", "js", "interop-cli.js"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "node did not finish");
        Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}: {stderr.Result}");
        return JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
    }
}
