using SafeIntake.Review.Console.Home;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using SafeIntake.Review.Console.Attachments;

namespace SafeIntake.Review.Console.Cases;

/// <summary>A file of the case as the witness sent it: position (1 is the first), name and type as sent, size.</summary>
public sealed record CaseAttachment(int Position, string Name, string Type, long Size);

/// <summary>A follow-up or reply in the thread: kind, day, author (witness, or the reviewer's id), text.</summary>
public sealed record CaseMessage(string Kind, DateOnly Day, string Author, string Text);

/// <summary>A reviewer's note on the case.</summary>
public sealed record CaseNote(string ReviewerId, DateTimeOffset At, string Text);

/// <summary>What a reviewer did to the case and when.</summary>
public sealed record CaseHistoryEntry(DateTimeOffset At, string ReviewerId, string Action);

/// <summary>Everything a case file shows. Every string may come from the witness or an attacker and is rendered as text.</summary>
public sealed record CaseFileData(
    string Id,
    string Status,
    string? Severity,
    IReadOnlyList<string> Tags,
    string? Assignee,
    DateOnly ReceivedDay,
    string? Language,
    string? What,
    string? When,
    string? Where,
    string? Category,
    IReadOnlyList<CaseAttachment> Attachments,
    IReadOnlyList<CaseMessage> Thread,
    IReadOnlyList<CaseNote> Notes,
    IReadOnlyList<CaseHistoryEntry> History,
    IReadOnlyList<string> LinkedIds,
    string ExportedBy,
    DateTimeOffset ExportedAt);

/// <summary>
/// Renders a case for handing on, as Markdown or as a standalone HTML page. Every value is text, never markup: the
/// HTML is encoded under a CSP that allows no script, no request and no image; the Markdown escapes inline values and
/// puts free text in fences it cannot close. Bidi and control characters are shown as [U+XXXX], so the printed text
/// reads as stored (Trojan Source, CVE-2021-42574).
/// </summary>
public static partial class CaseFile
{
    public const string Confidential = "CONFIDENTIAL — contains witness statements; handle per your organisation's policy.";

    private const string Missing = "—";

    public static string RenderMarkdown(CaseFileData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var md = new StringBuilder();
        md.Append("# Case ").Append(Inline(data.Id)).Append("\n\n");
        md.Append("> **").Append(Confidential).Append("**  \n");
        md.Append("> Exported by ").Append(Inline(data.ExportedBy)).Append(" on ").Append(Time(data.ExportedAt)).Append(".\n\n");

        md.Append("## Summary\n\n");
        ListItem(md, "Status", data.Status);
        ListItem(md, "Severity", data.Severity);
        ListItem(md, "Tags", data.Tags.Count == 0 ? null : string.Join(", ", data.Tags));
        ListItem(md, "Assignee", data.Assignee);
        ListItem(md, "Received", Day(data.ReceivedDay));
        ListItem(md, "Language", data.Language);
        md.Append('\n');

        md.Append("## Report\n\n");
        ListItem(md, "When", data.When);
        ListItem(md, "Where", data.Where);
        ListItem(md, "Category", data.Category);
        md.Append("\n**What the witness wrote:**\n\n");
        Block(md, data.What);

        md.Append("## Files\n\n");
        if (data.Attachments.Count == 0)
        {
            md.Append("None.\n\n");
        }
        else
        {
            foreach (var a in data.Attachments)
            {
                md.Append("- ").Append(a.Position.ToString(CultureInfo.InvariantCulture)).Append(": ").Append(Inline(a.Name))
                    .Append(" (").Append(Inline(a.Type)).Append(", ").Append(Bytes(a.Size)).Append(")\n");
            }

            md.Append('\n');
        }

        md.Append("## Thread\n\n");
        if (data.Thread.Count == 0)
        {
            md.Append("No follow-ups or replies.\n\n");
        }

        for (var i = 0; i < data.Thread.Count; i++)
        {
            var m = data.Thread[i];
            md.Append("### ").Append((i + 1).ToString(CultureInfo.InvariantCulture)).Append(". ").Append(Inline(m.Kind))
                .Append(" — ").Append(Day(m.Day)).Append(" — ").Append(Inline(m.Author)).Append("\n\n");
            Block(md, m.Text);
        }

        md.Append("## Notes\n\n");
        if (data.Notes.Count == 0)
        {
            md.Append("No notes.\n\n");
        }

        foreach (var n in data.Notes)
        {
            md.Append("### ").Append(Inline(n.ReviewerId)).Append(" — ").Append(Time(n.At)).Append("\n\n");
            Block(md, n.Text);
        }

        md.Append("## History\n\n");
        foreach (var h in data.History)
        {
            md.Append("- ").Append(Time(h.At)).Append(" — ").Append(Inline(h.ReviewerId)).Append(" — ").Append(Inline(h.Action)).Append('\n');
        }

        md.Append(data.History.Count == 0 ? "No history.\n\n" : "\n");

        md.Append("## Linked cases\n\n");
        foreach (var id in data.LinkedIds)
        {
            md.Append("- ").Append(Inline(id)).Append('\n');
        }

        md.Append(data.LinkedIds.Count == 0 ? "None.\n\n" : "\n");
        md.Append("---\n\n**").Append(Confidential).Append("**\n");
        return md.ToString();
    }

