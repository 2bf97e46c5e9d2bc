using Spectre.Console;

namespace SafeIntake.Review.Console.Commands;

/// <summary>
/// A table that reads at 80 columns and when piped. Token columns (ids, days, statuses, counts) never wrap or get
/// cut — a broken id or date is worse than a missing column — and text columns wrap at spaces. When the tokens do
/// not fit the width, optional columns go (the footer says which; --json always has everything). When standard
/// output is not a terminal the layout is plain: no borders, no colour, one line per row, columns padded with spaces.
/// </summary>
public sealed class TableView
{
    private const int MinTextWidth = 24;
    private readonly List<Column> _columns = [];
    private readonly List<string[]> _rows = [];

    public TableView(string? title = null) => Title = title;

    public string? Title { get; }

    public int Count => _rows.Count;

    /// <summary>An id, a day, a status, a number: shown whole on one line, or not at all (when <paramref name="optional"/>).</summary>
    public TableView Token(string header, bool optional = false)
    {
        _columns.Add(new Column(header, Token: true, optional));
        return this;
    }

    /// <summary>Words: wrapped at spaces to the width left.</summary>
    public TableView Text(string header, bool optional = false)
    {
        _columns.Add(new Column(header, Token: false, optional));
        return this;
    }

    /// <summary>One row of Spectre markup cells, in column order.</summary>
    public TableView Row(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _columns.Count)
        {
            throw new ArgumentException($"{cells.Length} cells for {_columns.Count} columns.", nameof(cells));
        }

        _rows.Add(cells);
        return this;
    }

    /// <summary>Writes the table; returns the headers of the columns left out for the width (empty when none).</summary>
    public IReadOnlyList<string> Write(IAnsiConsole console, bool plain)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (plain)
        {
            WritePlain(console);
            return [];
        }

        var width = console.Profile.Width;
        var shown = Enumerable.Range(0, _columns.Count).ToList();
        // Each column costs its padding and a border (3 cells), plus the table's outer edge.
        int Needed() => 1 + shown.Sum(i => 3 + (_columns[i].Token ? TokenWidth(i) : Math.Min(MinTextWidth, TokenWidth(i))));
        for (var i = _columns.Count - 1; i >= 0 && Needed() > width; i--)
        {
            if (_columns[i].Optional)
            {
                shown.Remove(i);
            }
        }

        var table = new Table().Border(width >= 100 ? TableBorder.Rounded : TableBorder.Simple);
        if (Title is not null)
        {
            table.Title(Markup.Escape(Title));
        }

        foreach (var i in shown)
        {
            var column = new TableColumn(_columns[i].Header);
            table.AddColumn(_columns[i].Token ? column.NoWrap() : column);
        }

        foreach (var row in _rows)
        {
            table.AddRow(shown.Select(i => row[i]).ToArray());
        }

        console.Write(table);
        return Enumerable.Range(0, _columns.Count).Except(shown).Select(i => _columns[i].Header).ToList();
    }

    private int TokenWidth(int column) =>
        Math.Max(_columns[column].Header.GetCellWidth(), _rows.Count == 0 ? 0 : _rows.Max(r => Plain(r[column]).GetCellWidth()));

    private void WritePlain(IAnsiConsole console)
    {
        var writer = console.Profile.Out.Writer;
        if (Title is not null)
        {
            writer.WriteLine(Title);
        }

        var widths = Enumerable.Range(0, _columns.Count).Select(TokenWidth).ToArray();
        void Line(IReadOnlyList<string> cells)
        {
            var text = string.Concat(cells.Select((c, i) => i == cells.Count - 1 ? c : c + new string(' ', widths[i] - c.GetCellWidth() + 2)));
            writer.WriteLine(text.TrimEnd());
        }

        Line(_columns.Select(c => c.Header).ToList());
        foreach (var row in _rows)
        {
            Line(row.Select(Plain).ToList());
        }

        writer.Flush();
    }

    /// <summary>A cell as plain text on one line: markup removed (it was escaped, so nothing else changes).</summary>
    private static string Plain(string markup) => Markup.Remove(markup).ReplaceLineEndings(" ");

    private sealed record Column(string Header, bool Token, bool Optional);
}
