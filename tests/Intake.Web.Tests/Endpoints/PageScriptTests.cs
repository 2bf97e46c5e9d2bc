using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace SafeIntake.Intake.Web.Tests.Endpoints;

/// <summary>
/// The witness pages load only their own scripts, each pinned by Subresource Integrity to the bytes the server
/// serves, and libsodium.js as one script: split in two, its no-WebAssembly fallback cannot start (threat model §7).
/// </summary>
public sealed partial class PageScriptTests(IntakeApplicationFactory factory) : IClassFixture<IntakeApplicationFactory>
{
    public static TheoryData<string> Pages => new() { "/en/", "/zh-Hant-HK/", "/zh-Hans/", "/en/replies", "/zh-Hans/replies" };

    [GeneratedRegex("<script (?<attrs>[^>]*)>", RegexOptions.CultureInvariant)]
    private static partial Regex ScriptTag();

    [GeneratedRegex("""(?<name>[a-z]+)="(?<value>[^"]*)"|(?<name>[a-z]+)(?=[ >]|$)""", RegexOptions.CultureInvariant)]
    private static partial Regex Attribute();

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_EveryScript_IsPinnedToTheServedBytes_AndLibsodiumIsOneScript(string path)
    {
        using var witness = factory.CreateWitness();
        var html = await witness.Http.GetStringAsync(new Uri(path, UriKind.Relative));

        var sources = new List<string>();
        foreach (Match tag in ScriptTag().Matches(html))
        {
            var attrs = Attribute().Matches(tag.Groups["attrs"].Value).ToDictionary(a => a.Groups["name"].Value, a => a.Groups["value"].Value, StringComparer.Ordinal);
            if (!attrs.TryGetValue("src", out var src))
            {
                Assert.Equal("application/json", attrs.GetValueOrDefault("type"));
                continue;
            }

            sources.Add(src);
            Assert.StartsWith("/", src, StringComparison.Ordinal);
            Assert.True(attrs.ContainsKey("defer"), $"{path}: {src} is not deferred");
            using var response = await witness.Http.GetAsync(new Uri(src, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var served = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal("sha384-" + Convert.ToBase64String(SHA384.HashData(served)), attrs.GetValueOrDefault("integrity"));
        }

        Assert.Equal("/lib/libsodium.js", sources[0]);
        Assert.DoesNotContain(sources, s => s.Contains("libsodium", StringComparison.Ordinal) && s != "/lib/libsodium.js");
        Assert.Equal(sources.Count, sources.Distinct(StringComparer.Ordinal).Count());
    }
}
