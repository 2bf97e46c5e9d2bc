using System.Text;
using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Triage;

/// <summary>
/// Four reports in four ISO weeks (2026-W45 to W48) and a follow-up, triaged to cover every filter:
/// A triaged/high/police/alice, B investigating/critical/police with a photo and a follow-up, C rejected/low, D new.
/// </summary>
public sealed class ListQueryTests : IDisposable
{
    private readonly TriageHome _t = new();
    private readonly string _a;
    private readonly string _b;
    private readonly string _c;
    private readonly string _followUp;
    private readonly string _d;

    public ListQueryTests()
    {
        var codenameB = Witness.Codename();
        _a = _t.Report("Police beat a protester at the north gate", "2026-11-02", "en", "Police violence");
        _b = _t.Report("警察在旺角警署打人", "2026-11-10", "zh-Hant-HK", "警察暴力", codenameB, ("photo.jpg", Encoding.ASCII.GetBytes("not really a jpeg")));
        _c = _t.Report("Landlord changed the locks at night", "2026-11-20", "en", "Housing", Witness.Codename());
        _followUp = _t.FollowUp(codenameB, "The officer hid his badge number", "2026-11-21");
        _d = _t.Report("Police searched the market stalls at night", "2026-11-25", "zh-Hans", "Police search");
        _t.Import();

        _t.Json("set-status", _a, "triaged");
        _t.Json("set-severity", _a, "high");
        _t.Json("tag", _a, "police");
        _t.Json("assign", _a, "me");
        _t.Json("set-status", _b, "triaged");
        _t.Json("set-status", _b, "investigating");
        _t.Json("set-severity", _b, "critical");
        _t.Json("tag", _b, "police", "detention");
        _t.Json("set-status", _c, "rejected", "--reason", "not in our remit");
        _t.Json("set-severity", _c, "low");
    }

    public void Dispose() => _t.Dispose();

    [Fact]
    public void List_NoFilter_IsEveryReportNewestFirst() => Assert.Equal([_d, _c, _b, _a], _t.ListIds());

    [Fact]
    public void List_ByStatus_CommaListAndRepeatedOptionAgree()
    {
        Assert.Equal([_b, _a], _t.ListIds("--status", "triaged,investigating"));
        Assert.Equal([_b, _a], _t.ListIds("--status", "triaged", "-s", "INVESTIGATING"));
        Assert.Equal([_d], _t.ListIds("--status", "new"));
        Assert.Equal([_c], _t.ListIds("-s", "rejected"));
        Assert.Empty(_t.ListIds("--status", "closed"));
    }

    [Fact]
    public void List_BySeverity_LeavesOutReportsWithoutOne()
    {
        Assert.Equal([_b, _a], _t.ListIds("--severity", "high,critical"));
        Assert.Equal([_c], _t.ListIds("--severity", "low"));
        Assert.Empty(_t.ListIds("--severity", "medium"));
    }

    [Fact]
    public void List_ByTag_NeedsEveryTag()
    {
        Assert.Equal([_b, _a], _t.ListIds("--tag", "police"));
        Assert.Equal([_b], _t.ListIds("-t", "Police", "-t", "detention"));
        Assert.Empty(_t.ListIds("--tag", "housing"));
    }

    [Fact]
    public void List_ByAssignee_MeNoneAndAnId()
    {
        Assert.Equal([_a], _t.ListIds("--assignee", "me"));
        Assert.Equal([_a], _t.ListIds("-a", "alice"));
        Assert.Equal([_d, _c, _b], _t.ListIds("--assignee", "none"));
        Assert.Empty(_t.ListIds("--assignee", "bob"));
    }

    [Fact]
    public void List_ByCategory_IsACaseInsensitiveSubstring()
    {
        Assert.Equal([_d, _a], _t.ListIds("--category", "police"));
        Assert.Equal([_a], _t.ListIds("--category", "VIOLENCE"));
        Assert.Equal([_b], _t.ListIds("--category", "警察"));
        Assert.Empty(_t.ListIds("--category", "fraud"));
    }

    [Fact]
    public void List_ByLanguage_MatchesTheFormLanguage()
    {
        Assert.Equal([_b], _t.ListIds("--language", "zh-hant-hk"));
        Assert.Equal([_c, _a], _t.ListIds("--language", "en"));
        Assert.Equal([_d], _t.ListIds("--language", "zh-Hans", "--category", "police"));
    }