    public static string RenderHtml(CaseFileData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var lang = LanguageTag(data.Language);
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        // No script, no request (images, fonts, forms, frames): the page is text, even if a value escaped encoding.
        h.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
        h.Append("<meta name=\"referrer\" content=\"no-referrer\">\n");
        h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append("<title>Case ").Append(Html(data.Id)).Append(" — CONFIDENTIAL</title>\n");
        h.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");

        h.Append("<header class=\"confidential\"><strong>").Append(Html(Confidential)).Append("</strong><br>Exported by ")
            .Append(Html(data.ExportedBy)).Append(" on ").Append(Time(data.ExportedAt)).Append(".</header>\n");
        h.Append("<h1>Case <span class=\"id\">").Append(Html(data.Id)).Append("</span></h1>\n");

        h.Append("<h2>Summary</h2>\n<dl>\n");
        Term(h, "Status", data.Status);
        Term(h, "Severity", data.Severity);
        Term(h, "Tags", data.Tags.Count == 0 ? null : string.Join(", ", data.Tags));
        Term(h, "Assignee", data.Assignee);
        Term(h, "Received", Day(data.ReceivedDay));
        Term(h, "Language", data.Language);
        h.Append("</dl>\n");

        h.Append("<h2>Report</h2>\n<dl>\n");
        Term(h, "When", data.When, lang);
        Term(h, "Where", data.Where, lang);
        Term(h, "Category", data.Category, lang);
        h.Append("</dl>\n<h3>What the witness wrote</h3>\n");
        TextBlock(h, data.What, lang);

        h.Append("<h2>Files</h2>\n");
        if (data.Attachments.Count == 0)
        {
            h.Append("<p>None.</p>\n");
        }
        else
        {
            h.Append("<table>\n<thead><tr><th>#</th><th>name as sent</th><th>type as sent</th><th>size</th></tr></thead>\n<tbody>\n");
            foreach (var a in data.Attachments)
            {
                h.Append("<tr><td>").Append(a.Position.ToString(CultureInfo.InvariantCulture)).Append("</td><td dir=\"auto\">").Append(Html(a.Name))
                    .Append("</td><td>").Append(Html(a.Type)).Append("</td><td>").Append(Bytes(a.Size)).Append("</td></tr>\n");
            }

            h.Append("</tbody>\n</table>\n");
        }

        h.Append("<h2>Thread</h2>\n");
        if (data.Thread.Count == 0)
        {
            h.Append("<p>No follow-ups or replies.</p>\n");
        }

        for (var i = 0; i < data.Thread.Count; i++)
        {
            var m = data.Thread[i];
            h.Append("<article>\n<h3>").Append((i + 1).ToString(CultureInfo.InvariantCulture)).Append(". ").Append(Html(m.Kind))
                .Append(" — ").Append(Day(m.Day)).Append(" — ").Append(Html(m.Author)).Append("</h3>\n");
            TextBlock(h, m.Text, lang);
            h.Append("</article>\n");
        }

        h.Append("<h2>Notes</h2>\n");
        if (data.Notes.Count == 0)
        {
            h.Append("<p>No notes.</p>\n");
        }

        foreach (var n in data.Notes)
        {
            h.Append("<article>\n<h3>").Append(Html(n.ReviewerId)).Append(" — ").Append(Time(n.At)).Append("</h3>\n");
            TextBlock(h, n.Text, null);
            h.Append("</article>\n");
        }

        h.Append("<h2>History</h2>\n");
        if (data.History.Count == 0)
        {
            h.Append("<p>No history.</p>\n");
        }
        else
        {
            h.Append("<table>\n<thead><tr><th>when</th><th>who</th><th>what</th></tr></thead>\n<tbody>\n");
            foreach (var e in data.History)
            {
                h.Append("<tr><td>").Append(Time(e.At)).Append("</td><td>").Append(Html(e.ReviewerId)).Append("</td><td>").Append(Html(e.Action)).Append("</td></tr>\n");
            }

            h.Append("</tbody>\n</table>\n");
        }

        h.Append("<h2>Linked cases</h2>\n");
        if (data.LinkedIds.Count == 0)
        {
            h.Append("<p>None.</p>\n");
        }
        else
        {
            h.Append("<ul>\n");
            foreach (var id in data.LinkedIds)
            {
                h.Append("<li class=\"id\">").Append(Html(id)).Append("</li>\n");
            }

            h.Append("</ul>\n");
        }

        h.Append("<footer class=\"confidential\">").Append(Html(Confidential)).Append("</footer>\n</body>\n</html>\n");
        return h.ToString();
    }

