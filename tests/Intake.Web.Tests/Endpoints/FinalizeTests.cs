using System.Net;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;

namespace SafeIntake.Intake.Web.Tests.Endpoints;

/// <summary>
/// What finalize checks before it commits (intake-api.md, upload step 4): the header's shape (envelope-v1.md §9
/// rules 1–6), a bundle this server served, and for a follow-up the §7.2 signature and a mailbox with a report. Every
/// refusal deletes the upload and stores nothing.
/// </summary>
public sealed class FinalizeTests(IntakeApplicationFactory factory) : IClassFixture<IntakeApplicationFactory>
{
    public static TheoryData<string> HeaderBreaks => ["magic", "version", "suite", "count 0", "count 65", "64 copies of one stanza", "duplicate stanzas", "all zeros"];

    [Theory]
    [MemberData(nameof(HeaderBreaks))]
    public async Task Finalize_EnvelopeBreakingAHeaderRule_Returns422EnvelopeInvalid_AndDeletesTheUpload(string breaks)
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var envelope = Break(await witness.SealReportAsync("Tampered on the way."), breaks);

        var (response, uploadId) = await SubmitAsync(witness, envelope);

        using (response)
        {
            await ProblemAssert.IsAsync(response, "envelope-invalid");
        }

        await AssertUploadGoneAsync(witness, uploadId);
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task Finalize_UnknownBundleHash_Returns422UnknownBundle_AndStoresNothing()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var envelope = await witness.SealAsync("report", new JsonObject { ["text"] = "Sealed to keys from elsewhere." }, [],
            bundleHash: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        var (response, uploadId) = await SubmitAsync(witness, envelope);

        using (response)
        {
            await ProblemAssert.IsAsync(response, "unknown-bundle");
        }

        await AssertUploadGoneAsync(witness, uploadId);
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task Finalize_ReportWithMailbox_RecordsTheMailbox()
    {
        using var witness = factory.CreateWitness();
        using var keys = Witnesses.NewCodenameKeys();
        var before = factory.Snapshot();

        await witness.SubmitOkAsync(await witness.SealReportAsync("Reply to me."), mailbox: keys.MailboxKey.PublicKey.ToBase64());

        var id = Assert.Single(factory.Snapshot().Blobs.Except(before.Blobs));
        var row = Assert.Single(StoreSnapshot.Query(factory.DataPath, $"SELECT MailboxId, MailboxKey, Kind FROM Envelopes WHERE Id = '{id}'"));
        Assert.Equal(keys.MailboxId, row["MailboxId"]);
        Assert.Equal(keys.MailboxKey.PublicKey.ToBase64(), row["MailboxKey"]);
        Assert.Equal("1", row["Kind"]);
    }

    [Fact]
    public async Task Finalize_FollowUpSignedByTheMailboxOfAReport_IsStored_AndCountedInTheMailbox()
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        var before = factory.Snapshot();
        var followUp = await SealFollowUpAsync(witness, "I remembered the car's number.");

        await witness.SubmitOkAsync(followUp, "follow-up", keys.MailboxKey.PublicKey.ToBase64(),
            Convert.ToBase64String(keys.SignFollowUp(WitnessClient.EnvelopeHash(followUp))));

        var id = Assert.Single(factory.Snapshot().Blobs.Except(before.Blobs));
        var row = Assert.Single(StoreSnapshot.Query(factory.DataPath, $"SELECT Kind, MailboxId FROM Envelopes WHERE Id = '{id}'"));
        Assert.Equal("2", row["Kind"]);
        Assert.Equal(keys.MailboxId, row["MailboxId"]);
        var mailbox = await witness.CheckMailboxAsync(keys);
        Assert.Equal(1, mailbox.GetProperty("followUps").GetInt32());
        Assert.Equal(0, mailbox.GetProperty("replies").GetArrayLength());
    }

