using System.Text;
using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Vault;

/// <summary>
/// Issue 9, "one item, one fate": hostile items (a witness's bytes) beside genuine reports. The genuine reports before
/// and after the poison import, the poison is quarantined with a reason code, and a second import neither crashes
/// nor changes anything.
/// </summary>
public sealed class PoisonImportTests : IDisposable
{
    private readonly TestHome _home = new();
    private readonly ExportBuilder _export = new();
    private readonly ReviewerKeys _alice;

    public PoisonImportTests()
    {
        _alice = _home.InitReviewer();
        _home.Expect(ExitCodes.Ok, "server", "trust", _export.ServerKeyBase64);
    }

    public void Dispose()
    {
        _export.Dispose();
        _home.Dispose();
    }

    private const string Lone = "\\udc00";

    public static TheoryData<string, string> InvalidManifests() => new()
    {
        { "what", $"{{\"v\":1,\"kind\":\"report\",\"fields\":{{\"what\":\"a{Lone}b\"}},\"attachments\":[]}}" },
        { "category", $"{{\"v\":1,\"kind\":\"report\",\"fields\":{{\"what\":\"x\",\"category\":\"{Lone}\"}},\"attachments\":[]}}" },
        { "lang", $"{{\"v\":1,\"kind\":\"report\",\"lang\":\"{Lone}\",\"attachments\":[]}}" },
        { "attachment name", $"{{\"v\":1,\"kind\":\"report\",\"attachments\":[{{\"name\":\"{Lone}.jpg\",\"type\":\"image/jpeg\",\"size\":0}}]}}" },
        { "attachment type", $"{{\"v\":1,\"kind\":\"report\",\"attachments\":[{{\"name\":\"a.jpg\",\"type\":\"{Lone}\",\"size\":0}}]}}" },
        { "replyTo.x25519", $"{{\"v\":1,\"kind\":\"report\",\"replyTo\":{{\"x25519\":\"{Lone}\",\"ed25519\":\"a\",\"sig\":\"b\"}},\"attachments\":[]}}" },
        { "replyTo.sig", $"{{\"v\":1,\"kind\":\"report\",\"replyTo\":{{\"x25519\":\"a\",\"ed25519\":\"b\",\"sig\":\"{Lone}\"}},\"attachments\":[]}}" },
        { "unknown member", $"{{\"v\":1,\"kind\":\"report\",\"zz\":[\"{Lone}\"],\"attachments\":[]}}" },
        { "member name", $"{{\"v\":1,\"kind\":\"report\",\"{Lone}\":1,\"attachments\":[]}}" },
        { "high surrogate alone", "{\"v\":1,\"kind\":\"report\",\"fields\":{\"what\":\"\\ud800x\"},\"attachments\":[]}" },
        { "deep nesting", "{\"v\":1,\"kind\":\"report\",\"deep\":" + new string('[', 40) + new string(']', 40) + ",\"attachments\":[]}" },
        { "duplicate member", "{\"v\":1,\"kind\":\"report\",\"lang\":\"en\",\"lang\":\"zh-Hans\",\"attachments\":[]}" },
        { "duplicate nested member", "{\"v\":1,\"kind\":\"report\",\"fields\":{\"what\":\"a\",\"what\":\"b\"},\"attachments\":[]}" },
        { "BOM", "\uFEFF{\"v\":1,\"kind\":\"report\",\"attachments\":[]}" },
        { "number for kind", "{\"v\":1,\"kind\":7,\"attachments\":[]}" },
        { "string for size", "{\"v\":1,\"kind\":\"report\",\"attachments\":[{\"name\":\"a\",\"type\":\"b\",\"size\":\"0\"}]}" },
        { "not an object", "[1,2]" },
    };

    [Theory]
    [MemberData(nameof(InvalidManifests))]
    public void Import_InvalidManifestBetweenGenuineReports_IsQuarantinedAndTheOthersImport(string label, string manifest)
    {
        var poison = Poison(Encoding.UTF8.GetBytes(manifest));
        AssertQuarantinedBetweenGenuine(label, poison, "does-not-open");
    }

    [Fact]
    public void Import_InvalidUtf8InAString_IsQuarantined()
    {
        var manifest = Encoding.UTF8.GetBytes("{\"v\":1,\"kind\":\"report\",\"fields\":{\"what\":\"ab\"},\"attachments\":[]}");
        manifest[Array.IndexOf(manifest, (byte)'a')] = 0xFF;
        AssertQuarantinedBetweenGenuine("invalid UTF-8", Poison(manifest), "does-not-open");
    }

