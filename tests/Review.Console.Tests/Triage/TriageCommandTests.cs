using System.Text;
using System.Text.Json.Nodes;
using SafeIntake.Review.Console.Commands;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Triage;

public sealed class TriageCommandTests : IDisposable
{
    private readonly TriageHome _t = new();
    private readonly string _first;
    private readonly string _second;
    private readonly string _third;

    public TriageCommandTests()
    {
        _first = _t.Report("Police stopped a bus at the north gate");
        _second = _t.Report("Officers searched the bus passengers");
        _third = _t.Report("A landlord changed the locks");
        _t.Import();
    }

    public void Dispose() => _t.Dispose();

    private string Status(string id) => (string)_t.Json("show", id)["summary"]!["status"]!;

    [Fact]
    public void SetStatus_AlongTheWorkflow_ReportsEachMoveWithItsAuditEntry()
    {
        var moves = new[] { ("new", "triaged"), ("triaged", "investigating"), ("investigating", "closed"), ("closed", "investigating") };
        var sequence = 1L; // the import is entry 1

        foreach (var (from, to) in moves)
        {
            var done = _t.Json("set-status", _first, to);

            Assert.Equal(_first, (string?)done["id"]);
            Assert.Equal("set-status", (string?)done["action"]);
            Assert.Equal(from, (string?)done["details"]!["from"]);
            Assert.Equal(to, (string?)done["details"]!["to"]);
            Assert.Equal(++sequence, (long)done["audit"]!);
            Assert.Equal(to, Status(_first));
        }

        Assert.Equal("new", Status(_second));
    }

