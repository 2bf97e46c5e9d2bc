using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace SafeIntake.Intake.Web.Endpoints;

/// <summary>
/// Renders the witness pages from <c>Pages/*.html</c> with strings from <c>Resources/strings.{lang}.json</c>.
/// Placeholders: <c>{{lang}}</c>, <c>{{t:key}}</c>, <c>{{sri:/path}}</c>, <c>{{config}}</c>, <c>{{current:lang}}</c>.
/// Strings are HTML-encoded; the config block is JSON with &lt;, &gt; and &amp; escaped, so nothing can close it.
/// </summary>
public sealed partial class PageRenderer
{
    public static IReadOnlyList<string> Languages { get; } = ["en", "zh-Hant-HK", "zh-Hans"];

    private readonly string _pages;
    private readonly IWebHostEnvironment _environment;
    private readonly IOptions<IntakeOptions> _options;
    private readonly Dictionary<string, Dictionary<string, string>> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _integrity = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions ConfigJson = new() { Encoder = JavaScriptEncoder.Default };

    public PageRenderer(IWebHostEnvironment environment, IOptions<IntakeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
        _options = options;
        _pages = Path.Combine(environment.ContentRootPath, "Pages");
        foreach (var lang in Languages)
        {
            var path = Path.Combine(environment.ContentRootPath, "Resources", $"strings.{lang}.json");
            _strings[lang] = File.Exists(path)
                ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? []
                : [];
        }
    }

    [GeneratedRegex(@"\{\{(?<name>[a-z]+)(?::(?<arg>[^}]+))?\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    /// <summary>The page's language from a path segment, else from Accept-Language, else English.</summary>
    public static string Negotiate(string? pathLanguage, string? acceptLanguage)
    {
        if (pathLanguage is not null)
        {
            return Languages.FirstOrDefault(l => string.Equals(l, pathLanguage, StringComparison.OrdinalIgnoreCase)) ?? "en";
        }

        var ranked = (acceptLanguage ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Take(20)
            .Select((part, index) =>
            {
                var pieces = part.Split(';', StringSplitOptions.TrimEntries);
                var q = pieces.Skip(1).Where(p => p.StartsWith("q=", StringComparison.Ordinal))
                    .Select(p => double.TryParse(p[2..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0)
                    .DefaultIfEmpty(1).First();
                return (Tag: pieces[0].ToUpperInvariant(), Q: q, Index: index);
            })
            .Where(x => x.Q > 0)
            .OrderByDescending(x => x.Q).ThenBy(x => x.Index);
        foreach (var (tag, _, _) in ranked)
        {
            if (tag.StartsWith("ZH-HANT", StringComparison.Ordinal) || tag is "ZH-HK" or "ZH-TW" or "ZH-MO")
            {
                return "zh-Hant-HK";
            }

            if (tag.StartsWith("ZH", StringComparison.Ordinal))
            {
                return "zh-Hans";
            }

            if (tag.StartsWith("EN", StringComparison.Ordinal))
            {
                return "en";
            }
        }

        return "en";
    }

    public string Render(string page, string lang, bool demo)
    {
        var template = File.ReadAllText(Path.Combine(_pages, page + ".html"));
        var strings = _strings[lang];
        return Placeholder().Replace(template, match =>
        {
            var arg = match.Groups["arg"].Value;
            return match.Groups["name"].Value switch
            {
                "lang" => lang,
                "t" => WebUtility.HtmlEncode(strings.TryGetValue(arg, out var s) ? s : _strings["en"].GetValueOrDefault(arg, arg)),
                "sri" => Integrity(arg),
                "current" => arg == lang ? "aria-current=\"page\"" : "",
                "config" => Config(lang, strings, demo),
                _ => match.Value,
            };
        });
    }

    private string Config(string lang, Dictionary<string, string> strings, bool demo)
    {
        var options = _options.Value;
        var config = new Dictionary<string, object?>
        {
            ["lang"] = lang,
            ["orgKey"] = OrganisationKey,
            ["bundleUrl"] = "/api/v1/bundle",
            ["maxTotalBytes"] = options.MaxAttachmentBytes,
            ["chunkBytes"] = options.ChunkBytes,
            ["categories"] = options.Categories.Select(c => new { id = c.Id, label = c.Labels.GetValueOrDefault(lang) ?? c.Labels.GetValueOrDefault("en") ?? c.Id }),
            ["demo"] = demo,
            ["strings"] = _strings["en"].Keys.Where(k => k.StartsWith("js.", StringComparison.Ordinal))
                .ToDictionary(k => k, k => strings.GetValueOrDefault(k) ?? _strings["en"][k]),
        };
        // JavaScriptEncoder.Default escapes <, > and & as \u003C…, so the data block cannot be closed early.
        return JsonSerializer.Serialize(config, ConfigJson);
    }

    /// <summary>Set once at start-up from the pinned key.</summary>
    public string OrganisationKey { get; set; } = "";

    private string Integrity(string path) => _integrity.GetOrAdd(path, p =>
    {
        var file = _environment.WebRootFileProvider.GetFileInfo(p);
        if (!file.Exists)
        {
            throw new InvalidOperationException($"A page names a static file that does not exist: {p}");
        }

        using var stream = file.CreateReadStream();
        return "sha384-" + Convert.ToBase64String(SHA384.HashData(stream));
    });
}
