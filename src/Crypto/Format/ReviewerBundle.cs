using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SafeIntake.Crypto;

/// <summary>One reviewer in the organisation's signed bundle.</summary>
public sealed record BundleReviewer(string Id, string Name, X25519PublicKey EncryptionKey, Ed25519PublicKey SigningKey);

/// <summary>The body of a reviewer-key bundle (docs/spec/envelope-v1.md §4.1).</summary>
public sealed partial record ReviewerBundle
{
    public const string TypeName = "safeintake-reviewer-bundle";
    public const int MaxReviewers = 64;
    public const int MaxNameLength = 200;

    /// <summary>2^53 − 1: the largest integer both readers (.NET and JavaScript) represent exactly.</summary>
    public const long MaxSafeInteger = (1L << 53) - 1;

    public required string Organisation { get; init; }
    public required Ed25519PublicKey OrganisationKey { get; init; }
    public required long Epoch { get; init; }
    public required DateTimeOffset Issued { get; init; }
    public required DateTimeOffset Expires { get; init; }
    public required IReadOnlyList<BundleReviewer> Reviewers { get; init; }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ReviewerIdPattern();

    /// <summary>The canonical body bytes: members in spec order, no whitespace, raw UTF-8 (§4.1).</summary>
    public byte[] Encode()
    {
        if (!IsValid())
        {
            throw Error.Argument(nameof(ReviewerBundle), "The bundle breaks a rule of docs/spec/envelope-v1.md §4.1.");
        }

        var json = new StringBuilder();
        json.Append("{\"type\":").Append(Quote(TypeName))
            .Append(",\"v\":1,\"org\":").Append(Quote(Organisation))
            .Append(",\"orgKey\":").Append(Quote(OrganisationKey.ToBase64()))
            .Append(",\"epoch\":").Append(Epoch)
            .Append(",\"issued\":").Append(Issued.ToUnixTimeSeconds())
            .Append(",\"expires\":").Append(Expires.ToUnixTimeSeconds())
            .Append(",\"reviewers\":[");
        for (var i = 0; i < Reviewers.Count; i++)
        {
            var r = Reviewers[i];
            json.Append(i == 0 ? "" : ",")
                .Append("{\"id\":").Append(Quote(r.Id))
                .Append(",\"name\":").Append(Quote(r.Name))
                .Append(",\"x25519\":").Append(Quote(r.EncryptionKey.ToBase64()))
                .Append(",\"ed25519\":").Append(Quote(r.SigningKey.ToBase64()))
                .Append('}');
        }

        return Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }

    /// <summary>Parses and checks a body against every rule of §4.1 (not the signature: see <see cref="SignedReviewerBundle"/>).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, [NotNullWhen(true)] out ReviewerBundle? bundle)
    {
        bundle = null;
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || String(root, "type") != TypeName || Integer(root, "v") != 1
                || String(root, "org") is not { } org
                || !Ed25519PublicKey.TryParseBase64(String(root, "orgKey"), out var orgKey)
                || Integer(root, "epoch") is not { } epoch
                || Integer(root, "issued") is not { } issued || Integer(root, "expires") is not { } expires
                || !root.TryGetProperty("reviewers", out var list) || list.ValueKind != JsonValueKind.Array
                || issued is < 0 or > 253402300799 || expires is < 0 or > 253402300799)
            {
                return false;
            }

            var reviewers = new List<BundleReviewer>();
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || String(item, "id") is not { } id || String(item, "name") is not { } name
                    || !X25519PublicKey.TryParseBase64(String(item, "x25519"), out var x25519)
                    || !Ed25519PublicKey.TryParseBase64(String(item, "ed25519"), out var ed25519))
                {
                    return false;
                }

                reviewers.Add(new BundleReviewer(id, name, x25519, ed25519));
            }

            var candidate = new ReviewerBundle
            {
                Organisation = org,
                OrganisationKey = orgKey,
                Epoch = epoch,
                Issued = DateTimeOffset.FromUnixTimeSeconds(issued),
                Expires = DateTimeOffset.FromUnixTimeSeconds(expires),
                Reviewers = reviewers,
            };
            bundle = candidate.IsValid() ? candidate : null;
            return bundle is not null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: GetString() on an escaped lone surrogate, which parses.
            return false;
        }
    }

    /// <summary>The rules of §4.1 that are not about syntax.</summary>
    public bool IsValid() =>
        IsName(Organisation)
        && Epoch >= 1
        && Issued < Expires
        && Reviewers is { Count: >= 1 and <= MaxReviewers }
        && Reviewers.All(r => ReviewerIdPattern().IsMatch(r.Id) && IsName(r.Name))
        && Reviewers.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count() == Reviewers.Count
        && Reviewers.Select(r => r.EncryptionKey).Distinct().Count() == Reviewers.Count
        && Reviewers.Select(r => r.SigningKey).Distinct().Count() == Reviewers.Count;

    public BundleReviewer? FindReviewer(string id) => Reviewers.FirstOrDefault(r => r.Id == id);

    private static bool IsName(string? value) =>
        value is not null && HasOnlyPairedSurrogates(value) && value.EnumerateRunes().Count() is >= 1 and <= MaxNameLength;

    private static bool HasOnlyPairedSurrogates(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string? String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Integer(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            && Math.Abs(number) <= MaxSafeInteger
            ? number
            : null;

    /// <summary>JSON string with only <c>"</c>, <c>\</c> and control characters escaped (§4.1).</summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                < ' ' => quoted.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }
}
