using System.Text;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Replies;

/// <summary>
/// <c>reply</c> and <c>outbox write</c> through Program.Run: refusals, the sealed and signed reply the witness can open,
/// queuing exactly once, resending after a lost outbox, and the copy the server sends back matched by hash.
/// </summary>
public sealed class ReplyCommandTests : IDisposable
{
    private readonly TriageHome _t = new();
    private readonly TestHome _org = new();
    private readonly CodenameKeys _codename = Witness.Codename();

    public void Dispose()
    {
        _codename.Dispose();
        _org.Dispose();
        _t.Dispose();
    }

    private void InstallBundle()
    {
        _org.Expect(ExitCodes.Ok, "org", "init", "--name", "Example Rights Group", "--argon-fast");
        _org.Expect(ExitCodes.Ok, "org", "add-reviewer", _t.Home.Path("alice.pub.json"));
        _org.Expect(ExitCodes.Ok, "org", "sign-bundle", "--expires", "90", "--out", _org.Path("bundle.json"));
        var orgKey = File.ReadAllText(_org.Path("org", "organisation.pub")).Trim();
        _t.Expect(ExitCodes.Ok, "bundle", "install", _org.Path("bundle.json"), "--org-key", orgKey);
    }

    private string ReportWithCodename()
    {
        var id = _t.Report("Please write back to me", codename: _codename);
        _t.Import();
        return id;
    }

    private static JsonArray RepliesIn(string outboxPath)
    {
        var file = JsonNode.Parse(File.ReadAllText(outboxPath))!;
        var body = JsonNode.Parse(Convert.FromBase64String((string)file["body"]!))!;
        return body["replies"]!.AsArray();
    }

    [Fact]
    public void Reply_WithoutAnInstalledBundle_IsRefusedAndNothingIsQueued()
    {
        var id = ReportWithCodename();

        var result = _t.Expect(ExitCodes.Failure, "reply", id, "--text", "hello");

        Assert.Contains("Replies need the organisation's reviewer bundle", result.Errors, StringComparison.Ordinal);
        Assert.Equal(0, (int)_t.Json("stats")["queuedReplies"]!);
    }

    [Fact]
    public void Reply_ToAReportWithoutCodename_IsRefused()
    {
        InstallBundle();
        var id = _t.Report("no way back");
        _t.Import();

        var result = _t.Expect(ExitCodes.Failure, "reply", id, "--text", "hello");

        Assert.Contains("chose no codename", result.Errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reply_ToAReportFiledUnderAnotherMailboxThanItsReplyTo_IsImportedButRefusedAndNothingIsQueued(bool noMailbox)
    {
        InstallBundle();
        using var other = Witness.Codename();
        var id = _t.Report("filed elsewhere", codename: _codename);
        _t.Export.Entries.Single(e => e.Id == id).Mailbox = noMailbox ? null : other.MailboxKey.PublicKey.ToBase64();
        _t.Import();

        var result = _t.Expect(ExitCodes.Failure, "reply", id, "--text", "hello");

        Assert.Contains("the server would refuse a reply", result.Errors, StringComparison.Ordinal);
        Assert.Equal(0, (int)_t.Json("stats")["queuedReplies"]!);
        Assert.False((bool)_t.Json("show", id)["canReply"]!);
    }

    [Fact]
    public void Reply_EmptyText_IsRefused()
    {
        InstallBundle();
        var id = ReportWithCodename();

        _t.Expect(ExitCodes.Failure, "reply", id, "--text", "   ");

        Assert.Equal(0, (int)_t.Json("stats")["queuedReplies"]!);
    }

    [Fact]
    public void Reply_IsSealedToTheWitnessSignedByTheReviewerAndCarriedByOneOutbox()
    {
        InstallBundle();
        var id = ReportWithCodename();
        _t.Home.InputRedirected = () => true;
        _t.Home.StandardInput = () => new StringReader("Thank you. Are you safe now? 你安全嗎？\n");

        var queued = _t.Json("reply", id[..8]);
        var outbox = _t.Json("outbox", "write");

        Assert.Equal(id, (string?)queued["id"]);
        Assert.Equal(1, (int)outbox["replies"]!);
        var reply = Assert.Single(RepliesIn((string)outbox["outbox"]!))!;
        var envelope = Convert.FromBase64String((string)reply["envelope"]!);
        Assert.Equal(_codename.MailboxKey.PublicKey.ToBase64(), (string?)reply["mailbox"]);
        Assert.True(Signatures.VerifyReply(_t.Alice.SigningKey, _codename.MailboxKey.PublicKey, Witness.Hash(envelope),
            Convert.FromBase64String((string)reply["signature"]!)));
        Assert.False(Signatures.VerifyReply(_t.Alice.SigningKey, Witness.Codename().MailboxKey.PublicKey, Witness.Hash(envelope),
            Convert.FromBase64String((string)reply["signature"]!)));
        var opened = EnvelopeOpener.Open(new MemoryStream(envelope), [_codename.ReplyKey]);
        Assert.True(opened.IsSuccess, $"{opened.Status}");
        var manifest = opened.Manifest!.Root;
        Assert.Equal("reply", manifest.GetProperty("kind").GetString());
        Assert.Equal("Thank you. Are you safe now? 你安全嗎？", manifest.GetProperty("text").GetString());
        Assert.Equal("alice", manifest.GetProperty("reviewer").GetString());
        Assert.Equal("2026-11-26", manifest.GetProperty("sent").GetString());

        // Queued once: the next outbox carries nothing; --all carries it again (a lost outbox).
        Assert.Null((string?)_t.Json("outbox", "write")["outbox"]);
        var again = _t.Json("outbox", "write", "--all");
        Assert.Equal(1, (int)again["replies"]!);
        Assert.Equal((string?)reply["envelope"], (string?)Assert.Single(RepliesIn((string)again["outbox"]!))!["envelope"]);

        var shown = _t.Json("show", id);
        var message = Assert.Single(shown["thread"]!.AsArray())!;
        Assert.Equal("reply", (string?)message["kind"]);
        Assert.Contains("outbox", (string?)message["delivery"], StringComparison.Ordinal);
        Assert.Contains(shown["history"]!.AsArray(), h => (string?)h!["action"] == "reply");
        Assert.DoesNotContain(_t.Home.AllFiles(), f => File.ReadAllBytes(f).AsSpan().IndexOf(Encoding.UTF8.GetBytes("Are you safe now")) >= 0);
    }

    [Fact]
    public void Reply_SentBackByTheServer_IsListedOnceAndNotResent()
    {
        InstallBundle();
        var id = ReportWithCodename();
        _t.Json("reply", id, "--text", "We read your report.");
        var outbox = (string)_t.Json("outbox", "write")["outbox"]!;
        var reply = Assert.Single(RepliesIn(outbox))!;

        // The server files the reply and exports it to the team like any envelope.
        var envelope = Convert.FromBase64String((string)reply["envelope"]!);
        Assert.True(EnvelopeHeader.TryParse(envelope, out var header));
        _t.Export.Add("reply", envelope, (string)reply["mailbox"]!, (string)reply["signature"]!, "alice").BundleHash = header.BundleHash.ToArray();
        _t.Import();

        var thread = _t.Json("show", id)["thread"]!.AsArray();
        var message = Assert.Single(thread)!;
        Assert.Equal("delivered to the server", (string?)message["delivery"]);
        Assert.Equal("We read your report.", (string?)message["text"]);
        Assert.Equal(0, (int)_t.Json("outbox", "write", "--all")["replies"]!);
    }
}
