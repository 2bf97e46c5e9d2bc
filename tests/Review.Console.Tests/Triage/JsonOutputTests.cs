using System.Text.Json;
using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Triage;

/// <summary>Every read command prints one JSON document with --json, in the shape scripts rely on.</summary>
public sealed class JsonOutputTests : IDisposable
{
    private readonly TriageHome _t = new();
    private readonly string _report;

    public JsonOutputTests()
    {
        var codename = Witness.Codename();
        _report = _t.Report("Police at the north gate", codename: codename);
        var other = _t.Report("Police at the south gate");
        _t.FollowUp(codename, "the gate was locked");
        _t.Import();
        _t.Json("link", _report, other);
        _t.Json("note", _report, "--text", "call back");
    }

    public void Dispose() => _t.Dispose();

    [Theory]
    [InlineData(JsonValueKind.Array, "id,sequence,kind,receivedDay,status,severity,assignee,tags,language,category,what,text,caseId,attachments,followUps,replies", "list")]
    [InlineData(JsonValueKind.Object, "summary,when,where,statusReason,canReply,attachments,thread,notes,history,linked", "show", "{id}")]
    [InlineData(JsonValueKind.Object, "reports,followUps,replies,queuedReplies,unassigned,byStatus,bySeverity,byWeek", "stats")]
    [InlineData(JsonValueKind.Object, "incident,reports", "merge-view", "{id}")]
    [InlineData(JsonValueKind.Array, "sequence,at,reviewerId,action,caseId,details", "audit", "show")]
    [InlineData(JsonValueKind.Array, "sequence,at,reviewerId,action,caseId,details", "audit", "show", "--case", "{id}")]
    [InlineData(JsonValueKind.Object, "intact,entries,head,problems", "audit", "verify")]
    [InlineData(JsonValueKind.Array, "id,sequence,kind,receivedDay,status,caseId,what,text,attachments", "search", "gate")]
    public void ReadCommand_Json_ParsesWithTheExpectedShape(JsonValueKind kind, string members, params string[] args)
    {
        var output = _t.Expect(ExitCodes.Ok, [.. args.Select(a => a == "{id}" ? _report : a), "--json"]).Output;

        using var document = JsonDocument.Parse(output);
        Assert.Equal(kind, document.RootElement.ValueKind);
        var node = JsonNode.Parse(output)!;
        var sample = kind == JsonValueKind.Array ? node.AsArray().FirstOrDefault() : node;
        Assert.NotNull(sample);
        foreach (var member in members.Split(','))
        {
            Assert.True(sample.AsObject().ContainsKey(member), $"`{string.Join(' ', args)} --json` lacks \"{member}\": {output}");
        }
    }

    [Fact]
    public void AuditVerify_Json_IsIntactWithTheHead()
    {
        var verified = _t.Json("audit", "verify");

        Assert.True((bool)verified["intact"]!);
        // import, set-status, and a link (one entry under each of the two reports)
        Assert.Equal(4, (long)verified["entries"]!);
        Assert.StartsWith("4:", (string?)verified["head"], StringComparison.Ordinal);
        Assert.Equal(2 + 64, ((string?)verified["head"])!.Length);
        Assert.Empty(verified["problems"]!.AsArray());
    }

    [Fact]
    public void TriageAction_Json_IsTheRecordOfTheAction()
    {
        var done = _t.Json("set-severity", _report, "medium");

        Assert.Equal(["id", "action", "details", "audit"], done.AsObject().Select(p => p.Key));
        Assert.Equal(5, (long)done["audit"]!);
    }

    [Fact]
    public void Stats_EmptyVault_PrintsZerosInJsonAndText()
    {
        using var empty = new TriageHome();

        var stats = empty.Json("stats");
        var text = empty.Expect(ExitCodes.Ok, "stats");

        Assert.Equal(0, (int)stats["reports"]!);
        Assert.Empty(stats["byWeek"]!.AsArray());
        Assert.Contains("0 reports", text.Output, StringComparison.Ordinal);
        Assert.Contains("No reports yet.", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void List_EmptyVault_IsAnEmptyArray()
    {
        using var empty = new TriageHome();

        Assert.Empty(empty.Json("list").AsArray());
        Assert.Empty(empty.Json("audit", "show").AsArray());
        Assert.True((bool)empty.Json("audit", "verify")["intact"]!);
    }
}
