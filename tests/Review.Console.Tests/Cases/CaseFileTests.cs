using System.Text.RegularExpressions;
using SafeIntake.Review.Console.Cases;

namespace SafeIntake.Review.Console.Tests.Cases;

public sealed partial class CaseFileTests
{
    private const string Script = "<script>alert(1)</script>";
    private const string ImgOnError = "\"><img src=x onerror=alert(1)>";
    private const string JsLink = "[click here](javascript:alert(1))";
    private const string Chinese = "警察在旺角警署打人";
    private static readonly string TenBackticks = new('`', 10);

    private static readonly DateTimeOffset ExportedAt = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A case where every value the renderer prints tries to break out of it.</summary>
    private static CaseFileData Hostile(string? language = "zh-HK") => new(
        Id: "3f9a61c2d4e5f60718293a4b5c6d7e8f",
        Status: "new" + Script,
        Severity: "high</td><td onclick=alert(1)>",
        Tags: ["police", "**bold**", Script],
        Assignee: "bob" + ImgOnError,
        ReceivedDay: new DateOnly(2026, 11, 25),
        Language: language,
        What: string.Join('\n',
            "I saw it at the station.",
            Script,
            "</pre></div></body>",
            ImgOnError,
            JsLink,
            "![img](http://tracker.example/x.png)",
            "```",
            "~~~",
            "# heading at line start",
            "<!-- comment -->",
            "look: photo\u202Egpj.exe and \u2066isolate\u2069",
            Chinese,
            "ends with ten backticks " + TenBackticks),
        When: "# yesterday",
        Where: JsLink,
        Category: "<b>violence</b>",
        Attachments: [new CaseAttachment(1, "photo\u202Egpj.exe" + ImgOnError, "text/html" + Script, 1234)],
        Thread:
        [
            new CaseMessage("follow-up", new DateOnly(2026, 11, 27), "witness", "more\n```\n# not a heading\n" + Script),
            new CaseMessage("reply", new DateOnly(2026, 11, 28), "alice" + ImgOnError, "thank you " + Chinese),
        ],
        Notes: [new CaseNote("alice", new DateTimeOffset(2026, 11, 26, 12, 30, 0, TimeSpan.FromHours(8)), "call back\n" + JsLink)],
        History: [new CaseHistoryEntry(ExportedAt, "alice", "set severity to " + Script)],
        LinkedIds: ["aaaa1111" + ImgOnError],
        ExportedBy: "alice" + Script,
        ExportedAt: ExportedAt);

    private static CaseFileData Plain() => new(
        "3f9a61c2d4e5f60718293a4b5c6d7e8f", "triaged", null, [], null, new DateOnly(2026, 11, 25), null,
        "short text", null, null, null, [], [], [], [], [], "alice", ExportedAt);

    // ---- HTML

