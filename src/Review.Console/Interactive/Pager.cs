using Spectre.Console;
using Spectre.Console.Rendering;

namespace SafeIntake.Review.Console.Interactive;

/// <summary>
/// Long text in <c>review</c> a screen at a time, like <c>less</c>: the report's header never scrolls away above an
/// 80×24 terminal. The content is rendered once at the terminal's width, off screen, then shown page by page.
/// </summary>
internal static class Pager
{
    /// <summary>Lines kept free below a page: the key help.</summary>
    private const int Footer = 1;

    /// <summary>The content rendered at the console's width, as the lines the terminal will show (with their colours).</summary>
    public static IReadOnlyList<string> Render(IAnsiConsole console, Action<IAnsiConsole> draw)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(draw);
        using var writer = new StringWriter();
        var offscreen = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = console.Profile.Capabilities.Ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = (ColorSystemSupport)console.Profile.Capabilities.ColorSystem,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        offscreen.Profile.Width = console.Profile.Width;
        offscreen.Profile.Capabilities.Unicode = console.Profile.Capabilities.Unicode;
        draw(offscreen);
        var lines = writer.ToString().ReplaceLineEndings("\n").Split('\n').ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    /// <summary>
    /// Shows <paramref name="lines"/>: all at once when they fit in <paramref name="room"/> lines (and
    /// <paramref name="wait"/> is false), otherwise page by page until the reader closes the pager with q, Esc, or
    /// Enter/Space on the last page. The screen is cleared for each page.
    /// </summary>
    public static void Show(IAnsiConsole console, IReadOnlyList<string> lines, int room, bool wait, string closeWord, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(lines);
        var page = Math.Max(3, console.Profile.Height - Footer);
        if (lines.Count <= room && !wait)
        {
            Write(console, lines, 0, lines.Count);
            return;
        }

        var top = 0;
        while (true)
        {
            var last = Math.Min(lines.Count, top + page);
            console.Clear(home: true);
            Write(console, lines, top, last);
            var atEnd = last >= lines.Count;
            var where = lines.Count <= page ? "" : $"lines {top + 1}–{last} of {lines.Count} · ";
            var keys = atEnd ? $"Enter/q/Esc: {closeWord}" : $"Space next · b back · ↑/↓ line · q/Esc: {closeWord}";
            // One line, never wrapped: a second would scroll the page's first line away.
            var footer = " " + where + keys + " ";
            if (footer.Length > console.Profile.Width - 1)
            {
                footer = footer[..Math.Max(0, console.Profile.Width - 2)] + "…";
            }

            console.Markup($"[black on grey]{Markup.Escape(footer)}[/]");
            var key = console.Input.ReadKeyAsync(intercept: true, cancellation).GetAwaiter().GetResult()
                ?? throw new EndOfInputException("No more input.");
            console.WriteLine();
            var maxTop = Math.Max(0, lines.Count - page);
            switch (key.Key)
            {
                case ConsoleKey.Escape or ConsoleKey.Q:
                    return;
                case ConsoleKey.Spacebar or ConsoleKey.PageDown or ConsoleKey.Enter or ConsoleKey.F:
                    if (atEnd)
                    {
                        return;
                    }

                    top = Math.Min(maxTop, top + page);
                    break;
                case ConsoleKey.DownArrow or ConsoleKey.J:
                    top = Math.Min(maxTop, top + 1);
                    break;
                case ConsoleKey.UpArrow or ConsoleKey.K:
                    top = Math.Max(0, top - 1);
                    break;
                case ConsoleKey.PageUp or ConsoleKey.B:
                    top = Math.Max(0, top - page);
                    break;
                case ConsoleKey.Home:
                    top = 0;
                    break;
                case ConsoleKey.End:
                    top = maxTop;
                    break;
                default:
                    break;
            }
        }
    }

    private static void Write(IAnsiConsole console, IReadOnlyList<string> lines, int from, int to)
    {
        var output = console.Profile.Out.Writer;
        for (var i = from; i < to; i++)
        {
            output.Write(lines[i]);
            output.Write('\n');
        }

        output.Flush();
    }
}
