using System.Globalization;
using System.Text.RegularExpressions;
using SafeIntake.Review.Console.Attachments;
using SafeIntake.Review.Console.Tests.Support;
using Spectre.Console;

namespace SafeIntake.Review.Console.Tests.Triage;

/// <summary>
/// Output that fits: at COLUMNS=80 every line fits and no id or date is broken; piped, a plain layout without
/// borders, one line per row; the console's own warnings are never cut.
/// </summary>
public sealed partial class LayoutTests : IDisposable
{
    private readonly TriageHome _t = new();
    private readonly List<string> _ids = [];

    public LayoutTests()
    {
        _ids.Add(_t.Report("Officers held three people at the north gate for six hours without charge and took their phones away.", day: "2026-11-02"));
        _ids.Add(_t.Report("短文本：警察在北門拘留了三個人。", day: "2026-11-12", lang: "zh-Hant-HK"));
        _ids.Add(_t.Report("The landlord entered the flat without notice several times while the tenants were at work.", day: "2026-11-25"));
        _t.Import();
        _t.Json("tag", _ids[0], "police", "detention", "north gate");
        _t.Json("set-status", _ids[0], "triaged");
        _t.Json("set-status", _ids[0], "investigating");
        _t.Json("set-severity", _ids[0], "critical");
        _t.Json("assign", _ids[0], "me");
    }

    public void Dispose() => _t.Dispose();

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(120)]
    public void List_AtColumns_FitsAndKeepsIdsAndDaysWhole(int columns)
    {
        _t.Home.Variables["COLUMNS"] = columns.ToString(CultureInfo.InvariantCulture);

        var output = _t.Expect(ExitCodes.Ok, "list").Output;

        AssertFits(output, columns);
        foreach (var id in _ids)
        {
            Assert.Contains(id[..8], output, StringComparison.Ordinal);
        }

        foreach (var day in new[] { "2026-11-02", "2026-11-12", "2026-11-25" })
        {
            Assert.Contains(day, output, StringComparison.Ordinal);
        }

        Assert.Contains("investigating", output, StringComparison.Ordinal);
        Assert.Contains("critical", output, StringComparison.Ordinal);
        // The words wrap, each of them whole.
        Assert.All("Officers held three people at the north gate".Split(' '), w => Assert.Matches($@"(^|\s){w}(\s|$)", Flatten(output)));
    }

    [Fact]
    public void List_Piped_IsPlainOneLinePerReport()
    {
        _t.Home.OutputRedirected = true;
        _t.Home.Width = 80;

        var lines = _t.Expect(ExitCodes.Ok, "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.DoesNotMatch(BoxCharacters(), string.Join('\n', lines));
        Assert.DoesNotContain("\u001b", string.Join('\n', lines), StringComparison.Ordinal);
        Assert.StartsWith("id", lines[0], StringComparison.Ordinal);
        var row = Assert.Single(lines, l => l.StartsWith(_ids[0][..8], StringComparison.Ordinal));
        Assert.Contains("2026-11-02", row, StringComparison.Ordinal);
        Assert.Contains("investigating", row, StringComparison.Ordinal);
        Assert.Contains("police, detention, north gate", row, StringComparison.Ordinal);
        Assert.Contains("alice", row, StringComparison.Ordinal);
        Assert.Contains("Officers held three people", row, StringComparison.Ordinal);
        Assert.All(_ids, id => Assert.Single(lines, l => l.StartsWith(id[..8], StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(80, false)]
    [InlineData(120, false)]
    [InlineData(80, true)]
    public void Show_UnreadableAttachment_WarningIsWhole(int columns, bool piped)
    {
        var id = _t.Report("a file", attachments: [("notes.bin", "plain words, no known format"u8.ToArray())]);
        _t.Import();
        _t.Home.Variables["COLUMNS"] = columns.ToString(CultureInfo.InvariantCulture);
        _t.Home.OutputRedirected = piped;

        var output = _t.Expect(ExitCodes.Ok, "show", id).Output;

        Assert.Contains(MetadataReport.Unreadable, piped ? output : Flatten(output), StringComparison.Ordinal);
        if (!piped)
        {
            AssertFits(output, columns);
        }
    }

    [Fact]
    public void AuditShow_AtEighty_Fits()
    {
        _t.Home.Variables["COLUMNS"] = "80";

        var output = _t.Expect(ExitCodes.Ok, "audit", "show").Output;

        AssertFits(output, 80);
        Assert.Contains(_ids[0][..8], output, StringComparison.Ordinal);
    }

    private static void AssertFits(string output, int columns) =>
        Assert.All(output.Split('\n'), line => Assert.True(line.TrimEnd().GetCellWidth() <= columns, $"{line.GetCellWidth()} > {columns}: {line}"));

    /// <summary>The text without table borders, with line breaks and runs of spaces as one space: what a reader reads.</summary>
    private static string Flatten(string output) => Spaces().Replace(BoxCharacters().Replace(output, " "), " ");

    [GeneratedRegex("[│┃║╭╮╰╯─━═┌┐└┘├┤┬┴┼╞╡╪]")]
    private static partial Regex BoxCharacters();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
