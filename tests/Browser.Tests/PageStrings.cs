using System.Collections.Concurrent;
using System.Text.Json;

namespace SafeIntake.Browser.Tests;

/// <summary>The pages' own strings (src/Intake.Web/Resources), so tests assert what a witness reads in each language.</summary>
public static class PageStrings
{
    public static IReadOnlyList<string> Languages { get; } = ["en", "zh-Hant-HK", "zh-Hans"];

    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> Cache = new(StringComparer.Ordinal);

    public static string Get(string lang, string key, IReadOnlyDictionary<string, string>? vars = null)
    {
        var text = For(lang)[key];
        foreach (var (name, value) in vars ?? new Dictionary<string, string>())
        {
            text = text.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }

        return text;
    }

    private static IReadOnlyDictionary<string, string> For(string lang) => Cache.GetOrAdd(lang, l =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(
            File.ReadAllText(Path.Combine(IntakeServer.RepoRoot, "src", "Intake.Web", "Resources", $"strings.{l}.json")))
        ?? throw new InvalidOperationException($"No strings for {l}."));
}
