using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;

namespace SafeIntake.VectorGen;

/// <summary>
/// Generates the shared vectors of docs/spec/envelope-v1.md §10. Failure cases are built from valid parts with
/// exactly one rule broken (MACs and tags recomputed where the rule under test is behind them), and every
/// vector is checked against the .NET opener before it is written.
/// </summary>
public static class Program
{
    private static readonly byte[] BundleHash = TestKey("bundle");

    public static int Main(string[] args)
    {
        var root = args.Length > 0 ? args[0] : "tests/testdata";
        PowVectors.WriteAll(Path.Combine(root, "pow"));
        if (args.Length > 1 && args[1] == "pow")
        {
            Console.WriteLine($"wrote proof-of-work vectors under {root}");
            return 0;
        }

        var envelopes = new EnvelopeVectors(Path.Combine(root, "envelope"));
        envelopes.WriteAll();
        BundleVectors.WriteAll(Path.Combine(root, "bundle"));
        CodenameVectors.WriteAll(Path.Combine(root, "codename"));
        Console.WriteLine($"wrote vectors under {root}");
        return 0;
    }

    /// <summary>Deterministic 32-byte test keys: BLAKE2b-256("SafeIntake test key " + label).</summary>
    public static byte[] TestKey(string label) => Primitives.Blake2b256(Encoding.ASCII.GetBytes("SafeIntake test key " + label));

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static void WriteVector(string folder, string name, IEnumerable<(string Key, string Value)> headers, string body)
    {
        Directory.CreateDirectory(folder);
        var text = new StringBuilder();
        foreach (var (key, value) in headers)
        {
            text.Append(key).Append(": ").Append(value).Append('\n');
        }

        text.Append('\n').Append(body);
        if (!body.EndsWith('\n'))
        {
            text.Append('\n');
        }

        File.WriteAllText(Path.Combine(folder, name + ".txt"), text.ToString());
    }

    public static string WrapBase64(byte[] data)
    {
        var base64 = Convert.ToBase64String(data);
        var lines = new StringBuilder();
        for (var i = 0; i < base64.Length; i += 76)
        {
            lines.Append(base64.AsSpan(i, Math.Min(76, base64.Length - i))).Append('\n');
        }

        return lines.ToString();
    }

    internal static byte[] Bundle => BundleHash;
}

/// <summary>Envelope vectors: success cases and one case per MUST-reject rule.</summary>
internal sealed class EnvelopeVectors(string folder)
{
    private readonly X25519SecretKey _alice = X25519SecretKey.Import(Program.TestKey("alice"));
    private readonly X25519SecretKey _bob = X25519SecretKey.Import(Program.TestKey("bob"));
    private readonly X25519SecretKey _mallory = X25519SecretKey.Import(Program.TestKey("mallory"));
    private readonly byte[] _fileKey = Program.TestKey("file key");
    private readonly byte[] _nonce = Program.TestKey("nonce")[..16];
    private int _count;