    private const string Style = """
        body { font: 11pt/1.45 system-ui, sans-serif; color: #111; background: #fff; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
        .confidential { border: 2px solid #a00; color: #700; padding: .6rem .8rem; margin: 1rem 0; }
        h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #999; margin-top: 2rem; } h3 { font-size: 1rem; }
        .id { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
        .text { white-space: pre-wrap; overflow-wrap: anywhere; border-left: 3px solid #999; padding: .3rem .8rem; margin: .5rem 0 1rem; }
        table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #999; padding: .2rem .4rem; text-align: start; vertical-align: top; overflow-wrap: anywhere; }
        @media print { body { margin: 0; max-width: none; font-size: 10pt; } h2, h3 { break-after: avoid; } article, tr { break-inside: avoid; } }

        """;

    private static void ListItem(StringBuilder md, string label, string? value) =>
        md.Append("- **").Append(label).Append(":** ").Append(value is null ? Missing : Inline(value)).Append('\n');

    /// <summary>
    /// Free text in a fence longer than any backtick run in it (CommonMark §4.5): no line inside can close it, and
    /// nothing inside is parsed as Markdown or HTML.
    /// </summary>
    private static void Block(StringBuilder md, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            md.Append(Missing + "\n\n");
            return;
        }

        var body = Neutralize(text, singleLine: false);
        var fence = new string('`', Math.Max(3, LongestRun(body, '`') + 1));
        md.Append(fence).Append("text\n").Append(body).Append('\n').Append(fence).Append("\n\n");
    }

    /// <summary>
    /// One line of text with every character that could open Markdown syntax mid-line backslash-escaped (links,
    /// images, emphasis, code spans, HTML, entities, tables, strikethrough, math); line-start syntax cannot occur
    /// because the value never starts a line.
    /// </summary>
    private static string Inline(string text)
    {
        var clean = Neutralize(text, singleLine: true);
        var builder = new StringBuilder(clean.Length + 8);
        foreach (var c in clean)
        {
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '(' or ')' or '<' or '>' or '!' or '&' or '|' or '~' or '$' or '{' or '}' or '#' or '^' or ':')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static void Term(StringBuilder h, string label, string? value, string? lang = null)
    {
        h.Append("<dt>").Append(label).Append("</dt><dd");
        if (lang is not null && value is not null)
        {
            h.Append(" lang=\"").Append(lang).Append('"');
        }

        h.Append(" dir=\"auto\">").Append(value is null ? Missing : Html(Neutralize(value, singleLine: true))).Append("</dd>\n");
    }

    private static void TextBlock(StringBuilder h, string? text, string? lang)
    {
        if (string.IsNullOrEmpty(text))
        {
            h.Append("<p>" + Missing + "</p>\n");
            return;
        }

        h.Append("<div class=\"text\"");
        if (lang is not null)
        {
            h.Append(" lang=\"").Append(lang).Append('"');
        }

        h.Append(" dir=\"auto\">").Append(Html(text)).Append("</div>\n");
    }

    private static string Html(string text) => WebUtility.HtmlEncode(Neutralize(text, singleLine: false));

    /// <summary>
    /// Bidi controls, invisible characters, and control characters other than line feed and tab become visible
    /// [U+XXXX]; lone surrogates become U+FFFD; line breaks become \n (or one space in a single line).
    /// </summary>
    internal static string Neutralize(string text, bool singleLine)
    {
        var builder = new StringBuilder(text.Length);
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        var index = 0;
        while (index < normalized.Length)
        {
            if (Rune.DecodeFromUtf16(normalized.AsSpan(index), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                consumed = Math.Max(consumed, 1);
            }

            index += consumed;
            if (rune.Value is '\n' or '\t')
            {
                builder.Append(singleLine ? " " : rune.ToString());
            }
            else if (Rune.IsControl(rune) || UntrustedText.IsInvisibleFormat(rune))
            {
                builder.Append(CultureInfo.InvariantCulture, $"[U+{rune.Value:X4}]");
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    private static int LongestRun(string text, char c)
    {
        int longest = 0, current = 0;
        foreach (var x in text)
        {
            current = x == c ? current + 1 : 0;
            longest = Math.Max(longest, current);
        }

        return longest;
    }

    /// <summary>The witness's language tag for lang="", if it is one (BCP 47 shape); an attribute never holds anything else.</summary>
    private static string? LanguageTag(string? language) =>
        language is not null && LanguagePattern().IsMatch(language) ? language : null;

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Bytes(long size) => size.ToString("N0", CultureInfo.InvariantCulture) + " bytes";

    [GeneratedRegex("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,6}$")]
    private static partial Regex LanguagePattern();
}
