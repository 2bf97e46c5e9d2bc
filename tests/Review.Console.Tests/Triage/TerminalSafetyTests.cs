using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Triage;

/// <summary>
/// A witness chooses every field of a report, its language code included: none of it may drive the reviewer's terminal
/// (escape sequences: clear screen, set title, OSC hyperlinks) or reorder what is shown (bidi overrides, Trojan Source).
/// </summary>
public sealed class TerminalSafetyTests : IDisposable
{
    private const string Escapes = "\u001b[2J\u001b]0;pwned\u0007\u009b31m";
    private readonly TriageHome _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void ListShowAndMergeView_PrintNoControlOrBidiCharacterAWitnessChose()
    {
        var hostile = _t.Report($"gate{Escapes} report\u202Egnp.exe\u2066hidden\u2069 [red]markup[/]", lang: $"en{Escapes}\u202E",
            category: $"police{Escapes}\u200B\u00AD");
        var other = _t.Report("second report");
        _t.Import();
        _t.Expect(ExitCodes.Ok, "link", hostile, other);

        foreach (var args in new[] { new[] { "list" }, ["show", hostile], ["merge-view", hostile], ["search", "gate"] })
        {
            var output = _t.Expect(ExitCodes.Ok, args).Output;

            Assert.DoesNotContain(output, c => char.IsControl(c) && c is not ('\n' or '\r'));
            Assert.DoesNotContain(output, c => c is '\u202E' or '\u2066' or '\u2069' or '\u200B' or '\u00AD');
            Assert.Contains("gate", output, StringComparison.Ordinal);
        }

        // Spectre markup in a witness's words stays text.
        Assert.Contains("[red]markup[/]", _t.Expect(ExitCodes.Ok, "show", hostile).Output, StringComparison.Ordinal);
    }
}
