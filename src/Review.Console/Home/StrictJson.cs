using System.Text.Encodings.Web;
using System.Text.Json;

namespace SafeIntake.Review.Console.Home;

/// <summary>Strict reading (envelope-v1.md §1: no duplicate members, integers without fraction) and the console's JSON output.</summary>
public static class StrictJson
{
    public const long MaxSafeInteger = (1L << 53) - 1;

    public static JsonDocumentOptions DocumentOptions(int maxDepth) => new() { AllowDuplicateProperties = false, MaxDepth = maxDepth };

    public static string? GetString(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>An integer token (no fraction, no exponent) within ±(2^53 − 1), or null.</summary>
    public static long? GetInteger(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) ? GetInteger(value) : null;

    public static long? GetInteger(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        var raw = value.GetRawText();
        return raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && value.TryGetInt64(out var number) && Math.Abs(number) <= MaxSafeInteger
            ? number
            : null;
    }

    /// <summary>True when the member is absent or JSON null.</summary>
    public static bool IsNullOrMissing(JsonElement parent, string name) =>
        !parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null;
}

/// <summary>How the console writes JSON for scripts (<c>--json</c>) and its own files.</summary>
public static class JsonOutput
{
    public static JsonSerializerOptions Compact { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public static JsonSerializerOptions Indented { get; } = new(Compact) { WriteIndented = true };
}
