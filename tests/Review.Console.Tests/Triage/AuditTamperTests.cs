using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Tests.Support;
using SafeIntake.Review.Console.Triage;
using Sodium;

namespace SafeIntake.Review.Console.Tests.Triage;

/// <summary>
/// Someone with the vault file but not alice's keys edits the audit log with plain SQLite (every console run has
/// closed the vault by then); <c>audit verify</c> must exit 1 and name what was done. The log holds six entries:
/// 1 import, 2 set-status A, 3 set-severity A, 4 tag B, 5 note C, 6 assign A.
/// </summary>
public sealed class AuditTamperTests : IDisposable
{
    private readonly TriageHome _t = new();
    private readonly string _a;
    private readonly string _b;
    private readonly string _c;

    public AuditTamperTests()
    {
        _a = _t.Report("first");
        _b = _t.Report("second");
        _c = _t.Report("third");
        _t.Import();
        _t.Json("set-status", _a, "triaged");
        _t.Json("set-severity", _a, "high");
        _t.Json("tag", _b, "police");
        _t.Json("note", _c, "--text", "internal");
        _t.Json("assign", _a, "me");
    }

    public void Dispose() => _t.Dispose();

    [Fact]
    public void Verify_Untouched_IsIntact()
    {
        var result = _t.Expect(ExitCodes.Ok, "audit", "verify");

        Assert.Contains("The audit log is intact", result.Output, StringComparison.Ordinal);
        Assert.Contains("6 entries", result.Output, StringComparison.Ordinal);
        Assert.Contains("Head: 6:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_ListsEveryEntryInOrderWithItsAction()
    {
        var entries = _t.Audit();

        Assert.Equal([1L, 2, 3, 4, 5, 6], entries.Select(e => (long)e!["sequence"]!));
        Assert.Equal(["import", "set-status", "set-severity", "tag", "note", "assign"], entries.Select(e => (string?)e!["action"]));
        Assert.Equal([null, _a, _a, _b, _c, _a], entries.Select(e => (string?)e!["caseId"]));
        Assert.All(entries, e => Assert.Equal("alice", (string?)e!["reviewerId"]));
        Assert.All(entries, e => Assert.Equal(_t.Home.Now, (DateTimeOffset)e!["at"]!));
        Assert.Equal("police", (string?)entries[3]!["details"]!["tags"]);
    }

    [Fact]
    public void Show_Case_ListsOnlyThatReportsEntries()
    {
        Assert.Equal([2L, 3, 6], _t.Audit("--case", _a[..8]).Select(e => (long)e!["sequence"]!));
        Assert.Equal(["note"], _t.Audit("--case", _c).Select(e => (string?)e!["action"]));
        Assert.Contains("not a report id", _t.Expect(ExitCodes.Usage, "audit", "show", "--case", "abc").Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_HumanOutput_IsATableWithTheCount()
    {
        var result = _t.Expect(ExitCodes.Ok, "audit", "show");

        Assert.Contains("Audit log", result.Output, StringComparison.Ordinal);
        Assert.Contains("set-severity", result.Output, StringComparison.Ordinal);
        Assert.Contains("6 entries", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void EntryCell_OneByteFlipped_IsCaught()
    {
        var cell = Cell(3, "Entry");
        cell[cell.Length / 2] ^= 0x01;
        Set(3, "Entry", cell);

        var problems = AssertAltered();

        Assert.Contains("entry 3 does not chain to the entry before it (edited, removed or reordered)", problems);
        Assert.Contains("entry 3 does not decrypt (edited or moved)", problems);
        Assert.DoesNotContain(problems, p => p.StartsWith("entry 2 ", StringComparison.Ordinal) || p.StartsWith("entry 4 ", StringComparison.Ordinal));
    }

    [Fact]
    public void Hash_OneByteFlipped_IsCaught()
    {
        var hash = Cell(3, "Hash");
        hash[0] ^= 0x80;
        Set(3, "Hash", hash);

        var problems = AssertAltered();

        Assert.Contains("entry 3 does not chain to the entry before it (edited, removed or reordered)", problems);
        Assert.Contains("entry 3's signature does not verify (edited)", problems);
        Assert.Contains("entry 4 does not chain to the entry before it (edited, removed or reordered)", problems);
    }

    [Fact]
    public void Signature_TakenFromAnotherEntry_IsCaught()
    {
        Set(3, "Signature", Cell(4, "Signature"));

        var problems = AssertAltered();

        Assert.Equal("entry 3's signature does not verify (edited)", Assert.Single(problems));
    }

    [Fact]
    public void MiddleEntry_Deleted_IsCaught()
    {
        Assert.Equal(1, _t.Sql("DELETE FROM AuditLog WHERE Sequence = 3"));

        var problems = AssertAltered(entries: 5);

        Assert.Contains("entries 3–3 are missing (removed)", problems);
        Assert.Contains("entry 4 does not chain to the entry before it (edited, removed or reordered)", problems);
    }

    [Fact]
    public void LastEntry_Deleted_IsCaughtByTheSealedHead()
    {
        Assert.Equal(1, _t.Sql("DELETE FROM AuditLog WHERE Sequence = 6"));

        var problems = AssertAltered(entries: 5);

        Assert.Equal("the log ends at entry 5 but its head names entry 6: the newest entries were removed", Assert.Single(problems));
    }

    [Fact]
    public void TwoEntries_SequenceNumbersSwapped_IsCaught()
    {
        _t.Sql("UPDATE AuditLog SET Sequence = -1 WHERE Sequence = 3; UPDATE AuditLog SET Sequence = 3 WHERE Sequence = 4; UPDATE AuditLog SET Sequence = 4 WHERE Sequence = -1;");

        var problems = AssertAltered();

        Assert.Contains("entry 3 does not chain to the entry before it (edited, removed or reordered)", problems);
        Assert.Contains("entry 4 does not chain to the entry before it (edited, removed or reordered)", problems);
        Assert.Contains("entry 3 does not decrypt (edited or moved)", problems);
        Assert.Contains("entry 4 does not decrypt (edited or moved)", problems);
    }

    [Fact]
    public void ReviewerId_Changed_IsCaught()
    {
        Assert.Equal(1, _t.Sql("UPDATE AuditLog SET ReviewerId = 'bob' WHERE Sequence = 2"));

        var problems = AssertAltered();

        Assert.Contains("entry 2 does not chain to the entry before it (edited, removed or reordered)", problems);
        Assert.Contains("entry 2 is signed by a key this console does not know for reviewer 'bob'", problems);
        Assert.Contains("entry 2 names another sequence number, reviewer, key or report than its row (edited)", problems);
    }

    [Fact]
    public void SigningKey_ReplacedAndWholeChainResigned_IsCaughtAsAnUnknownKey()
    {
        // The attacker recomputes every hash from entry 3 on (they are over public bytes) and signs them with a key of
        // their own: the chain holds, so only the key check, the sealed copy of the key and the sealed head can tell.
        var attacker = PublicKeyAuth.GenerateKeyPair();
        var attackerKey = Convert.ToBase64String(attacker.PublicKey);
        var previous = Cell(2, "Hash");
        for (long sequence = 3; sequence <= 6; sequence++)
        {
            var hash = AuditLog.ChainHash(previous, sequence, "alice", attackerKey, Cell(sequence, "Entry"));
            _t.Sql("UPDATE AuditLog SET SigningKey = $key, Hash = $hash, Signature = $signature WHERE Sequence = $sequence",
                ("$key", attackerKey), ("$hash", hash), ("$signature", PublicKeyAuth.SignDetached(Signatures.AuditMessage(hash), attacker.PrivateKey)),
                ("$sequence", sequence));
            previous = hash;
        }

        var problems = AssertAltered();

        Assert.Contains("entry 3 is signed by a key this console does not know for reviewer 'alice'", problems);
        Assert.Contains("entry 6 is signed by a key this console does not know for reviewer 'alice'", problems);
        Assert.Contains("entry 5 names another sequence number, reviewer, key or report than its row (edited)", problems);
        Assert.Contains("the log's head does not name its last entry (edited)", problems);
        Assert.DoesNotContain(problems, p => p.Contains("does not chain", StringComparison.Ordinal));
    }

    [Fact]
    public void Head_Deleted_IsCaught()
    {
        Assert.Equal(1, _t.Sql("DELETE FROM Settings WHERE Name = 'audit-head'"));

        var problems = AssertAltered();

        Assert.Equal("the log's head is missing: the log was removed or edited", Assert.Single(problems));
    }

    [Fact]
    public void Head_ReplacedWithAnotherSealedSetting_DoesNotDecrypt()
    {
        Assert.Equal(1, _t.Sql("UPDATE Settings SET Sealed = (SELECT Sealed FROM Settings WHERE Name = 'key-check') WHERE Name = 'audit-head'"));

        var problems = AssertAltered();

        Assert.Equal("the log's head does not decrypt (edited)", Assert.Single(problems));
    }

    [Fact]
    public void WholeLogAndHead_Deleted_IsCaughtWhileTheVaultHoldsReports()
    {
        Assert.Equal(6, _t.Sql("DELETE FROM AuditLog"));
        Assert.Equal(1, _t.Sql("DELETE FROM Settings WHERE Name = 'audit-head'"));

        var problems = AssertAltered(entries: 0);

        Assert.Contains("the log was removed", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void WholeLogAndHead_Deleted_IsNotRestartedByTheNextAction()
    {
        Assert.Equal(6, _t.Sql("DELETE FROM AuditLog"));
        Assert.Equal(1, _t.Sql("DELETE FROM Settings WHERE Name = 'audit-head'"));

        // Read as an empty log, the next entry would start a fresh chain that verifies: it must be refused instead.
        var refused = _t.Expect(ExitCodes.Failure, "set-severity", _b, "low");

        Assert.Contains("head is missing", refused.Errors, StringComparison.Ordinal);
        Assert.Contains("the log was removed", Assert.Single(AssertAltered(entries: 0)), StringComparison.Ordinal);
        Assert.NotEqual("low", (string?)_t.Json("show", _b)["summary"]!["severity"]);
    }

    [Fact]
    public void Tampered_LaterAction_DoesNotHealTheLog()
    {
        // After tampering, the reviewer keeps working: verify must keep failing, not be healed by a new entry.
        Assert.Equal(1, _t.Sql("DELETE FROM AuditLog WHERE Sequence = 6"));
        _t.Json("set-severity", _b, "low");

        var problems = AssertAltered(entries: 6);

        Assert.Contains("entries 6–6 are missing (removed)", problems);
    }

    /// <summary>Runs audit verify as text and as JSON; both must say the log was altered. Returns the problems.</summary>
    private List<string> AssertAltered(long entries = 6)
    {
        var text = _t.Expect(ExitCodes.Failure, "audit", "verify");
        Assert.Contains("The audit log was altered", text.Output, StringComparison.Ordinal);

        var json = JsonNode.Parse(_t.Expect(ExitCodes.Failure, "audit", "verify", "--json").Output)!;
        Assert.False((bool)json["intact"]!);
        Assert.Equal(entries, (long)json["entries"]!);
        var problems = json["problems"]!.AsArray().Select(p => (string)p!).ToList();
        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.Contains(p, text.Output, StringComparison.Ordinal));
        return problems;
    }

    private byte[] Cell(long sequence, string column) =>
        _t.Scalar<byte[]>($"SELECT {column} FROM AuditLog WHERE Sequence = $sequence", ("$sequence", sequence));

    private void Set(long sequence, string column, byte[] value) =>
        Assert.Equal(1, _t.Sql($"UPDATE AuditLog SET {column} = $value WHERE Sequence = $sequence", ("$value", value), ("$sequence", sequence)));
}
