using System.Text;

namespace SafeIntake.Review.Console.Home;

/// <summary>
/// Text a stranger chose (a witness's fields, file names, metadata values) on its way to a terminal, a file name or a
/// case file: decoded leniently, with the characters that can hide or reorder what is shown picked out.
/// </summary>
public static class UntrustedText
{
    /// <summary>Bidi embeddings, overrides, isolates and marks, and zero-width or byte-order characters (Trojan Source, CVE-2021-42574).</summary>
    public static bool IsInvisibleFormat(Rune rune) => rune.Value is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069)
        or 0x200E or 0x200F or 0x061C or 0x200B or 0xFEFF or 0x2028 or 0x2029;

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
