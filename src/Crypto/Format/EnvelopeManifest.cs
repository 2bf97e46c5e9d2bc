using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SafeIntake.Crypto;

/// <summary>One attachment as the manifest declares it.</summary>
public sealed record AttachmentEntry(string Name, string Type, long Size);

/// <summary>
/// The manifest at the head of every payload (docs/spec/envelope-v1.md §3.2). The crypto layer reads
/// <c>v</c>, <c>kind</c> and <c>attachments</c>; every other member belongs to the application.
/// </summary>
public sealed class EnvelopeManifest
{
    public const int MinLength = 2;
    public const int MaxLength = 1024 * 1024;
    public const int MaxAttachments = 1000;
    public const long MaxAttachmentSize = 1L << 50;

    public static IReadOnlyList<string> Kinds { get; } = ["report", "follow-up", "reply"];

    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false, MaxDepth = 32 };

    private static readonly JsonSerializerOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly byte[] _utf8;

    private EnvelopeManifest(byte[] utf8, string kind, IReadOnlyList<AttachmentEntry> attachments, JsonElement root)
    {
        _utf8 = utf8;
        Kind = kind;
        Attachments = attachments;
        Root = root;
    }

    public string Kind { get; }

    public IReadOnlyList<AttachmentEntry> Attachments { get; }

    /// <summary>The whole manifest, application members included.</summary>
    public JsonElement Root { get; }

    /// <summary>The manifest exactly as it was sealed.</summary>
    public ReadOnlySpan<byte> Utf8Json => _utf8;

    /// <summary>L of §3.1: length prefix, manifest and attachments, before padding.</summary>
    public long ContentLength => 4L + _utf8.Length + Attachments.Sum(a => a.Size);

    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out EnvelopeManifest? manifest)
    {
        manifest = null;
        // JsonDocument does not reject ill-formed UTF-8 inside strings; readers must agree byte for byte.
        // §1: no byte-order mark, and no string (member names included) that decodes to an unpaired surrogate, in
        // any member, read or not: a later reader of an application member must not be the first to meet one.
        if (utf8.Length is < MinLength or > MaxLength || !System.Text.Unicode.Utf8.IsValid(utf8)
            || utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) || !StringsAreScalarValues(utf8))
        {
            return false;
        }

        try
        {
            // Duplicate member names are rejected so that no two readers can see two different manifests.
            using var document = JsonDocument.Parse(utf8.ToArray(), StrictJson);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("v", out var version) || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt64(out var v) || v != 1
                || !root.TryGetProperty("kind", out var kindElement) || kindElement.ValueKind != JsonValueKind.String
                || kindElement.GetString() is not { } kind || !Kinds.Contains(kind)
                || !root.TryGetProperty("attachments", out var list) || list.ValueKind != JsonValueKind.Array
                || list.GetArrayLength() > MaxAttachments)
            {
                return false;
            }

            var attachments = new List<AttachmentEntry>(list.GetArrayLength());
            foreach (var item in list.EnumerateArray())
            {
                if (!TryParseAttachment(item, out var entry))
                {
                    return false;
                }

                attachments.Add(entry);
            }

            manifest = new EnvelopeManifest(utf8.ToArray(), kind, attachments, root.Clone());
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: GetString() on an escaped lone surrogate ("\udc00"), which parses.
            return false;
        }
    }

    /// <summary>
    /// False when an escaped string or member name would decode to a lone surrogate (<c>"\udc00"</c>): JSON parses it,
    /// and only GetString() fails, later, wherever a reader first asks. Malformed JSON passes here and fails the parse.
    /// </summary>
    private static bool StringsAreScalarValues(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = StrictJson.MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    _ = reader.GetString();
                }
            }
        }
        catch (JsonException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        return true;
    }

    private static bool TryParseAttachment(JsonElement item, [NotNullWhen(true)] out AttachmentEntry? entry)
    {
        entry = null;
        if (item.ValueKind == JsonValueKind.Object
            && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            && item.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            && item.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number
            && size.TryGetInt64(out var bytes) && bytes is >= 0 and <= MaxAttachmentSize)
        {
            entry = new AttachmentEntry(name.GetString()!, type.GetString()!, bytes);
        }

        return entry is not null;
    }

    /// <summary>
    /// Writes a manifest: <c>v</c> and <c>kind</c> first, then the application members, then the attachments.
    /// </summary>
    public static byte[] Build(string kind, JsonObject? members, IReadOnlyList<AttachmentEntry> attachments)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(attachments);
        if (!Kinds.Contains(kind))
        {
            throw Error.Argument(nameof(kind), $"The kind must be one of: {string.Join(", ", Kinds)}.");
        }

        if (attachments.Count > MaxAttachments)
        {
            throw Error.Argument(nameof(attachments), $"An envelope holds at most {MaxAttachments} attachments.");
        }

        var manifest = new JsonObject { ["v"] = 1, ["kind"] = kind };
        foreach (var (name, value) in members ?? [])
        {
            if (name is "v" or "kind" or "attachments")
            {
                throw Error.Argument(nameof(members), $"The member '{name}' is set by the envelope layer.");
            }

            manifest[name] = value?.DeepClone();
        }

        var list = new JsonArray();
        foreach (var attachment in attachments)
        {
            if (attachment.Size is < 0 or > MaxAttachmentSize)
            {
                throw Error.OutOfRange(nameof(attachments), "An attachment size is out of range.");
            }

            list.Add(new JsonObject { ["name"] = attachment.Name, ["type"] = attachment.Type, ["size"] = attachment.Size });
        }

        manifest["attachments"] = list;
        var utf8 = JsonSerializer.SerializeToUtf8Bytes(manifest, CompactJson);
        return utf8.Length <= MaxLength
            ? utf8
            : throw Error.Argument(nameof(members), $"The manifest is larger than {MaxLength} bytes.");
    }
}
