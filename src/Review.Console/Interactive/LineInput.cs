using System.Globalization;
using System.Text;
using Spectre.Console;

namespace SafeIntake.Review.Console.Interactive;

/// <summary>
/// One line typed at a prompt of <c>review</c>. Unlike Spectre's text prompt, Esc gives up the prompt (null), as it
/// leaves every menu; Backspace removes the last character as the eye sees it (a Chinese character, an emoji). Keys
/// that are not text (arrows, function keys) are ignored. Ctrl+C cancels through <paramref name="cancellation"/>.
/// </summary>
internal static class LineInput
{
    /// <summary>Longest line accepted: a prompt asks for tags, an id, a short note or reply; longer text goes to the editor.</summary>
    public const int MaxLength = 4000;

    public static string? Read(IAnsiConsole console, string question, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.Markup(question + " ");
        var typed = new StringBuilder();
        char? high = null;
        while (true)
        {
            var key = console.Input.ReadKeyAsync(intercept: true, cancellation).GetAwaiter().GetResult()
                ?? throw new EndOfInputException("No more input.");
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    console.WriteLine();
                    return typed.ToString().Trim();
                case ConsoleKey.Escape:
                    console.WriteLine();
                    return null;
                case ConsoleKey.Backspace:
                    EraseLast(console, typed);
                    continue;
            }

            var c = key.KeyChar;
            if (char.IsHighSurrogate(c))
            {
                high = c;
                continue;
            }

            string text;
            if (char.IsLowSurrogate(c))
            {
                if (high is not { } pending)
                {
                    continue; // A lone half of a pair is not text.
                }

                text = $"{pending}{c}";
            }
            else if (c == '\0' || char.IsControl(c))
            {
                high = null;
                continue;
            }
            else
            {
                text = c.ToString();
            }

            high = null;
            if (typed.Length + text.Length <= MaxLength)
            {
                typed.Append(text);
                console.Write(new Text(text));
            }
        }
    }

    private static void EraseLast(IAnsiConsole console, StringBuilder typed)
    {
        if (typed.Length == 0)
        {
            return;
        }

        var current = typed.ToString();
        var starts = StringInfo.ParseCombiningCharacters(current);
        var last = current[starts[^1]..];
        typed.Length = starts[^1];
        // The cells the terminal gave it, by Spectre's own width table (two for a Chinese character).
        var cells = Math.Max(1, last.GetCellWidth());
        console.Profile.Out.Writer.Write(string.Concat(Enumerable.Repeat("\b \b", cells)));
    }
}