    [Fact]
    public void List_BySinceAndUntil_IncludesBothDays()
    {
        Assert.Equal([_c, _b], _t.ListIds("--since", "2026-11-10", "--until", "2026-11-20"));
        Assert.Equal([_d], _t.ListIds("--since", "2026-11-21"));
        Assert.Equal([_a], _t.ListIds("--until", "2026-11-02"));
        Assert.Equal([_d, _followUp], _t.ListIds("--since", "2026-11-21", "--kind", "all"));
    }

    [Fact]
    public void List_ByText_NeedsEveryWordAndAFollowUpsWordFindsItsReport()
    {
        Assert.Equal([_d, _a], _t.ListIds("--text", "POLICE"));
        Assert.Equal([_d], _t.ListIds("--text", "police night"));
        Assert.Equal([_d, _c], _t.ListIds("-q", "night"));
        Assert.Equal([_b], _t.ListIds("--text", "badge"));
        Assert.Equal([_b], _t.ListIds("--text", "旺角"));
        Assert.Equal([_followUp], _t.ListIds("--text", "badge", "--kind", "follow-up"));
        Assert.Empty(_t.ListIds("--text", "harbour police"));
    }

    [Fact]
    public void List_ByKind_FollowUpAndAll()
    {
        var followUp = Assert.Single(_t.Json("list", "--kind", "follow-up").AsArray())!;
        Assert.Equal(_followUp, (string?)followUp["id"]);
        Assert.Equal(_b, (string?)followUp["caseId"]);
        Assert.Equal("The officer hid his badge number", (string?)followUp["text"]);

        Assert.Equal([_a, _b, _c, _followUp, _d], _t.ListIds("--kind", "ALL", "--sort", "oldest"));
        Assert.Empty(_t.ListIds("--kind", "reply"));
    }

    [Fact]
    public void List_Sort_NewestOldestSeverityStatusAndLimit()
    {
        Assert.Equal([_d, _c, _b, _a], _t.ListIds("--sort", "newest"));
        Assert.Equal([_a, _b, _c, _d], _t.ListIds("--sort", "oldest"));
        Assert.Equal([_b, _a, _c, _d], _t.ListIds("--sort", "severity"));
        Assert.Equal([_d, _a, _b, _c], _t.ListIds("--sort", "status"));
        Assert.Equal([_d, _c], _t.ListIds("--limit", "2"));
        Assert.Equal([_b], _t.ListIds("--sort", "severity", "-n", "1"));
    }

    [Fact]
    public void List_Summary_CarriesTriageStateAndCounts()
    {
        var b = _t.Json("list", "--tag", "detention").AsArray().Single()!;

        Assert.Equal("investigating", (string?)b["status"]);
        Assert.Equal("critical", (string?)b["severity"]);
        Assert.Null(b["assignee"]);
        Assert.Equal(["police", "detention"], b["tags"]!.AsArray().Select(x => (string?)x));
        Assert.Equal("zh-Hant-HK", (string?)b["language"]);
        Assert.Equal("2026-11-10", (string?)b["receivedDay"]);
        Assert.Equal(1, (int)b["attachments"]!);
        Assert.Equal(1, (int)b["followUps"]!);
        Assert.Equal(0, (int)b["replies"]!);
    }