    public void WriteAll()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Successes();
        HeaderFailures();
        RecipientAndMacFailures();
        ChunkFailures();
        PayloadFailures();
        Console.WriteLine($"{_count} envelope vectors");
    }

    private static byte[] Manifest(string kind = "report", string extra = "") =>
        Encoding.UTF8.GetBytes($"{{\"v\":1,\"kind\":\"{kind}\"{extra},\"attachments\":[]}}");

    private static byte[] Pattern(int size, int seed) => Enumerable.Range(0, size).Select(i => unchecked((byte)((i * 31) + seed))).ToArray();

    private void Successes()
    {
        Success("text-only", "a text-only report, one recipient", [_alice], _alice, "report", new JsonObject { ["lang"] = "en", ["fields"] = new JsonObject { ["what"] = "canary-7f3a: the officer took the phone" } }, []);
        Success("two-recipients-second", "two recipients, opened by the second", [_alice, _bob], _bob, "report", null, [("photo.jpg", "image/jpeg", Pattern(1, 1))]);
        Success("unicode-manifest", "Traditional and Simplified Chinese in the manifest", [_alice], _alice, "report", new JsonObject { ["lang"] = "zh-Hant-HK", ["fields"] = new JsonObject { ["what"] = "警察拿走了電話 / 警察拿走了电话 \u2028 \"quoted\" \\ " } }, []);
        Success("attachments-empty-and-small", "three attachments of 0, 10 and 3 bytes", [_alice], _alice, "follow-up", null,
            [("empty.txt", "text/plain", []), ("ten.bin", "application/octet-stream", Pattern(10, 2)), ("three.bin", "application/octet-stream", Pattern(3, 3))]);
        // 4 + manifest + attachment = 65536 exactly: one full chunk that is also the last.
        var manifestLength = EnvelopeManifest.Build("report", null, [new AttachmentEntry("a.bin", "application/octet-stream", 0)]).Length;
        var exact = 65536 - 4 - manifestLength - 1; // the attachment's size adds digits to the manifest
        Success("one-full-chunk", "a payload of exactly 65536 bytes: one full, final chunk", [_alice], _alice, "report", null, [("a.bin", "application/octet-stream", Pattern(exact, 4))]);
        Success("two-chunks", "a payload of 100352 bytes: a full chunk and a short last one", [_alice], _alice, "reply", new JsonObject { ["text"] = "Thank you.", ["reviewer"] = "alice" }, [("doc.pdf", "application/pdf", Pattern(99000, 5))]);
        var many = Enumerable.Range(0, 63).Select(i => X25519SecretKey.Import(Program.TestKey("recipient " + i))).Append(_bob).ToArray();
        Success("sixty-four-recipients", "64 recipients, opened by the last", many, _bob, "report", null, []);
    }

    private void Success(string name, string description, X25519SecretKey[] recipients, X25519SecretKey reader, string kind, JsonObject? members,
        (string Name, string Type, byte[] Data)[] attachments)
    {
        var request = new SealRequest
        {
            Recipients = recipients.Select(r => r.PublicKey).ToList(),
            BundleHash = Program.Bundle,
            Kind = kind,
            Members = members,
            Attachments = attachments.Select(a => new SealAttachment(a.Name, a.Type, a.Data.Length, new MemoryStream(a.Data))).ToList(),
        };
        using var output = new MemoryStream();
        EnvelopeSealer.Seal(request, output, _fileKey, _nonce, progress: null);
        var envelope = output.ToArray();
        var sink = new MemoryEnvelopeSink();
        var result = EnvelopeOpener.Open(new MemoryStream(envelope), [reader], sink);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"{name}: expected success, got {result.Status} ({result.Detail})");
        }

        var headers = new List<(string, string)>
        {
            ("description", description),
            ("expect", "success"),
            ("identity", Program.Hex(reader.Export())),
            ("bundle-hash", Program.Hex(Program.Bundle)),
            ("manifest", Convert.ToBase64String(result.Manifest.Utf8Json)),
        };
        headers.AddRange(sink.Attachments.Select(a => ("attachment", $"{a.Length} {Program.Hex(Primitives.Blake2b256(a))}")));
        Write("success-" + name, headers, envelope);
    }

    private void HeaderFailures()
    {
        var valid = SealSimple();
        var headerLength = EnvelopeFormat.HeaderLength(1);
        Failure("header-empty", "an empty file", OpenStatus.HeaderFailure, []);
        Failure("header-truncated-fixed", "truncated inside the fixed header (59 bytes)", OpenStatus.HeaderFailure, valid[..59]);
        Failure("header-truncated-stanza", "truncated inside the stanza", OpenStatus.HeaderFailure, valid[..100]);
        Failure("header-truncated-mac", "truncated inside the header MAC", OpenStatus.HeaderFailure, valid[..(headerLength - 1)]);
        Failure("header-bad-magic", "magic is SafeIntj", OpenStatus.HeaderFailure, Flip(valid, 7, 0x01));
        Failure("header-bad-version", "version 2, MAC recomputed", OpenStatus.HeaderFailure, Rebuild(version: 2));
        Failure("header-bad-suite", "suite 2, MAC recomputed", OpenStatus.HeaderFailure, Rebuild(suite: 2));
        Failure("header-count-zero", "recipient count 0, MAC recomputed", OpenStatus.HeaderFailure, Rebuild(count: 0, stanzaCount: 0));
        Failure("header-count-65", "recipient count 65 with 65 stanzas, MAC recomputed", OpenStatus.HeaderFailure,
            Rebuild(stanzas: Enumerable.Range(0, 65).Select(i => Stanza(i == 0 ? _alice : X25519SecretKey.Import(Program.TestKey("recipient " + i)), _fileKey)).ToArray()));
        var stanza = Stanza(_alice, _fileKey);
        Failure("header-duplicate-stanza", "the same stanza twice, MAC recomputed", OpenStatus.HeaderFailure, Rebuild(stanzas: [stanza, stanza]));
        Failure("header-flip-count", "count 1 flipped to 3: the MAC no longer matches", OpenStatus.MacFailure, Flip(valid, 59, 0x02));
    }

    private void RecipientAndMacFailures()
    {
        var valid = SealSimple();
        Failure("recipient-not-ours", "a reader who is not a recipient", OpenStatus.NoMatchingKey, valid, _mallory);
        Failure("recipient-flip-ephemeral", "a bit flipped in the stanza's ephemeral key", OpenStatus.NoMatchingKey, Flip(valid, 60, 0x01));
        Failure("recipient-flip-box", "a bit flipped in the stanza's box", OpenStatus.NoMatchingKey, Flip(valid, 60 + 40, 0x10));
        var two = Rebuild(stanzas: [Stanza(_alice, _fileKey), Stanza(_bob, _fileKey)]);
        Failure("mac-other-stanza-flipped", "two recipients, the other stanza flipped: the MAC catches it", OpenStatus.MacFailure, Flip(two, 60 + 5, 0x01), _bob);
        Failure("mac-flip-nonce", "a bit flipped in the nonce", OpenStatus.MacFailure, Flip(valid, 10, 0x80));
        Failure("mac-flip-bundle-hash", "a bit flipped in the bundle hash", OpenStatus.MacFailure, Flip(valid, 26, 0x01));
        Failure("mac-flip-mac", "a bit flipped in the header MAC", OpenStatus.MacFailure, Flip(valid, EnvelopeFormat.HeaderLength(1) - 1, 0x01));
        // Invisible salamanders: each recipient gets a different file key; the MAC is made with Bob's.
        var otherKey = Program.TestKey("other file key");
        var split = Rebuild(stanzas: [Stanza(_alice, _fileKey), Stanza(_bob, otherKey)], macKey: otherKey);
        Failure("mac-split-file-keys", "recipients given different file keys (key commitment)", OpenStatus.MacFailure, split, _alice);
    }

    private void ChunkFailures()
    {
        var payload2 = Payload(Manifest(), 131072 - 4 - Manifest().Length); // two full chunks
        var chunks2 = Chunks(payload2);
        var header = Header();
        Failure("chunk-missing-payload", "a valid header and no payload", OpenStatus.PayloadFailure, header);
        Failure("chunk-flip-first", "a bit flipped in the first chunk's ciphertext", OpenStatus.PayloadFailure, Flip(Join([header, .. chunks2]), header.Length + 3, 0x01));
        Failure("chunk-flip-tag", "a bit flipped in the last chunk's tag", OpenStatus.PayloadFailure, Flip(Join([header, .. chunks2]), header.Length + (2 * EnvelopeFormat.SealedChunkLength) - 1, 0x01));
        Failure("chunk-reordered", "the two chunks swapped", OpenStatus.PayloadFailure, Join(header, chunks2[1], chunks2[0]));
        Failure("chunk-duplicated", "the first chunk twice", OpenStatus.PayloadFailure, Join(header, chunks2[0], chunks2[0], chunks2[1]));
        Failure("chunk-dropped-last", "truncated at a chunk boundary: the last chunk dropped", OpenStatus.PayloadFailure, Join(header, chunks2[0]));
        var chunks3 = Chunks(Payload(Manifest(), 150000));
        Failure("chunk-dropped-middle", "the middle of three chunks dropped", OpenStatus.PayloadFailure, Join(header, chunks3[0], chunks3[2]));
        var single = Join([header, .. Chunks(Payload(Manifest(), 0))]);
        Failure("chunk-truncated-inside", "the last chunk cut by one byte", OpenStatus.PayloadFailure, single[..^1]);
        Failure("chunk-truncated-short", "the last chunk cut to 16 bytes", OpenStatus.PayloadFailure, single[..(header.Length + 16)]);
        Failure("chunk-appended-byte", "one byte appended after the last chunk", OpenStatus.PayloadFailure, Join(single, [0x00]));
        Failure("chunk-appended-chunk", "a copy of the last chunk appended", OpenStatus.PayloadFailure, Join(header, chunks2[0], chunks2[1], chunks2[1]));
        Failure("chunk-final-flag-missing", "the last chunk sealed with flag 0", OpenStatus.PayloadFailure, Join([header, .. Chunks(Payload(Manifest(), 0), lastFlag: false)]));
        Failure("chunk-early-final-flag", "the first of two chunks sealed with flag 1", OpenStatus.PayloadFailure, Join([header, .. Chunks(payload2, allFinal: true)]));
        Failure("chunk-empty-final", "two full chunks then an empty final chunk (16-byte tag)", OpenStatus.PayloadFailure,
            Join(header, Chunks(payload2, lastFlag: false)[0], Chunks(payload2, lastFlag: false)[1], EnvelopeFormat.SealChunk(PayloadKey(), Mac(header), 2, true, [])));
    }

    private void PayloadFailures()
    {
        PayloadFailure("payload-nonzero-padding", "a padding byte is 0x01", Payload(Manifest(), 0, paddingByte: 1));
        PayloadFailure("payload-too-long", "valid content, padded to 2 × pad(L)", Payload(Manifest(), 0, totalLength: 32768));
        PayloadFailure("payload-too-short", "valid content, padded to less than pad(L)", Payload(Manifest(), 0, totalLength: 8192));
        PayloadFailure("payload-manifest-length-beyond", "manifest length 20000 in a 16384-byte payload", Raw(20000, Manifest(), 16384));
        PayloadFailure("payload-manifest-length-zero", "manifest length 0", Raw(0, [], 16384));
        PayloadFailure("payload-manifest-length-huge", "manifest length 1048577", Raw(1048577, [], 16384));
        PayloadFailure("payload-attachment-beyond", "the manifest claims 100000 bytes of attachment in a 16384-byte payload",
            Raw(null, Encoding.UTF8.GetBytes("{\"v\":1,\"kind\":\"report\",\"attachments\":[{\"name\":\"a\",\"type\":\"b\",\"size\":100000}]}"), 16384));
        PayloadFailure("payload-manifest-not-json", "the manifest is not JSON", Raw(null, "{\"v\":1,"u8.ToArray(), 16384));
        PayloadFailure("payload-manifest-not-object", "the manifest is a JSON array", Raw(null, "[1,2,3]"u8.ToArray(), 16384));
        PayloadFailure("payload-manifest-version-2", "manifest v is 2", Raw(null, "{\"v\":2,\"kind\":\"report\",\"attachments\":[]}"u8.ToArray(), 16384));
        PayloadFailure("payload-manifest-bad-kind", "manifest kind is unknown", Raw(null, "{\"v\":1,\"kind\":\"invoice\",\"attachments\":[]}"u8.ToArray(), 16384));
        PayloadFailure("payload-manifest-no-attachments", "manifest lacks attachments", Raw(null, "{\"v\":1,\"kind\":\"report\"}"u8.ToArray(), 16384));
        PayloadFailure("payload-manifest-duplicate-member", "manifest has kind twice", Raw(null, "{\"v\":1,\"kind\":\"report\",\"kind\":\"reply\",\"attachments\":[]}"u8.ToArray(), 16384));
        PayloadFailure("payload-manifest-duplicate-nested", "a duplicate member inside an attachment", Raw(null, "{\"v\":1,\"kind\":\"report\",\"attachments\":[{\"name\":\"a\",\"type\":\"b\",\"size\":0,\"size\":0}]}"u8.ToArray(), 16384));
        PayloadFailure("payload-manifest-negative-size", "an attachment size of -1", Raw(null, "{\"v\":1,\"kind\":\"report\",\"attachments\":[{\"name\":\"a\",\"type\":\"b\",\"size\":-1}]}"u8.ToArray(), 16384));
        PayloadFailure("payload-manifest-bad-utf8", "the manifest holds an invalid UTF-8 byte", Raw(null, [.. "{\"v\":1,\"kind\":\"report\",\"x\":\""u8, 0xFF, .. "\",\"attachments\":[]}"u8], 16384));
        PayloadFailure("payload-manifest-lone-surrogate", "the kind is an escaped lone surrogate", Raw(null, "{\"v\":1,\"kind\":\"\\udc00\",\"attachments\":[]}"u8.ToArray(), 16384));
        PayloadFailure("payload-manifest-fractional-size", "an attachment size written 0.0", Raw(null, "{\"v\":1,\"kind\":\"report\",\"attachments\":[{\"name\":\"a\",\"type\":\"b\",\"size\":0.0}]}"u8.ToArray(), 16384));
        PayloadFailure("payload-shorter-than-prefix", "a 3-byte payload", [0, 0, 0]);
    }

    private void PayloadFailure(string name, string description, byte[] payload)
    {
        var header = Header();
        Failure(name, description, OpenStatus.PayloadFailure, Join([header, .. Chunks(payload)]));
    }

    private byte[] SealSimple() => Join([Header(), .. Chunks(Payload(Manifest(), 0))]);

    private static byte[] Stanza(X25519SecretKey recipient, byte[] fileKey) => Sodium.SealedPublicKeyBox.Create(fileKey, recipient.PublicKey.ToArray());

    // One header for every payload case: stanzas are randomised, so the MAC the chunks bind must be this one's.
    private byte[]? _header;

    private byte[] Header() => _header ??= Rebuild(stanzas: [Stanza(_alice, _fileKey)]);

    private byte[] Rebuild(byte version = EnvelopeFormat.Version, byte suite = EnvelopeFormat.Suite, int? count = null, int? stanzaCount = null, byte[][]? stanzas = null, byte[]? macKey = null)
    {
        stanzas ??= Enumerable.Range(0, stanzaCount ?? 1).Select(_ => Stanza(_alice, _fileKey)).ToArray();
        var fixedHeader = EnvelopeFormat.FixedHeader(_nonce, Program.Bundle, 0, version, suite);
        BinaryPrimitives.WriteUInt16BigEndian(fixedHeader.AsSpan(58), (ushort)(count ?? stanzas.Length));
        var authenticated = Join([fixedHeader, .. stanzas]);
        return Join(authenticated, EnvelopeFormat.ComputeHeaderMac(macKey ?? _fileKey, authenticated));
    }

    private static byte[] Mac(byte[] header) => header[^32..];

    private byte[] PayloadKey() => EnvelopeFormat.DerivePayloadKey(_fileKey, _nonce);

    /// <summary>u32 length ‖ manifest ‖ attachment of <paramref name="attachmentSize"/> declared in a rebuilt manifest ‖ padding.</summary>
    private static byte[] Payload(byte[] manifestWithoutAttachment, int attachmentSize, byte paddingByte = 0, long? totalLength = null)
    {
        var manifest = attachmentSize == 0
            ? manifestWithoutAttachment
            : Encoding.UTF8.GetBytes($"{{\"v\":1,\"kind\":\"report\",\"attachments\":[{{\"name\":\"a.bin\",\"type\":\"application/octet-stream\",\"size\":{attachmentSize}}}]}}");
        var content = 4 + manifest.Length + attachmentSize;
        var total = totalLength ?? Padding.Pad(content);
        var payload = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)manifest.Length);
        manifest.CopyTo(payload, 4);
        Pattern(attachmentSize, 9).CopyTo(payload, 4 + manifest.Length);
        payload.AsSpan(content).Fill(paddingByte);
        return payload;
    }

    private static byte[] Raw(long? declaredLength, byte[] manifest, int total)
    {
        var payload = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)(declaredLength ?? manifest.Length));
        manifest.CopyTo(payload, 4);
        return payload;
    }

    private byte[][] Chunks(byte[] payload, bool lastFlag = true, bool allFinal = false)
    {
        var key = PayloadKey();
        var mac = Mac(Header());
        var chunks = new List<byte[]>();
        for (var offset = 0; offset < payload.Length; offset += EnvelopeFormat.ChunkLength)
        {
            var length = Math.Min(EnvelopeFormat.ChunkLength, payload.Length - offset);
            var isLast = offset + length == payload.Length;
            chunks.Add(EnvelopeFormat.SealChunk(key, mac, (ulong)chunks.Count, allFinal || (isLast && lastFlag), payload.AsSpan(offset, length)));
        }

        return [.. chunks];
    }

    private static byte[] Flip(byte[] data, int offset, byte mask)
    {
        var copy = (byte[])data.Clone();
        copy[offset] ^= mask;
        return copy;
    }

    private static byte[] Join(params byte[][] parts) => Primitives.Concat(parts);

    private void Failure(string name, string description, OpenStatus expected, byte[] envelope, X25519SecretKey? reader = null)
    {
        reader ??= _alice;
        var result = EnvelopeOpener.Open(new MemoryStream(envelope), [reader]);
        if (result.Status != expected)
        {
            throw new InvalidOperationException($"{name}: expected {expected}, got {result.Status} ({result.Detail})");
        }

        Write(name, [("description", description), ("expect", expected.ToString()), ("identity", Program.Hex(reader.Export()))], envelope);
    }

    private void Write(string name, IEnumerable<(string, string)> headers, byte[] envelope)
    {
        Program.WriteVector(folder, name, headers, Program.WrapBase64(envelope));
        _count++;
    }
}
