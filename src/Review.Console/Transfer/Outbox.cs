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