    public static TheoryData<string, string> OddButValidManifests() => new()
    {
        { "number for what", "{\"v\":1,\"kind\":\"report\",\"fields\":{\"what\":5,\"category\":[1]},\"lang\":{},\"attachments\":[]}" },
        { "huge string", "{\"v\":1,\"kind\":\"report\",\"fields\":{\"what\":\"" + new string('w', 1_000_000) + "\"},\"attachments\":[]}" },
        { "valid surrogate pair", "{\"v\":1,\"kind\":\"report\",\"fields\":{\"what\":\"\\ud83d\\ude00\"},\"attachments\":[]}" },
        { "fields not an object", "{\"v\":1,\"kind\":\"report\",\"fields\":\"what\",\"attachments\":[]}" },
    };

    /// <summary>Well-formed manifests with odd application members: they import or are quarantined, and never crash.</summary>
    [Theory]
    [MemberData(nameof(OddButValidManifests))]
    public void Import_OddApplicationMembers_NeverAbortTheImport(string label, string manifest)
    {
        _export.Report(_alice, "genuine before");
        _export.Add("report", Poison(Encoding.UTF8.GetBytes(manifest)));
        _export.Report(_alice, "genuine after");
        var path = _export.WriteTo(_home.Root);

        var first = Import(path);
        var second = Import(path);

        Assert.True((int)first["newReports"]! == 3, $"{label}: {first["quarantined"]}");
        Assert.Equal(0, (int)second["newReports"]!);
        Assert.Equal(2, Genuine());
    }

    [Fact]
    public void Import_TruncatedAndBitFlippedEnvelopes_AreQuarantined()
    {
        var truncated = Witness.Report(_alice.EncryptionKey, "truncated");
        var flipped = Witness.Report(_alice.EncryptionKey, "flipped");
        flipped[flipped.Length / 2] ^= 0x10;
        _export.Report(_alice, "genuine before");
        _export.Add("report", truncated[..(truncated.Length - 100)]);
        _export.Add("report", flipped);
        _export.Add("report", new byte[] { 1, 2, 3 });
        _export.Report(_alice, "genuine after");
        var path = _export.WriteTo(_home.Root);

        var summary = Import(path);

        Assert.Equal(2, (int)summary["newReports"]!);
        Assert.Equal(3, (int)summary["quarantinedByCode"]!["does-not-open"]!);
        Assert.Equal(0, (int)Import(path)["newReports"]!);
        Assert.Equal(2, Genuine());
    }

    [Fact]
    public void Import_SameEnvelopeListedTwice_QuarantinesTheCopyAndImportsTheRest()
    {
        var envelope = Witness.Report(_alice.EncryptionKey, "uploaded twice");
        _export.Report(_alice, "genuine before");
        var original = _export.Add("report", envelope);
        var copy = _export.Add("report", envelope);
        _export.Report(_alice, "genuine after");
        var path = _export.WriteTo(_home.Root);

        var summary = Import(path);

        Assert.Equal(3, (int)summary["newReports"]!);
        var line = Assert.Single(summary["quarantined"]!.AsArray())!;
        Assert.Equal(copy.Id, (string)line["id"]!);
        Assert.Equal("duplicate", (string)line["code"]!);
        Assert.Contains(original.Id, (string)line["reason"]!, StringComparison.Ordinal);
        Assert.Equal(4, (int)summary["acknowledged"]!);
        var again = Import(path);
        Assert.Equal(0, (int)again["newReports"]!);
        Assert.Equal("duplicate", (string)Assert.Single(again["quarantined"]!.AsArray())!["code"]!);
    }

    [Fact]
    public void Import_FollowUpWithNonCanonicalSignature_IsQuarantinedWithAClearReasonAndBlocksNothing()
    {
        var codename = Witness.Codename();
        _export.Report(_alice, "report", codename);
        var followUp = _export.FollowUp(_alice, codename, "more");
        followUp.Signature = followUp.Signature!.TrimEnd('=');
        _export.FollowUp(_alice, codename, "even more");
        var path = _export.WriteTo(_home.Root);

        var summary = Import(path);
        var again = Import(path);

        var line = Assert.Single(summary["quarantined"]!.AsArray())!;
        Assert.Equal("signature", (string)line["code"]!);
        Assert.Contains("not canonical base64", (string)line["reason"]!, StringComparison.Ordinal);
        Assert.Equal(2, (int)summary["acknowledged"]!);
        Assert.Single(again["quarantined"]!.AsArray());
        Assert.Equal(2, (int)again["acknowledged"]!);
    }

