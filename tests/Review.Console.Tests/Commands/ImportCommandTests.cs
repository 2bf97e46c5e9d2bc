using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Tests.Support;
using SafeIntake.Review.Console.Transfer;

namespace SafeIntake.Review.Console.Tests.Commands;

public sealed class ImportCommandTests : IDisposable
{
    private readonly TestHome _home = new();
    private readonly ExportBuilder _export = new();
    private readonly ReviewerKeys _alice;

    public ImportCommandTests()
    {
        _alice = _home.InitReviewer();
        _home.Expect(ExitCodes.Ok, "server", "trust", _export.ServerKeyBase64);
    }

    public void Dispose()
    {
        _export.Dispose();
        _home.Dispose();
    }

    private JsonNode Import(string path, int exitCode = ExitCodes.Ok) =>
        JsonNode.Parse(_home.Expect(exitCode, "import", path, "--json").Output)!;

    private JsonArray ListVault() => JsonNode.Parse(_home.Expect(ExitCodes.Ok, "list", "--kind", "all", "--sort", "oldest", "--json").Output)!.AsArray();

    private string Write() => _export.WriteTo(_home.Root);

    private void AssertRefusedAndNothingImported(string path, string expectedInMessage)
    {
        var result = _home.Expect(ExitCodes.Failure, "import", path);
        Assert.Contains("nothing was imported", result.Errors, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, result.Errors, StringComparison.Ordinal);
        Assert.Empty(ListVault());
        Assert.False(Directory.Exists(_home.Path("outbox")));
    }

    private void ThreeItems()
    {
        var codename = Witness.Codename();
        _export.Report(_alice, "first report");
        _export.Report(_alice, "second report with a mailbox", codename);
        _export.FollowUp(_alice, codename, "more details later");
    }

    [Fact]
    public void Import_ValidBundle_StoresReportsLinksFollowUpAndWritesSignedOutbox()
    {
        ThreeItems();

        var summary = Import(Write());

        Assert.Equal(2, (int)summary["newReports"]!);
        Assert.Equal(1, (int)summary["followUps"]!);
        Assert.Equal(1, (int)summary["followUpsLinked"]!);
        Assert.Empty(summary["quarantined"]!.AsArray());
        Assert.Empty(summary["gaps"]!.AsArray());
        var list = ListVault();
        Assert.Equal(["first report", "second report with a mailbox", null], list.Select(e => (string?)e!["what"]));
        Assert.Equal("more details later", (string?)list[2]!["text"]);
        Assert.Equal((string?)list[1]!["id"], (string?)list[2]!["caseId"]);
        Assert.All(list, e => Assert.Equal("new", (string?)e!["status"]));

        var outbox = File.ReadAllText((string)summary["outbox"]!);
        Assert.True(Outbox.TryRead(outbox, _alice.SigningKey, out var body));
        Assert.Equal("alice", body.Reviewer);
        Assert.Equal(_export.Entries.Select(e => e.Id).Order(), body.Acks.Order());
        Assert.EndsWith("2026-11-26-1.json", (string)summary["outbox"]!, StringComparison.Ordinal);

        using var other = Ed25519SecretKey.Generate();
        Assert.False(Outbox.TryRead(outbox, other.PublicKey, out _));
    }