    [Fact]
    public void Html_IsAStandaloneDocumentWithCspAndNoScript()
    {
        var html = CaseFile.RenderHtml(Hostile());

        Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">", html, StringComparison.Ordinal);
        Assert.Contains("<style>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("</html>\n", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_HostileValues_AreEncodedNeverMarkup()
    {
        var html = CaseFile.RenderHtml(Hostile());

        // Every tag in the page is one the renderer wrote: none carries an event handler, a link or a source.
        foreach (Match tag in Tag().Matches(html))
        {
            Assert.DoesNotMatch(EventHandler(), tag.Value);
            Assert.DoesNotContain("href", tag.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(SourceAttribute(), tag.Value);
        }

        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<!-- comment", html, StringComparison.Ordinal);
        Assert.DoesNotContain("</pre></div>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<td onclick", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;/pre&gt;&lt;/div&gt;&lt;/body&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;violence&lt;/b&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_BidiControls_AreShownNotApplied()
    {
        var html = CaseFile.RenderHtml(Hostile());

        Assert.DoesNotContain(html, c => c is '\u202E' or '\u2066' or '\u2069');
        Assert.Contains("photo[U+202E]gpj.exe", html, StringComparison.Ordinal);
        Assert.Contains("[U+2066]isolate[U+2069]", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_ContainsEveryField()
    {
        var html = CaseFile.RenderHtml(Hostile());

        Assert.Contains("CONFIDENTIAL — contains witness statements; handle per your organisation&#39;s policy", html, StringComparison.Ordinal);
        Assert.Contains("Exported by alice&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("2026-11-26 10:00 UTC", html, StringComparison.Ordinal);
        Assert.Contains("3f9a61c2d4e5f60718293a4b5c6d7e8f", html, StringComparison.Ordinal);
        Assert.Contains("new&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("high&lt;/td&gt;", html, StringComparison.Ordinal);
        Assert.Contains("police, **bold**, &lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("bob&quot;&gt;", html, StringComparison.Ordinal);
        Assert.Contains("2026-11-25", html, StringComparison.Ordinal);
        Assert.Contains("I saw it at the station.", html, StringComparison.Ordinal);
        Assert.Contains(Chinese, html, StringComparison.Ordinal);
        Assert.Contains("# yesterday", html, StringComparison.Ordinal);
        Assert.Contains("[click here](javascript:alert(1))", html, StringComparison.Ordinal);
        Assert.Contains("1,234 bytes", html, StringComparison.Ordinal);
        Assert.Contains("text/html&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("follow-up — 2026-11-27 — witness", html, StringComparison.Ordinal);
        Assert.Contains("thank you " + Chinese, html, StringComparison.Ordinal);
        Assert.Contains("alice — 2026-11-26 04:30 UTC", html, StringComparison.Ordinal);
        Assert.Contains("set severity to &lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("aaaa1111&quot;&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_WitnessLanguage_IsUsedOnlyWhenItIsALanguageTag()
    {
        Assert.Contains("<div class=\"text\" lang=\"zh-HK\" dir=\"auto\">", CaseFile.RenderHtml(Hostile()), StringComparison.Ordinal);

        var html = CaseFile.RenderHtml(Hostile(language: "en\" onmouseover=\"alert(1)"));

        Assert.DoesNotContain("lang=\"en\"\"", html, StringComparison.Ordinal);
        Assert.Contains("<div class=\"text\" dir=\"auto\">", html, StringComparison.Ordinal);
        foreach (Match tag in Tag().Matches(html))
        {
            Assert.DoesNotMatch(EventHandler(), tag.Value);
        }
    }

    [Fact]
    public void Html_EmptyCase_RendersDashesAndNones()
    {
        var html = CaseFile.RenderHtml(Plain());

        Assert.Contains("<dt>Severity</dt><dd dir=\"auto\">—</dd>", html, StringComparison.Ordinal);
        Assert.Contains("No follow-ups or replies.", html, StringComparison.Ordinal);
        Assert.Contains("No notes.", html, StringComparison.Ordinal);
    }

    // ---- Markdown

    [Fact]
    public void Markdown_HasTheConfidentialHeaderAndWhoExported()
    {
        var md = CaseFile.RenderMarkdown(Hostile());

        Assert.StartsWith("# Case 3f9a61c2d4e5f60718293a4b5c6d7e8f\n", md, StringComparison.Ordinal);
        Assert.Contains("> **CONFIDENTIAL — contains witness statements; handle per your organisation's policy.**", md, StringComparison.Ordinal);
        Assert.Contains(@"> Exported by alice\<script\>alert\(1\)\</script\> on 2026-11-26 10:00 UTC.", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_FreeText_IsFencedSoThatNothingInsideIsParsed()
    {
        var md = CaseFile.RenderMarkdown(Hostile());
        var blocks = FencedBlocks(md);

        var what = Assert.Single(blocks, b => b.Contains("I saw it at the station.", StringComparison.Ordinal));
        Assert.Contains("\n# heading at line start\n", "\n" + what + "\n", StringComparison.Ordinal);
        Assert.Contains(Script, what, StringComparison.Ordinal);
        Assert.Contains("```\n~~~", what, StringComparison.Ordinal);
        Assert.EndsWith(" " + TenBackticks, what, StringComparison.Ordinal);
        Assert.Contains(blocks, b => b.Contains("# not a heading", StringComparison.Ordinal));
        Assert.Contains(blocks, b => b.Contains(JsLink, StringComparison.Ordinal));
        Assert.Contains(Chinese, what, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_OutsideFences_NoHostileSyntaxSurvives()
    {
        var md = CaseFile.RenderMarkdown(Hostile());

        foreach (var line in LinesOutsideFences(md))
        {
            Assert.False(line.StartsWith("# heading", StringComparison.Ordinal) || line.StartsWith("# not a heading", StringComparison.Ordinal), line);
            Assert.DoesNotContain("```", line, StringComparison.Ordinal);
            Assert.DoesNotContain("](", line, StringComparison.Ordinal);
            // Every character that opens inline Markdown or HTML is escaped.
            for (var i = 0; i < line.Length; i++)
            {
                if (line[i] is '<' or '>' or '[' or ']' or '(' or '`' or '!' or '&' or '*' or '_')
                {
                    var ours = (line[i] == '>' && i == 0) || (line[i] == '*' && IsOurBold(line, i)) || (line[i] == '(' && line.StartsWith("- 1: ", StringComparison.Ordinal));
                    Assert.True(ours || (i > 0 && line[i - 1] == '\\'), $"unescaped '{line[i]}' at {i} in: {line}");
                }
            }
        }
    }

    [Fact]
    public void Markdown_BidiControls_AreShownNotApplied()
    {
        var md = CaseFile.RenderMarkdown(Hostile());

        Assert.DoesNotContain(md, c => c is '\u202E' or '\u2066' or '\u2069' || (char.IsControl(c) && c != '\n'));
        Assert.Contains("photo[U+202E]gpj.exe", md, StringComparison.Ordinal);
        Assert.Contains(@"photo\[U+202E\]gpj.exe", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_ContainsEveryField()
    {
        var md = CaseFile.RenderMarkdown(Hostile());

        Assert.Contains(@"- **Status:** new\<script\>alert\(1\)\</script\>", md, StringComparison.Ordinal);
        Assert.Contains(@"- **Severity:** high\</td\>\<td onclick=alert\(1\)\>", md, StringComparison.Ordinal);
        Assert.Contains(@"- **Tags:** police, \*\*bold\*\*, \<script\>", md, StringComparison.Ordinal);
        Assert.Contains(@"- **Assignee:** bob""\>\<img src=x onerror=alert\(1\)\>", md, StringComparison.Ordinal);
        Assert.Contains("- **Received:** 2026-11-25", md, StringComparison.Ordinal);
        Assert.Contains("- **Language:** zh-HK", md, StringComparison.Ordinal);
        Assert.Contains(@"- **When:** \# yesterday", md, StringComparison.Ordinal);
        Assert.Contains(@"- **Where:** \[click here\]\(javascript\:alert\(1\)\)", md, StringComparison.Ordinal);
        Assert.Contains(@"- **Category:** \<b\>violence\</b\>", md, StringComparison.Ordinal);
        Assert.Contains(@"(text/html\<script\>alert\(1\)\</script\>, 1,234 bytes)", md, StringComparison.Ordinal);
        Assert.Contains("### 1. follow-up — 2026-11-27 — witness", md, StringComparison.Ordinal);
        Assert.Contains("### 2. reply — 2026-11-28 — alice", md, StringComparison.Ordinal);
        Assert.Contains("### alice — 2026-11-26 04:30 UTC", md, StringComparison.Ordinal);
        Assert.Contains(@"- 2026-11-26 10:00 UTC — alice — set severity to \<script\>", md, StringComparison.Ordinal);
        Assert.Contains(@"- aaaa1111""\>\<img", md, StringComparison.Ordinal);
        Assert.Contains("thank you " + Chinese, md, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_FenceIsLongerThanAnyBacktickRunInTheText()
    {
        var md = CaseFile.RenderMarkdown(Hostile());

        Assert.Contains("\n" + new string('`', 11) + "text\nI saw it", md, StringComparison.Ordinal);
        Assert.Contains("\n````text\nmore\n```\n", md, StringComparison.Ordinal);
        Assert.Contains("\n```text\nthank you", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_EmptyCase_RendersDashesAndNones()
    {
        var md = CaseFile.RenderMarkdown(Plain());

        Assert.Contains("- **Severity:** —", md, StringComparison.Ordinal);
        Assert.Contains("No follow-ups or replies.", md, StringComparison.Ordinal);
        Assert.Contains("```text\nshort text\n```", md, StringComparison.Ordinal);
    }

    private static bool IsOurBold(string line, int i) =>
        (line.StartsWith("- **", StringComparison.Ordinal) && (i is 2 or 3 || line.IndexOf(":** ", StringComparison.Ordinal) is var end && (i == end + 1 || i == end + 2)))
        || line.StartsWith("> **", StringComparison.Ordinal) || line.StartsWith("**", StringComparison.Ordinal);

    /// <summary>The contents of each fenced code block, by CommonMark §4.5: a closing fence is a line of at least as many backticks.</summary>
    private static List<string> FencedBlocks(string md)
    {
        var blocks = new List<string>();
        List<string>? current = null;
        var fence = 0;
        foreach (var line in md.Split('\n'))
        {
            if (current is null)
            {
                if (OpeningFence().Match(line) is { Success: true } open)
                {
                    fence = open.Groups[1].Length;
                    current = [];
                }
            }
            else if (line.Trim().Length >= fence && line.Trim().All(c => c == '`'))
            {
                blocks.Add(string.Join('\n', current));
                current = null;
            }
            else
            {
                current.Add(line);
            }
        }

        Assert.Null(current);
        return blocks;
    }

    private static IEnumerable<string> LinesOutsideFences(string md)
    {
        var inside = 0;
        foreach (var line in md.Split('\n'))
        {
            if (inside == 0 && OpeningFence().Match(line) is { Success: true } open)
            {
                inside = open.Groups[1].Length;
            }
            else if (inside > 0 && line.Trim().Length >= inside && line.Trim().All(c => c == '`'))
            {
                inside = 0;
            }
            else if (inside == 0)
            {
                yield return line;
            }
        }
    }

    [GeneratedRegex("^(`{3,})text$")]
    private static partial Regex OpeningFence();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\ssrc\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex SourceAttribute();

    [GeneratedRegex(@"\son\w+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandler();
}