    /// <summary>Random mutations of a valid manifest (fixed seed, bounded count): import never throws or aborts.</summary>
    [Fact]
    public void Import_RandomlyMutatedManifests_NeverAbort()
    {
        var random = new Random(20261202);
        var baseline = Encoding.UTF8.GetBytes(
            "{\"v\":1,\"kind\":\"report\",\"lang\":\"zh-Hant-HK\",\"fields\":{\"what\":\"警察 at the gate\",\"category\":\"police\"},"
            + "\"sealedBy\":\"dotnet/1\",\"attachments\":[{\"name\":\"a.jpg\",\"type\":\"image/jpeg\",\"size\":0}]}");
        string[] splices = ["\\udc00", "\\ud800", "\\udfff", "\\udbff", "\"", "\\", "{", "[", "}", ",", "1e999", "-0", "null", "\"lang\":\"en\",", "\uFEFF", "\\u0000"];
        _export.Report(_alice, "genuine first");
        const int Mutants = 120;
        for (var i = 0; i < Mutants; i++)
        {
            var bytes = baseline.ToList();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(4))
                {
                    case 0:
                        bytes[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        // Most splices go just inside a string (after a quote), where escapes are read.
                        var quotes = bytes.Select((b, k) => (b, k)).Where(x => x.b == (byte)'"').Select(x => x.k + 1).ToList();
                        at = quotes.Count > 0 && random.Next(4) > 0 ? quotes[random.Next(quotes.Count)] : at;
                        bytes.InsertRange(at, Encoding.UTF8.GetBytes(splices[random.Next(splices.Length)]));
                        break;
                    case 2:
                        bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                        break;
                    default:
                        bytes.InsertRange(at, bytes.Skip(random.Next(bytes.Count)).Take(random.Next(1, 20)).ToList());
                        break;
                }
            }

            if (bytes.Count < 2)
            {
                bytes.AddRange("{}"u8.ToArray());
            }

            _export.Add("report", Poison([.. bytes]));
        }

        _export.Report(_alice, "genuine last");
        var path = _export.WriteTo(_home.Root);

        var summary = Import(path);

        Assert.Equal(Mutants + 2, (int)summary["newReports"]! + summary["quarantined"]!.AsArray().Count);
        Assert.DoesNotContain(summary["quarantined"]!.AsArray(), q => (string)q!["code"]! == "internal-error");
        Assert.Equal(0, (int)Import(path)["newReports"]!);
        var listed = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "list", "--kind", "all", "--json").Output)!.AsArray();
        Assert.Contains(listed, r => ((string?)r!["what"])?.StartsWith("genuine first", StringComparison.Ordinal) == true);
        Assert.Contains(listed, r => ((string?)r!["what"])?.StartsWith("genuine last", StringComparison.Ordinal) == true);
    }

    private byte[] Poison(byte[] manifest) => HandSealer.SealPadded(_alice.EncryptionKey, Witness.BundleHash, manifest);

    private void AssertQuarantinedBetweenGenuine(string label, byte[] poison, string code)
    {
        _export.Report(_alice, "genuine before");
        var entry = _export.Add("report", poison);
        _export.Report(_alice, "genuine after");
        var path = _export.WriteTo(_home.Root);

        var first = Import(path);
        var second = Import(path);

        Assert.Equal(2, (int)first["newReports"]!);
        var line = Assert.Single(first["quarantined"]!.AsArray())!;
        Assert.Equal(entry.Id, (string)line["id"]!);
        Assert.True(code == (string)line["code"]!, $"{label}: {line}");
        Assert.Equal(0, (int)second["newReports"]!);
        Assert.Equal(2, (int)second["duplicates"]!);
        Assert.Single(second["quarantined"]!.AsArray());
        Assert.Equal(2, Genuine());
    }

    private JsonNode Import(string path) => JsonNode.Parse(_home.Expect(ExitCodes.Ok, "import", path, "--json").Output)!;

    private int Genuine() =>
        JsonNode.Parse(_home.Expect(ExitCodes.Ok, "list", "--kind", "all", "--json").Output)!.AsArray()
            .Count(r => ((string?)r!["what"])?.StartsWith("genuine", StringComparison.Ordinal) == true);
}