    [Theory]
    [InlineData(ExitCodes.Usage, "'done' is not a status. Statuses: new, triaged", "--status", "new,done")]
    [InlineData(ExitCodes.Usage, "'urgent' is not a severity", "--severity", "urgent")]
    [InlineData(ExitCodes.Usage, "'random' is not a sort order. Sort by: newest, oldest, severity, status", "--sort", "random")]
    [InlineData(ExitCodes.Usage, "'memo' is not a kind", "--kind", "memo")]
    [InlineData(ExitCodes.Usage, "--limit must be 1 or more", "--limit", "0")]
    [InlineData(ExitCodes.Usage, "--since is after --until", "--since", "2026-11-20", "--until", "2026-11-01")]
    [InlineData(ExitCodes.Usage, "nothing to search for", "--text", "a !")]
    [InlineData(ExitCodes.Usage, "not a valid tag", "--tag", "<b>")]
    [InlineData(ExitCodes.Usage, "--since takes a day as yyyy-MM-dd, not '25/11/2026'", "--since", "25/11/2026")]
    [InlineData(ExitCodes.Usage, "--until takes a day as yyyy-MM-dd, not '2026-13-01'", "--until", "2026-13-01")]
    [InlineData(ExitCodes.Usage, "", "--limit", "many")]
    public void List_InvalidFilter_ExitsWithTheMessage(int exitCode, string message, params string[] args)
    {
        var result = _t.Expect(exitCode, ["list", .. args]);

        Assert.Contains(message, result.Errors, StringComparison.Ordinal);
        Assert.Contains("Error", result.Errors, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void Show_Json_HoldsFieldsAttachmentsThreadNotesHistoryAndLinks()
    {
        _t.Json("note", _b, "--text", "Cross-check with the hospital record.");
        _t.Json("link", _c, _b);

        var shown = _t.Json("show", _b[..6]);

        var summary = shown["summary"]!;
        Assert.Equal(_b, (string?)summary["id"]);
        Assert.Equal("警察在旺角警署打人", (string?)summary["what"]);
        Assert.Equal("警察暴力", (string?)summary["category"]);
        Assert.Equal("yesterday evening", (string?)shown["when"]);
        Assert.Equal("the station", (string?)shown["where"]);
        Assert.Null(shown["statusReason"]);
        Assert.True((bool)shown["canReply"]!);
        var photo = Assert.Single(shown["attachments"]!.AsArray())!;
        Assert.Equal("photo.jpg", (string?)photo["name"]);
        Assert.Equal(17, (long)photo["size"]!);
        var message = Assert.Single(shown["thread"]!.AsArray())!;
        Assert.Equal(_followUp, (string?)message["id"]);
        Assert.Equal("follow-up", (string?)message["kind"]);
        Assert.Equal("witness", (string?)message["author"]);
        Assert.Equal("The officer hid his badge number", (string?)message["text"]);
        Assert.Equal("Cross-check with the hospital record.", (string?)Assert.Single(shown["notes"]!.AsArray())!["text"]);
        // The link made from the other report is in this report's history too.
        Assert.Equal(["set-status", "set-status", "set-severity", "tag", "note", "link"],
            shown["history"]!.AsArray().Select(h => (string?)h!["action"]));
        Assert.All(shown["history"]!.AsArray(), h => Assert.Equal(_b, (string?)h!["caseId"]));
        Assert.Equal([_c], shown["linked"]!.AsArray().Select(x => (string?)x));
    }

    [Fact]
    public void Show_RejectedReportWithoutCodename_HasReasonAndNoReply()
    {
        var shown = _t.Json("show", _a);
        Assert.False((bool)shown["canReply"]!);

        var rejected = _t.Json("show", _c);
        Assert.Equal("not in our remit", (string?)rejected["statusReason"]);
        Assert.Empty(rejected["thread"]!.AsArray());
    }

    [Fact]
    public void Show_HumanOutput_RendersPanelsAndHistory()
    {
        var result = _t.Expect(ExitCodes.Ok, "show", _b);

        Assert.Contains("警察在旺角警署打人", result.Output, StringComparison.Ordinal);
        Assert.Contains("Follow-up from the witness, 2026-11-21", result.Output, StringComparison.Ordinal);
        Assert.Contains("photo.jpg", result.Output, StringComparison.Ordinal);
        Assert.Contains("History (audit log)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Stats_Json_CountsByStatusSeverityAndWeek()
    {
        var stats = _t.Json("stats");

        Assert.Equal(4, (int)stats["reports"]!);
        Assert.Equal(1, (int)stats["followUps"]!);
        Assert.Equal(0, (int)stats["replies"]!);
        Assert.Equal(0, (int)stats["queuedReplies"]!);
        Assert.Equal(2, (int)stats["unassigned"]!); // B and D: C is rejected, A is alice's
        Assert.Equal(Counts(("new", 1), ("triaged", 1), ("investigating", 1), ("closed", 0), ("rejected", 1)), Counts(stats["byStatus"]!));
        Assert.Equal(Counts(("critical", 1), ("high", 1), ("medium", 0), ("low", 1), ("not set", 1)), Counts(stats["bySeverity"]!));
        Assert.Equal(Counts(("2026-W45", 1), ("2026-W46", 1), ("2026-W47", 1), ("2026-W48", 1)), Counts(stats["byWeek"]!));
    }

    [Fact]
    public void Stats_Text_PrintsTheChartsWithTheirLabels()
    {
        var result = _t.Expect(ExitCodes.Ok, "stats");

        Assert.Contains("4 reports, 1 follow-ups, 0 replies; 2 open and unassigned", result.Output, StringComparison.Ordinal);
        foreach (var label in new[] { "By status", "By severity", "Reports received per week", "investigating", "rejected", "critical", "not set", "2026-W45", "2026-W48" })
        {
            Assert.Contains(label, result.Output, StringComparison.Ordinal);
        }
    }

    private static string Counts(params (string Key, int Count)[] rows) => string.Join(", ", rows.Select(r => $"{r.Key}={r.Count}"));

    private static string Counts(JsonNode rows) => string.Join(", ", rows.AsArray().Select(r => $"{(string?)r!["key"]}={(int)r["count"]!}"));
}
