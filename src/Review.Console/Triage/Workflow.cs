using System.Globalization;
using System.Text;
using SafeIntake.Review.Console.Vault;

namespace SafeIntake.Review.Console.Triage;

/// <summary>
/// The triage workflow (docs/reviewer/triage.md): new → triaged → investigating → closed, and rejected (with a
/// reason) from any open state. Closed and rejected cases can be reopened one step back; nothing skips a step, so
/// every case that is closed was looked at, triaged and investigated, and the audit log shows by whom.
/// </summary>
public static class Workflow
{
    public static IReadOnlyList<string> Statuses { get; } =
        [EnvelopeStatus.New, EnvelopeStatus.Triaged, EnvelopeStatus.Investigating, EnvelopeStatus.Closed, EnvelopeStatus.Rejected];

    public static IReadOnlyList<string> Severities { get; } = ["low", "medium", "high", "critical"];

    private static readonly Dictionary<string, string[]> Next = new(StringComparer.Ordinal)
    {
        [EnvelopeStatus.New] = [EnvelopeStatus.Triaged, EnvelopeStatus.Rejected],
        [EnvelopeStatus.Triaged] = [EnvelopeStatus.Investigating, EnvelopeStatus.Rejected],
        [EnvelopeStatus.Investigating] = [EnvelopeStatus.Closed, EnvelopeStatus.Rejected],
        [EnvelopeStatus.Closed] = [EnvelopeStatus.Investigating],
        [EnvelopeStatus.Rejected] = [EnvelopeStatus.Triaged],
    };

    /// <summary>Where a case in <paramref name="status"/> may go next.</summary>
    public static IReadOnlyList<string> NextStatuses(string status) => Next.GetValueOrDefault(status) ?? [];

    /// <summary>Null when the move is allowed, else the error to show.</summary>
    public static string? CheckTransition(string from, string to, string? reason)
    {
        if (!Statuses.Contains(to))
        {
            return $"'{to}' is not a status. Statuses: {string.Join(", ", Statuses)}.";
        }

        if (from == to)
        {
            return $"The report is already {to}.";
        }

        if (!NextStatuses(from).Contains(to))
        {
            var allowed = NextStatuses(from);
            return $"A report cannot go from {from} to {to}. From {from} it can go to: {string.Join(" or ", allowed)}"
                + $" (the workflow is new → triaged → investigating → closed, or rejected with a reason).";
        }

        if (to == EnvelopeStatus.Rejected && string.IsNullOrWhiteSpace(reason))
        {
            return "Rejecting a report needs a reason: add --reason \"…\" (it stays in this vault and the audit log).";
        }

        return null;
    }

    public static int SeverityRank(string? severity) => severity is null ? -1 : Array.IndexOf([.. Severities], severity);

    /// <summary>Tags are NFKC, lower case, trimmed, 1–40 letters, digits, spaces, '-' or '_' (CJK welcome).</summary>
    public static string NormaliseTag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        string normalised;
        try
        {
            normalised = tag.Normalize(NormalizationForm.FormKC).Trim().ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            throw new CommandFailedException("A tag must be well-formed text.");
        }

        var length = normalised.EnumerateRunes().Count();
        if (length is < 1 or > 40 || normalised.EnumerateRunes().Any(r => !(Rune.IsLetterOrDigit(r) || r.Value is ' ' or '-' or '_'
            || Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)))
        {
            throw new CommandFailedException($"'{tag}' is not a valid tag: use 1 to 40 letters, digits, spaces, '-' or '_'.");
        }

        return normalised;
    }

    /// <summary>The blind-index token of a tag: the 0x01 prefix keeps it apart from every word token.</summary>
    public static string TagToken(string normalisedTag) => "\u0001tag\u0000" + normalisedTag;
}