    /// <summary>Sets the unused low bits of the last base64 digit before "==": it decodes to the same bytes.</summary>
    private static string NonCanonical(string canonical)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var last = canonical.Length - 3;
        var digit = alphabet.IndexOf(canonical[last], StringComparison.Ordinal) | 0b1111;
        return canonical[..last] + alphabet[digit] + canonical[(last + 1)..];
    }

    public static TheoryData<string> BadFollowUpSignatures => ["over another envelope", "by another mailbox key", "missing", "empty", "not base64", "truncated", "flipped bit", "non-canonical padding bits", "line break inside"];

    [Theory]
    [MemberData(nameof(BadFollowUpSignatures))]
    public async Task Finalize_FollowUpWithABadSignature_Returns422SignatureInvalid_AndDeletesTheUpload(string how)
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var stranger = Witnesses.NewCodenameKeys();
        var before = factory.Snapshot();
        var followUp = await SealFollowUpAsync(witness, "A forged follow-up.");
        var good = keys.SignFollowUp(WitnessClient.EnvelopeHash(followUp));
        var signature = how switch
        {
            "over another envelope" => Convert.ToBase64String(keys.SignFollowUp(WitnessClient.EnvelopeHash(await SealFollowUpAsync(witness, "other")))),
            "by another mailbox key" => Convert.ToBase64String(stranger.SignFollowUp(WitnessClient.EnvelopeHash(followUp))),
            "missing" => null,
            "empty" => "",
            "not base64" => "this is not base64 at all!",
            "truncated" => Convert.ToBase64String(good.AsSpan(0, 63)),
            "flipped bit" => Convert.ToBase64String(Flip(good, 10)),
            // The same 64 bytes to .NET's lenient decoder, refused by the console's strict one: the server must agree.
            "non-canonical padding bits" => NonCanonical(Convert.ToBase64String(good)),
            "line break inside" => Convert.ToBase64String(good).Insert(44, "\n"),
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };

        var (response, uploadId) = await SubmitAsync(witness, followUp, "follow-up", keys.MailboxKey.PublicKey.ToBase64(), signature);

        using (response)
        {
            await ProblemAssert.IsAsync(response, "signature-invalid");
        }

        await AssertUploadGoneAsync(witness, uploadId);
        ProblemAssert.NothingLeft(before, factory.Snapshot());
        Assert.Equal(0, (await witness.CheckMailboxAsync(keys)).GetProperty("followUps").GetInt32());
    }

    [Fact]
    public async Task Finalize_FollowUpForAMailboxWithNoReport_Returns422MailboxUnknown_AndDeletesTheUpload()
    {
        using var witness = factory.CreateWitness();
        using var keys = Witnesses.NewCodenameKeys();
        var before = factory.Snapshot();
        var followUp = await SealFollowUpAsync(witness, "Nobody filed a report with this codename.");

        var (response, uploadId) = await SubmitAsync(witness, followUp, "follow-up", keys.MailboxKey.PublicKey.ToBase64(),
            Convert.ToBase64String(keys.SignFollowUp(WitnessClient.EnvelopeHash(followUp))));

        using (response)
        {
            await ProblemAssert.IsAsync(response, "mailbox-unknown");
        }

        await AssertUploadGoneAsync(witness, uploadId);
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task Finalize_FollowUpWhoseOnlyMailboxEnvelopeIsAFollowUp_IsNotAReport_Returns422MailboxUnknown()
    {
        // A mailbox exists only through a report: replies and follow-ups never create one.
        using var witness = factory.CreateWitness();
        using var keys = Witnesses.NewCodenameKeys();
        var before = factory.Snapshot();
        var followUp = await SealFollowUpAsync(witness, "Still nobody.");
        var signature = Convert.ToBase64String(keys.SignFollowUp(WitnessClient.EnvelopeHash(followUp)));

        var (first, _) = await SubmitAsync(witness, followUp, "follow-up", keys.MailboxKey.PublicKey.ToBase64(), signature);
        var (second, _) = await SubmitAsync(witness, followUp, "follow-up", keys.MailboxKey.PublicKey.ToBase64(), signature);

        using (first)
        using (second)
        {
            await ProblemAssert.IsAsync(first, "mailbox-unknown");
            await ProblemAssert.IsAsync(second, "mailbox-unknown");
        }

        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    private static Task<byte[]> SealFollowUpAsync(WitnessClient witness, string text) =>
        witness.SealAsync("follow-up", new JsonObject { ["text"] = text, ["lang"] = "en" }, []);

    /// <summary>Create, upload every byte, finalize: the finalize answer and the upload id.</summary>
    private static async Task<(HttpResponseMessage Response, string UploadId)> SubmitAsync(
        WitnessClient witness, byte[] envelope, string kind = "report", string? mailbox = null, string? signature = null)
    {
        var ticket = await witness.CreateUploadAsync(envelope.Length, kind, mailbox);
        await witness.UploadRangeAsync(ticket, envelope, 0, envelope.Length);
        return (await witness.FinalizeAsync(ticket.Id, signature), ticket.Id);
    }

    private async Task AssertUploadGoneAsync(WitnessClient witness, string id)
    {
        using var head = await witness.HeadAsync(id);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.False(File.Exists(StoreSnapshot.UploadFile(factory.DataPath, id)), "the refused upload's file is still on disk");
        Assert.Empty(StoreSnapshot.Query(factory.DataPath, $"SELECT Id FROM Uploads WHERE Id = '{id}'"));
    }

    private static byte[] Flip(byte[] bytes, int index)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] ^= 0x01;
        return copy;
    }

    /// <summary>One envelope that breaks one rule of envelope-v1.md §9 (1–6), everything else intact.</summary>
    private static byte[] Break(byte[] envelope, string rule)
    {
        var e = (byte[])envelope.Clone();
        switch (rule)
        {
            case "magic":
                e[0] = (byte)'X';
                return e;
            case "version":
                e[8] = 0x02;
                return e;
            case "suite":
                e[9] = 0x02;
                return e;
            case "count 0":
                e[58] = 0;
                e[59] = 0;
                return e;
            case "count 65":
                e[58] = 0;
                e[59] = 65;
                return e;
            case "64 copies of one stanza":
                return DuplicateFirstStanza(e, 64);
            case "duplicate stanzas":
                return DuplicateFirstStanza(e, 2);
            case "all zeros":
                return new byte[e.Length];
            default:
                throw new ArgumentOutOfRangeException(nameof(rule));
        }
    }

    /// <summary>A header that lists the first stanza <paramref name="count"/> times (rule 6: duplicate ephemeral keys).</summary>
    private static byte[] DuplicateFirstStanza(byte[] envelope, int count)
    {
        const int fixedLength = 60;
        const int stanza = 80;
        var output = new List<byte>(envelope.Length + (stanza * (count - 1)));
        output.AddRange(envelope.AsSpan(0, fixedLength + stanza).ToArray());
        for (var i = 1; i < count; i++)
        {
            output.AddRange(envelope.AsSpan(fixedLength, stanza).ToArray());
        }

        output.AddRange(envelope.AsSpan(fixedLength + stanza).ToArray());
        var bytes = output.ToArray();
        bytes[58] = (byte)(count >> 8);
        bytes[59] = (byte)count;
        return bytes;
    }
}