    [Fact]
    public void Import_HumanOutput_ShowsTheSummaryTable()
    {
        ThreeItems();

        var result = _home.Expect(ExitCodes.Ok, "import", Write());

        Assert.Contains("new reports", result.Output, StringComparison.Ordinal);
        Assert.Contains("follow-ups linked to their report", result.Output, StringComparison.Ordinal);
        Assert.Contains("Outbox:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_SameBundleTwice_ChangesNothingAndAcknowledgesAgain()
    {
        ThreeItems();
        var path = Write();
        Import(path);
        var before = ListVault().ToJsonString();

        var second = Import(path);

        Assert.Equal(0, (int)second["newReports"]!);
        Assert.Equal(3, (int)second["duplicates"]!);
        Assert.Equal(before, ListVault().ToJsonString());
        Assert.True(Outbox.TryRead(File.ReadAllText((string)second["outbox"]!), _alice.SigningKey, out var body));
        Assert.Equal(3, body.Acks.Count);
        // One outbox at a time: the pending one carries the acknowledgements again, no second file.
        Assert.EndsWith("2026-11-26-1.json", (string)second["outbox"]!, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_home.Path("outbox"), "*.json"));
    }

    [Fact]
    public void Import_FlippedByteInOneItem_QuarantinesItAndImportsTheOthers()
    {
        ThreeItems();
        var path = Write();
        var bytes = File.ReadAllBytes(path);
        var offset = _export.ItemsOffset() + _export.Entries[0].Envelope.Length + 200;
        bytes[offset] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var summary = Import(path);

        var quarantined = Assert.Single(summary["quarantined"]!.AsArray());
        Assert.Equal(_export.Entries[1].Id, (string?)quarantined!["id"]);
        Assert.Contains("hash", (string)quarantined["reason"]!, StringComparison.Ordinal);
        Assert.Equal(1, (int)summary["newReports"]!);
        Assert.Equal(1, (int)summary["followUps"]!);
        Assert.Equal(0, (int)summary["followUpsLinked"]!);
        Assert.Equal(2, ListVault().Count);
        Assert.True(Outbox.TryRead(File.ReadAllText((string)summary["outbox"]!), _alice.SigningKey, out var body));
        Assert.DoesNotContain(_export.Entries[1].Id, body.Acks);

        var quarantine = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "list", "--quarantine", "--json").Output)!.AsArray();
        Assert.Equal(_export.Entries[1].Id, (string?)Assert.Single(quarantine)!["id"]);
    }

    [Fact]
    public void Import_QuarantinedItemArrivingIntact_IsImportedAndLeavesQuarantine()
    {
        ThreeItems();
        var path = Write();
        var bytes = File.ReadAllBytes(path);
        bytes[_export.ItemsOffset() + 100] ^= 0x80;
        File.WriteAllBytes(path, bytes);
        Import(path);

        var again = Import(Write());

        Assert.Equal(1, (int)again["newReports"]!);
        Assert.Equal(2, (int)again["duplicates"]!);
        Assert.Empty(JsonNode.Parse(_home.Expect(ExitCodes.Ok, "list", "--quarantine", "--json").Output)!.AsArray());
    }

    [Fact]
    public void Import_DroppedItemBytes_IsRefusedAsTruncated()
    {
        ThreeItems();
        var path = Write();
        var bytes = File.ReadAllBytes(path);
        var start = (int)_export.ItemsOffset() + _export.Entries[0].Envelope.Length;
        File.WriteAllBytes(path, [.. bytes[..start], .. bytes[(start + _export.Entries[1].Envelope.Length)..]]);

        AssertRefusedAndNothingImported(path, "truncated");
    }

    [Fact]
    public void Import_NonContiguousSequence_IsRefusedAndNamesTheGap()
    {
        ThreeItems();
        _export.Report(_alice, "fourth");
        _export.Entries[2].Sequence = 4;
        _export.Entries[3].Sequence = 5;
        _export.To = 5;

        AssertRefusedAndNothingImported(Write(), "missing or out of place: 3");
    }

    [Fact]
    public void Import_SwappedItems_IsRefused()
    {
        _export.Report(_alice, "one");
        _export.Report(_alice, "two");
        _export.Report(_alice, "three");
        var path = Write();
        var bytes = File.ReadAllBytes(path);
        var start = (int)_export.ItemsOffset();
        var a = _export.Entries[0].Envelope.Length;
        var b = _export.Entries[1].Envelope.Length;
        Assert.Equal(a, b);
        File.WriteAllBytes(path, [.. bytes[..start], .. bytes[(start + a)..(start + a + b)], .. bytes[start..(start + a)], .. bytes[(start + a + b)..]]);

        AssertRefusedAndNothingImported(path, "reordered");
    }

    [Fact]
    public void Import_FlippedByteInManifest_IsRefusedAsBadSignature()
    {
        ThreeItems();
        var path = Write();
        var bytes = File.ReadAllBytes(path);
        var manifest = System.Text.Encoding.UTF8.GetString(bytes);
        var at = manifest.IndexOf("2026-11-25", StringComparison.Ordinal);
        bytes[at + 9] = (byte)'6';
        File.WriteAllBytes(path, bytes);

        AssertRefusedAndNothingImported(path, "signature does not verify");
    }

    [Fact]
    public void Import_FlippedByteInSignature_IsRefused()
    {
        ThreeItems();
        var path = Write();
        var bytes = File.ReadAllBytes(path);
        bytes[_export.ItemsOffset() - 10] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        AssertRefusedAndNothingImported(path, "signature does not verify");
    }

    [Fact]
    public void Import_SignedByAnotherServerKey_IsRefusedNamingTheKey()
    {
        ThreeItems();
        using var other = Ed25519SecretKey.Generate();
        _home.Expect(ExitCodes.Ok, "server", "trust", other.PublicKey.ToBase64(), "--replace");

        AssertRefusedAndNothingImported(Write(), "not the pinned key");
    }

    [Fact]
    public void Import_TrailingData_IsRefused()
    {
        ThreeItems();
        var path = Write();
        File.AppendAllText(path, "x");

        AssertRefusedAndNothingImported(path, "appended");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5000)]
    [InlineData(-1)]
    public void Import_TruncatedFile_IsRefused(int cut)
    {
        ThreeItems();
        var path = Write();
        var bytes = File.ReadAllBytes(path);
        var length = cut > 0 ? bytes.Length - cut : (int)_export.ItemsOffset() - 70;
        File.WriteAllBytes(path, bytes[..length]);

        AssertRefusedAndNothingImported(path, "truncated");
    }

    [Fact]
    public void Import_NotABundle_IsRefused()
    {
        var path = _home.Path("junk.bundle");
        File.WriteAllText(path, "hello, this is not a bundle");

        AssertRefusedAndNothingImported(path, "wrong magic");
    }

    [Fact]
    public void Import_WrongPassphrase_ExitsLockedAndImportsNothing()
    {
        ThreeItems();
        var path = Write();
        _home.Variables[ConsoleEnvironment.PassphraseVariable] = "not my passphrase at all";

        _home.Expect(ExitCodes.Locked, "import", path);

        Assert.False(File.Exists(_home.Path("vault", "vault.db")));
    }

    [Fact]
    public void Import_WithoutPinnedServerKey_Fails()
    {
        ThreeItems();
        File.Delete(_home.Path("server.pub"));

        var result = _home.Expect(ExitCodes.Failure, "import", Write());

        Assert.Contains("server trust", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_BundleForAnotherReviewer_IsRefused()
    {
        ThreeItems();
        _export.Reviewer = "bob";

        var result = _home.Expect(ExitCodes.Failure, "import", Write());

        Assert.Contains("'bob'", result.Errors, StringComparison.Ordinal);
        Assert.Empty(ListVault());
    }

    [Fact]
    public void Import_LaterBundleWithGap_ReportsTheMissingNumbers()
    {
        _export.Report(_alice, "one");
        _export.Report(_alice, "two");
        Import(Write());

        using var later = new ExportBuilder { From = 5 };
        _home.Expect(ExitCodes.Ok, "server", "trust", later.ServerKeyBase64, "--replace");
        later.Report(_alice, "five");
        later.Omit("deleted");
        var summary = Import(later.WriteTo(_home.Root, "later.bundle"));

        Assert.Equal(["3–4"], summary["gaps"]!.AsArray().Select(g => (string?)g));
        Assert.Equal([6L], summary["deletedBeforeImport"]!.AsArray().Select(g => (long)g!));
        Assert.Equal(1, (int)summary["newReports"]!);
    }

    [Fact]
    public void Import_OldBundleAfterNewerOne_IsNotedAsOld()
    {
        _export.Report(_alice, "one");
        var old = _export.WriteTo(_home.Root, "old.bundle");
        _export.Report(_alice, "two");
        Import(Write());

        var summary = Import(old);

        Assert.Contains("old bundle", (string)summary["note"]!, StringComparison.Ordinal);
        Assert.Equal(1, (int)summary["duplicates"]!);
    }

    [Fact]
    public void Import_FollowUpWithBadSignature_IsQuarantined()
    {
        var codename = Witness.Codename();
        var impostor = Witness.Codename();
        _export.Report(_alice, "report", codename);
        var envelope = Witness.FollowUp(_alice.EncryptionKey, "forged");
        _export.Add("follow-up", envelope, codename.MailboxKey.PublicKey.ToBase64(), Convert.ToBase64String(impostor.SignFollowUp(Witness.Hash(envelope))));

        var summary = Import(Write());

        Assert.Contains("follow-up signature", (string)Assert.Single(summary["quarantined"]!.AsArray())!["reason"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_ReportFiledUnderAnotherMailbox_IsKeptButCannotBeRepliedTo()
    {
        // The witness's report is not lost for where the server filed it; reply refuses it (ReplyCommandTests).
        var codename = Witness.Codename();
        var entry = _export.Report(_alice, "report", codename);
        entry.Mailbox = Witness.Codename().MailboxKey.PublicKey.ToBase64();

        var summary = Import(Write());

        Assert.Empty(summary["quarantined"]!.AsArray());
        Assert.Equal(1, (int)summary["newReports"]!);
        Assert.False((bool)JsonNode.Parse(_home.Expect(ExitCodes.Ok, "show", entry.Id, "--json").Output)!["canReply"]!);
    }

    [Fact]
    public void Import_EnvelopeNotForThisReviewer_IsQuarantined()
    {
        using var stranger = X25519SecretKey.Generate();
        _export.Add("report", Witness.Report(stranger.PublicKey, "not for alice"));
        _export.Report(_alice, "for alice");

        var summary = Import(Write());

        Assert.Contains("NoMatchingKey", (string)Assert.Single(summary["quarantined"]!.AsArray())!["reason"]!, StringComparison.Ordinal);
        Assert.Equal(1, (int)summary["newReports"]!);
    }

    [Fact]
    public void Import_FollowUpBeforeItsReport_IsLinkedWhenTheReportArrives()
    {
        var codename = Witness.Codename();
        _export.FollowUp(_alice, codename, "early follow-up");
        Import(Write());

        using var later = new ExportBuilder { From = 2 };
        _home.Expect(ExitCodes.Ok, "server", "trust", later.ServerKeyBase64, "--replace");
        later.Report(_alice, "the report", codename);
        var summary = Import(later.WriteTo(_home.Root, "later.bundle"));

        Assert.Equal(1, (int)summary["followUpsLinked"]!);
        var list = ListVault();
        Assert.Equal((string?)list[1]!["id"], (string?)list[0]!["caseId"]);
    }

    [Fact]
    public void Import_OwnReply_IsStoredInTheThread()
    {
        var codename = Witness.Codename();
        _export.Report(_alice, "report", codename);
        var reply = Witness.Reply(_alice.EncryptionKey, codename.ReplyKey.PublicKey, "alice", "thank you, we are looking into it");
        // The test plays the console that sent the reply: only a holder of alice's signing key could sign it.
        var (_, identity) = UnlockAlice();
        using (identity)
        {
            var signature = identity.SignReply(codename.MailboxKey.PublicKey, Witness.Hash(reply));
            _export.Add("reply", reply, codename.MailboxKey.PublicKey.ToBase64(), Convert.ToBase64String(signature), "alice");
        }

        var summary = Import(Write());

        Assert.Equal(1, (int)summary["replies"]!);
        var list = ListVault();
        Assert.Equal("reply", (string?)list[1]!["kind"]);
        Assert.Equal((string?)list[0]!["id"], (string?)list[1]!["caseId"]);
        Assert.Equal("thank you, we are looking into it", (string?)list[1]!["text"]);
    }

    [Fact]
    public void Import_ReplyFromUnknownReviewer_IsQuarantinedWithAHint()
    {
        var codename = Witness.Codename();
        _export.Report(_alice, "report", codename);
        using var bob = Ed25519SecretKey.Generate();
        var reply = Witness.Reply(_alice.EncryptionKey, codename.ReplyKey.PublicKey, "bob", "hello");
        var signature = bob.Sign(Signatures.ReplyMessage(codename.MailboxKey.PublicKey, Witness.Hash(reply)));
        _export.Add("reply", reply, codename.MailboxKey.PublicKey.ToBase64(), Convert.ToBase64String(signature), "bob");

        var summary = Import(Write());

        Assert.Contains("bundle install", (string)Assert.Single(summary["quarantined"]!.AsArray())!["reason"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void OutboxWrite_AfterImportWithoutOutbox_AcknowledgesEverythingOnce()
    {
        ThreeItems();
        _home.Expect(ExitCodes.Ok, "import", Write(), "--no-outbox");
        Assert.False(Directory.Exists(_home.Path("outbox")));

        var first = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "outbox", "write", "--json").Output)!;
        var second = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "outbox", "write", "--json").Output)!;
        var all = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "outbox", "write", "--all", "--json").Output)!;

        Assert.Equal(3, (int)first["acknowledged"]!);
        Assert.True(Outbox.TryRead(File.ReadAllText((string)first["outbox"]!), _alice.SigningKey, out var body));
        Assert.Equal(3, body.Acks.Count);
        Assert.Equal(0, (int)second["acknowledged"]!);
        Assert.Equal(3, (int)all["acknowledged"]!);
    }

    [Fact]
    public void Search_FindsReportsThroughTheBlindIndex()
    {
        _export.Report(_alice, "Police officers at the North station");
        _export.Report(_alice, "警察在旺角警署打人");
        Import(Write());

        JsonArray Search(string words) => JsonNode.Parse(_home.Expect(ExitCodes.Ok, "search", words, "--json").Output)!.AsArray();

        Assert.Equal("Police officers at the North station", (string?)Assert.Single(Search("north POLICE"))!["what"]);
        Assert.Equal("警察在旺角警署打人", (string?)Assert.Single(Search("旺角"))!["what"]);
        Assert.Single(Search("警署"));
        Assert.Empty(Search("harbour"));
        Assert.Equal(2, Search("station").Count);
    }

    private (object, ReviewerIdentity) UnlockAlice()
    {
        var opened = Keyfile.Open(File.ReadAllBytes(_home.Path("reviewer.key")), TestHome.Passphrase);
        Assert.True(opened.IsReviewer);
        return (opened, opened.Reviewer);
    }
}
