using System.Text;

namespace SafeIntake.Review.Console.Home;

/// <summary>
/// Text a stranger chose (a witness's fields, file names, metadata values) on its way to a terminal, a file name or a
/// case file: decoded leniently, with the characters that can hide or reorder what is shown picked out.
/// </summary>
public static class UntrustedText
{
    /// <summary>
    /// Characters that hide or reorder what is shown (Trojan Source, CVE-2021-42574): every Unicode format character
    /// (bidi embeddings, overrides, isolates and marks, zero-width and word joiners, soft hyphen, tag characters,
    /// byte-order mark…) except the joiners that CJK, Indic and emoji text needs, plus the Hangul fillers and the
    /// line and paragraph separators.
    /// </summary>
    public static bool IsInvisibleFormat(Rune rune) =>
        (Rune.GetUnicodeCategory(rune) == System.Globalization.UnicodeCategory.Format && rune.Value is not (0x200C or 0x200D))
        || rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2028 or 0x2029;

    /// <summary>The text's Unicode scalar values, a lone surrogate read as U+FFFD instead of throwing.</summary>
    public static IEnumerable<Rune> Runes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Enumerate(text);

        static IEnumerable<Rune> Enumerate(string text)
        {
            var index = 0;
            while (index < text.Length)
            {
                if (Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                {
                    rune = Rune.ReplacementChar;
                    consumed = Math.Max(consumed, 1);
                }

                yield return rune;
                index += consumed;
            }
        }
    }

    /// <summary>For a terminal: control characters (escape sequences) and invisible format characters removed; newlines kept if asked.</summary>
    public static string ForTerminal(string? text, bool keepNewlines)
    {
        var builder = new StringBuilder();
        foreach (var rune in Runes((text ?? "").ReplaceLineEndings("\n")))
        {
            if (rune.Value == '\n')
            {
                builder.Append(keepNewlines ? '\n' : ' ');
            }
            else if (!Rune.IsControl(rune) && !IsInvisibleFormat(rune))
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }
}