    [Fact]
    public void SetStatus_HumanOutput_ConfirmsTheMove()
    {
        var result = _t.Expect(ExitCodes.Ok, "set-status", _first[..8], "TRIAGED");

        Assert.Contains($"Report {_first[..8]}: new → triaged.", result.Output, StringComparison.Ordinal);
        Assert.Contains("audit entry 2", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("closed")]
    [InlineData("investigating")]
    [InlineData("new")]
    public void SetStatus_IllegalTransition_ExitsOneAndChangesNothing(string to)
    {
        var auditBefore = _t.Audit().ToJsonString();

        var result = _t.Expect(ExitCodes.Failure, "set-status", _first, to);

        Assert.Contains(to == "new" ? "already new" : $"cannot go from new to {to}", result.Errors, StringComparison.Ordinal);
        if (to != "new")
        {
            Assert.Contains("triaged or rejected", result.Errors, StringComparison.Ordinal);
        }

        Assert.Equal("new", Status(_first));
        Assert.Equal(auditBefore, _t.Audit().ToJsonString());
    }

    [Fact]
    public void SetStatus_ClosedToRejected_IsRefusedAndNamesReopening()
    {
        foreach (var to in new[] { "triaged", "investigating", "closed" })
        {
            _t.Json("set-status", _first, to);
        }

        var result = _t.Expect(ExitCodes.Failure, "set-status", _first, "rejected", "--reason", "spam");

        Assert.Contains("cannot go from closed to rejected", result.Errors, StringComparison.Ordinal);
        Assert.Contains("it can go to: investigating", result.Errors, StringComparison.Ordinal);
        Assert.Equal("closed", Status(_first));
    }

    [Fact]
    public void SetStatus_RejectWithReason_ShowsTheReasonUntilReopened()
    {
        var refused = _t.Expect(ExitCodes.Usage, "set-status", _second, "rejected");
        Assert.Contains("needs a reason", refused.Errors, StringComparison.Ordinal);
        Assert.Single(_t.Audit());

        var done = _t.Json("set-status", _second, "rejected", "--reason", "  duplicate of the first report  ");

        Assert.Equal("duplicate of the first report", (string?)done["details"]!["reason"]);
        var shown = _t.Json("show", _second);
        Assert.Equal("rejected", (string?)shown["summary"]!["status"]);
        Assert.Equal("duplicate of the first report", (string?)shown["statusReason"]);

        _t.Json("set-status", _second, "triaged");
        Assert.Null(_t.Json("show", _second)["statusReason"]);
    }

    [Fact]
    public void SetStatus_RejectReasonTooLong_IsRefused()
    {
        var result = _t.Expect(ExitCodes.Failure, "set-status", _second, "rejected", "--reason", new string('x', 1001));

        Assert.Contains("the limit is 1000", result.Errors, StringComparison.Ordinal);
        Assert.Equal("new", Status(_second));
    }

    [Fact]
    public void SetSeverity_ValidThenInvalidThenSame()
    {
        var done = _t.Json("set-severity", _first, "High");
        Assert.Equal("none", (string?)done["details"]!["from"]);
        Assert.Equal("high", (string?)done["details"]!["to"]);
        Assert.Equal("high", (string?)_t.Json("show", _first)["summary"]!["severity"]);

        var invalid = _t.Expect(ExitCodes.Usage, "set-severity", _first, "urgent");
        Assert.Contains("'urgent' is not a severity. Severities: low, medium, high, critical.", invalid.Errors, StringComparison.Ordinal);

        var same = _t.Expect(ExitCodes.Failure, "set-severity", _first, "high");
        Assert.Contains("already high", same.Errors, StringComparison.Ordinal);
        Assert.Equal(2, _t.Audit().Count);
    }

    [Fact]
    public void TagAndUntag_ListByTag_FindsThenDoesNot()
    {
        var tagged = _t.Json("tag", _first, "ＰＯＬＩＣＥ", "north gate");
        Assert.Equal("police, north gate", (string?)tagged["details"]!["tags"]);
        _t.Json("tag", _second, "police");

        Assert.Equal([_second, _first], _t.ListIds("--tag", "Police"));
        Assert.Equal([_first], _t.ListIds("--tag", "police", "--tag", "NORTH GATE"));
        Assert.Equal(["police", "north gate"], _t.Json("show", _first)["summary"]!["tags"]!.AsArray().Select(x => (string?)x));

        _t.Json("untag", _first, "police");

        Assert.Equal([_second], _t.ListIds("--tag", "police"));
        Assert.Equal([_first], _t.ListIds("--tag", "north gate"));
        Assert.Contains("none of those tags", _t.Expect(ExitCodes.Ok, "untag", _first, "police").Output, StringComparison.Ordinal);
        Assert.Contains("has those tags already", _t.Expect(ExitCodes.Ok, "tag", _second, "Police").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Tag_MarkupOrControlCharacters_IsRefusedAndNothingTagged()
    {
        var result = _t.Expect(ExitCodes.Usage, "tag", _first, "ok", "<script>");

        Assert.Contains("not a valid tag", result.Errors, StringComparison.Ordinal);
        Assert.Empty(_t.ListIds("--tag", "ok"));
        Assert.Single(_t.Audit());
    }

    [Fact]
    public void Tag_IsNoSearchWordAndNoWordIsATag()
    {
        _t.Json("tag", _third, "housing");

        Assert.Equal([_third], _t.ListIds("--tag", "housing"));
        Assert.Empty(_t.ListIds("--text", "housing"));
        Assert.Empty(_t.ListIds("--tag", "landlord"));
        Assert.Equal([_third], _t.ListIds("--text", "landlord"));
    }

    [Fact]
    public void Assign_MeUnknownAndNone()
    {
        var me = _t.Json("assign", _first, "me");
        Assert.Equal("nobody", (string?)me["details"]!["from"]);
        Assert.Equal("alice", (string?)me["details"]!["to"]);
        Assert.Equal("alice", (string?)_t.Json("show", _first)["summary"]!["assignee"]);

        var bob = _t.Expect(ExitCodes.Failure, "assign", _first, "bob");
        Assert.Contains("'bob' is not a reviewer this console knows. Reviewers: alice", bob.Errors, StringComparison.Ordinal);
        Assert.Equal("alice", (string?)_t.Json("show", _first)["summary"]!["assignee"]);

        Assert.Contains("assigned to alice already", _t.Expect(ExitCodes.Failure, "assign", _first, "alice").Errors, StringComparison.Ordinal);

        var none = _t.Json("assign", _first, "--none");
        Assert.Equal("nobody", (string?)none["details"]!["to"]);
        Assert.Null(_t.Json("show", _first)["summary"]!["assignee"]);
        Assert.Contains("not assigned", _t.Expect(ExitCodes.Failure, "assign", _first, "--none").Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_BothReviewerAndNone_IsAUsageError()
    {
        _t.Expect(ExitCodes.Usage, "assign", _first, "me", "--none");
        _t.Expect(ExitCodes.Usage, "assign", _first);
    }

    [Fact]
    public void Note_WithText_IsShownAndRecordedByIdOnly()
    {
        var done = _t.Json("note", _first, "--text", "Called the clinic; they confirm the date.");

        var note = Assert.Single(_t.Json("show", _first)["notes"]!.AsArray())!;
        Assert.Equal("Called the clinic; they confirm the date.", (string?)note["text"]);
        Assert.Equal("alice", (string?)note["reviewerId"]);
        Assert.Equal((string?)note["id"], (string?)done["details"]!["note"]);
        Assert.DoesNotContain("clinic", _t.Audit().ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Note_PipedIn_IsReadFromStandardInput()
    {
        _t.Home.InputRedirected = () => true;
        _t.Home.StandardInput = () => new StringReader("  piped from a script\n");

        _t.Json("note", _second);

        Assert.Equal("piped from a script", (string?)Assert.Single(_t.Json("show", _second)["notes"]!.AsArray())!["text"]);
    }

    [Fact]
    public void Note_EmptyPipe_IsRefused()
    {
        _t.Home.InputRedirected = () => true;
        _t.Home.StandardInput = () => new StringReader(" \n\t");

        Assert.Contains("The note is empty", _t.Expect(ExitCodes.Failure, "note", _second).Errors, StringComparison.Ordinal);
        Assert.Empty(_t.Json("show", _second)["notes"]!.AsArray());
    }

    [Fact]
    public void Note_FromEditor_KeepsTextAboveTheMarkerShredsTheDraftAndLeavesNoClearText()
    {
        const string canary = "CANARY-9d3e17-clinic-nurse-Wong";
        _t.Home.Variables["EDITOR"] = "fake-editor --wait";
        string? draft = null;
        string? draftContext = null;
        _t.Home.RunEditor = (editor, path) =>
        {
            Assert.Equal("fake-editor --wait", editor);
            draft = path;
            draftContext = File.ReadAllText(path);
            File.WriteAllText(path, $"Spoke to {canary}.\n" + draftContext + "# below the marker: ignored\n");
            return 0;
        };

        _t.Json("note", _third[..6]);

        Assert.NotNull(draft);
        Assert.StartsWith(_t.Home.Path("drafts"), draft, StringComparison.Ordinal);
        Assert.False(File.Exists(draft));
        Assert.Contains(TextInput.Marker, draftContext, StringComparison.Ordinal);
        Assert.Contains(_third[..8], draftContext, StringComparison.Ordinal);
        Assert.Equal($"Spoke to {canary}.", (string?)Assert.Single(_t.Json("show", _third)["notes"]!.AsArray())!["text"]);
        foreach (var file in _t.Home.AllFiles())
        {
            var bytes = File.ReadAllBytes(file);
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(canary)) < 0, $"{file} holds the note in clear");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes("9d3e17")) < 0, $"{file} holds part of the note in clear");
        }
    }

    [Fact]
    public void Note_EditorFails_SavesNothingAndDeletesTheDraft()
    {
        _t.Home.Variables["VISUAL"] = "broken-editor";
        string? draft = null;
        _t.Home.RunEditor = (_, path) =>
        {
            draft = path;
            File.WriteAllText(path, "half a note");
            return 1;
        };

        var result = _t.Expect(ExitCodes.Failure, "note", _first);

        Assert.Contains("exited with 1: nothing was saved", result.Errors, StringComparison.Ordinal);
        Assert.False(File.Exists(draft));
        Assert.Empty(_t.Json("show", _first)["notes"]!.AsArray());
    }

    [Fact]
    public void Link_ThreeReportsThroughTheSecond_MergeViewListsAllThree()
    {
        var linked = _t.Json("link", _first, _second);
        Assert.Equal("link", (string?)linked["action"]);
        Assert.Equal(_second, (string?)linked["details"]!["with"]);
        _t.Json("link", _second[..10], _third);

        var view = _t.Json("merge-view", _first);

        var expected = new[] { _first, _second, _third };
        Assert.Equal(expected, view["incident"]!.AsArray().Select(x => (string?)x));
        Assert.Equal(expected, view["reports"]!.AsArray().Select(r => (string?)r!["summary"]!["id"]));
        Assert.Equal(new[] { _second, _third }.Order(StringComparer.Ordinal), _t.Json("show", _first)["linked"]!.AsArray().Select(x => (string?)x));
        Assert.Contains("linked already", _t.Expect(ExitCodes.Failure, "link", _second, _first).Errors, StringComparison.Ordinal);

        _t.Json("unlink", _third, _second);

        Assert.Equal([_first, _second], _t.Json("merge-view", _first)["incident"]!.AsArray().Select(x => (string?)x));
        Assert.Equal([_third], _t.Json("merge-view", _third)["incident"]!.AsArray().Select(x => (string?)x));
        Assert.Contains("not linked", _t.Expect(ExitCodes.Failure, "unlink", _third, _second).Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Link_ToItself_IsRefused()
    {
        var result = _t.Expect(ExitCodes.Failure, "link", _first, _first[..7]);

        Assert.Contains("cannot be linked to itself", result.Errors, StringComparison.Ordinal);
        Assert.Single(_t.Audit());
    }

    [Fact]
    public void Id_SixHexDigitsOrUpperCase_Resolves()
    {
        Assert.Equal(_first, (string?)_t.Json("set-severity", _first[..6], "low")["id"]);
        Assert.Equal(_first, (string?)_t.Json("show", _first.ToUpperInvariant())["summary"]!["id"]);
    }

    [Fact]
    public void Id_FiveDigitsNonHexOrTooLong_IsRefused()
    {
        foreach (var id in new[] { _first[..5], "ghijkl", _first + "0" })
        {
            var result = _t.Expect(ExitCodes.Usage, "set-status", id, "triaged");

            Assert.Contains($"'{id}' is not a report id: give the id or at least its first 6 hex digits", result.Errors, StringComparison.Ordinal);
        }

        Assert.Equal("new", Status(_first));
    }

    [Fact]
    public void Id_UnknownPrefix_SaysSo()
    {
        var unknown = new string(_first[0] == '0' ? '1' : '0', 8);

        Assert.Contains($"No envelope in the vault has an id starting with {unknown}", _t.Expect(ExitCodes.Failure, "show", unknown).Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Id_SharedPrefix_IsRefusedAsAmbiguousUntilLongerPrefixGiven()
    {
        using var crafted = new TriageHome();
        crafted.Report("one");
        crafted.Report("two");
        crafted.Export.Entries[0].Id = "abcdef01" + new string('1', 24);
        crafted.Export.Entries[1].Id = "abcdef02" + new string('2', 24);
        crafted.Import();

        var result = crafted.Expect(ExitCodes.Failure, "set-status", "abcdef", "triaged");

        Assert.Contains("More than one envelope starts with abcdef", result.Errors, StringComparison.Ordinal);
        Assert.Contains(crafted.Export.Entries[0].Id, result.Errors, StringComparison.Ordinal);
        Assert.Equal(["new", "new"], crafted.Json("list").AsArray().Select(r => (string?)r!["status"]));
        Assert.Equal(crafted.Export.Entries[1].Id, (string?)crafted.Json("set-status", "abcdef02", "triaged")["id"]);
    }

    [Fact]
    public void SetStatus_FollowUpId_NamesItsReport()
    {
        using var threaded = new TriageHome();
        var codename = Witness.Codename();
        var report = threaded.Report("the report", codename: codename);
        var followUp = threaded.FollowUp(codename, "more details");
        threaded.Import();

        var result = threaded.Expect(ExitCodes.Failure, "set-status", followUp, "triaged");

        Assert.Contains($"is a follow-up of report {report}", result.Errors, StringComparison.Ordinal);
        Assert.Contains($"triage the report, {report[..8]}", result.Errors, StringComparison.Ordinal);
        Assert.Equal("new", (string?)threaded.Json("show", report)["summary"]!["status"]);
    }

    [Fact]
    public void Import_AppendsAnImportEntry()
    {
        var entry = Assert.Single(_t.Audit())!;

        Assert.Equal("import", (string?)entry["action"]);
        Assert.Null(entry["caseId"]);
        Assert.Equal("3", (string?)entry["details"]!["reports"]);
        Assert.Equal("1–3", (string?)entry["details"]!["sequence"]);
    }
}
