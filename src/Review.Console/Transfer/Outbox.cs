using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Home;
using Sodium;

namespace SafeIntake.Review.Console.Transfer;

/// <summary>A reply going back to a witness's mailbox (export-bundle-v1.md §3).</summary>
public sealed record OutboxReply(Ed25519PublicKey Mailbox, byte[] Signature, byte[] Envelope);

/// <summary>One outbox file: pending until a receipt for exactly its content lies beside it.</summary>
public sealed record OutboxFile(string Path, OutboxBody Body, OutboxReceipt? Receipt)
{
    public bool IsPending => Receipt is null;
}

/// <summary>One item of the server's answer (export-bundle-v1.md §3), reduced to known words and hex ids.</summary>
public sealed record OutboxItemResult(string Type, string? Id, int? Index, string Result);

/// <summary>What <c>upload-outbox</c> records beside an outbox it posted: when, where, and the server's whole answer.</summary>
public sealed record OutboxReceipt(string Sha256, string Server, DateTimeOffset Uploaded, long Acknowledged, long Replies, long Deleted,
    IReadOnlyList<OutboxItemResult> Items);

/// <summary>The body of an outbox as read back (for checks and tests).</summary>
public sealed record OutboxBody(string Reviewer, string Nonce, string Created, IReadOnlyList<string> Acks, int Replies);

/// <summary>
/// The signed outbox of docs/spec/export-bundle-v1.md §3: acknowledgements and replies, signed with the reviewer's
/// Ed25519 key, carried to the online machine and posted by <c>upload-outbox</c>.
/// </summary>
public static class Outbox
{
    public const string FormatName = "safeintake-outbox/1";
    public const string TypeName = "safeintake-outbox";
    public const int MaxFileLength = 256 * 1024 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The body, members in the spec's order, no insignificant whitespace.</summary>
    public static byte[] EncodeBody(string reviewer, DateOnly created, IReadOnlyList<string> acks, IReadOnlyList<OutboxReply> replies)
    {
        ArgumentNullException.ThrowIfNull(acks);
        ArgumentNullException.ThrowIfNull(replies);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("type", TypeName);
            json.WriteNumber("v", 1);
            json.WriteString("reviewer", reviewer);
            // A fresh nonce makes every outbox distinct, so the server can refuse a replayed one (409).
            json.WriteString("nonce", Convert.ToBase64String(SodiumCore.GetRandomBytes(16)));
            json.WriteString("created", created.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteStartArray("acks");
            foreach (var id in acks)
            {
                json.WriteStringValue(id);
            }

            json.WriteEndArray();
            json.WriteStartArray("replies");
            foreach (var reply in replies)
            {
                json.WriteStartObject();
                json.WriteString("mailbox", reply.Mailbox.ToBase64());
                json.WriteString("signature", Convert.ToBase64String(reply.Signature));
                json.WriteString("envelope", Convert.ToBase64String(reply.Envelope));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The signed file text: <c>{"format":…,"body":…,"signature":…}</c>.</summary>
    public static string Sign(ReadOnlySpan<byte> body, Ed25519SecretKey reviewerKey)
    {
        var signature = reviewerKey.Sign(Signatures.OutboxMessage(body));
        return $"{{\"format\":\"{FormatName}\",\"body\":\"{Convert.ToBase64String(body)}\",\"signature\":\"{Convert.ToBase64String(signature)}\"}}\n";
    }

    /// <summary>Reads a signed outbox file; verifies the signature when a key is given.</summary>
    public static bool TryRead(string fileText, Ed25519PublicKey? reviewerKey, [NotNullWhen(true)] out OutboxBody? body)
    {
        body = null;
        try
        {
            using var document = JsonDocument.Parse(fileText, StrictJson.DocumentOptions(4));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || StrictJson.GetString(root, "format") != FormatName
                || !StrictBase64.TryDecode(StrictJson.GetString(root, "body"), out var bodyBytes)
                || !StrictBase64.TryDecode(StrictJson.GetString(root, "signature"), out var signature)
                || signature.Length != Signatures.Length
                || (reviewerKey is not null && !Signatures.VerifyOutbox(reviewerKey, bodyBytes, signature)))
            {
                return false;
            }

            using var inner = JsonDocument.Parse(bodyBytes, StrictJson.DocumentOptions(8));
            var b = inner.RootElement;
            if (b.ValueKind != JsonValueKind.Object || StrictJson.GetString(b, "type") != TypeName || StrictJson.GetInteger(b, "v") != 1
                || StrictJson.GetString(b, "reviewer") is not { } reviewer || StrictJson.GetString(b, "nonce") is not { } nonce
                || StrictJson.GetString(b, "created") is not { } created
                || !b.TryGetProperty("acks", out var acks) || acks.ValueKind != JsonValueKind.Array
                || !b.TryGetProperty("replies", out var replies) || replies.ValueKind != JsonValueKind.Array
                || acks.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
            {
                return false;
            }

            body = new OutboxBody(reviewer, nonce, created, acks.EnumerateArray().Select(a => a.GetString()!).ToList(), replies.GetArrayLength());
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Where <c>upload-outbox</c> records the server's answer: beside the file, as <c>&lt;name&gt;.json.uploaded</c>
    /// (not *.json, so <c>outbox/*.json</c> never names a receipt).
    /// </summary>
    public static string ReceiptPath(string outboxPath) => outboxPath + ".uploaded";

    /// <summary>SHA-256 of the file's bytes: a receipt counts only for the very file it was written for.</summary>
    public static string Digest(string fileText) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(fileText)));

    /// <summary>The receipt of <paramref name="outboxPath"/> when one was written for exactly this file's content.</summary>
    public static OutboxReceipt? ReadReceipt(string outboxPath, string fileText)
    {
        var path = ReceiptPath(outboxPath);
        try
        {
            if (!File.Exists(path) || new FileInfo(path).Length > 16 * 1024 * 1024)
            {
                return null;
            }

            var receipt = JsonSerializer.Deserialize<OutboxReceipt>(File.ReadAllText(path), ReceiptJson);
            return receipt is not null && receipt.Sha256 == Digest(fileText) ? receipt : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void WriteReceipt(string outboxPath, OutboxReceipt receipt) =>
        AtomicFile.WriteText(ReceiptPath(outboxPath), JsonSerializer.Serialize(receipt, ReceiptJson) + "\n");

    /// <summary>Every outbox file in <paramref name="folder"/> (oldest name first), with its body and receipt.</summary>
    public static IReadOnlyList<OutboxFile> List(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var files = new List<OutboxFile>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var text = new FileInfo(path).Length <= MaxFileLength ? File.ReadAllText(path) : "";
            if (TryRead(text, null, out var body))
            {
                files.Add(new OutboxFile(path, body, ReadReceipt(path, text)));
            }
        }

        return files;
    }

    private static readonly JsonSerializerOptions ReceiptJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes <c>&lt;folder&gt;/&lt;yyyy-MM-dd&gt;-&lt;n&gt;.json</c> with the next free n; returns the path.</summary>
    public static string WriteToFolder(string folder, DateOnly day, string fileText)
    {
        AtomicFile.CreatePrivateFolder(folder);
        var prefix = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        for (var n = 1; ; n++)
        {
            var path = Path.Combine(folder, $"{prefix}-{n}.json");
            if (!File.Exists(path))
            {
                AtomicFile.WriteText(path, fileText);
                return path;
            }
        }
    }
}
