using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;

namespace SafeIntake.Intake.Web.Tests.Endpoints;

/// <summary>
/// <c>POST /api/v1/replies</c> from the reviewer console: accepted only when a reviewer of the current bundle signed
/// exactly these bytes for this mailbox (envelope-v1.md §7.2) and the mailbox has a report.
/// </summary>
public sealed class ReplyTests(IntakeApplicationFactory factory) : IClassFixture<IntakeApplicationFactory>
{
    [Fact]
    public async Task PostReply_SignedByTheDemoReviewer_Returns201_AndTheWitnessReadsIt()
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(factory.DemoPath);
        var mailbox = keys.MailboxKey.PublicKey;
        var reply = await SealReplyAsync(witness, keys, "Thank you. Are you safe now?");
        var signature = Convert.ToBase64String(reviewer.Identity.SignReply(mailbox, WitnessClient.EnvelopeHash(reply)));
        var before = factory.Snapshot();

        using var response = await witness.PostReplyAsync(reply, mailbox.ToBase64(), "demo", signature);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = created.RootElement.GetProperty("id").GetString()!;
        Assert.Equal(before.Envelopes + 1, factory.Snapshot().Envelopes);
        Assert.Equal(reply, await File.ReadAllBytesAsync(StoreSnapshot.BlobFile(factory.DataPath, id)));

        var contents = await witness.CheckMailboxAsync(keys);
        var item = Assert.Single(contents.GetProperty("replies").EnumerateArray());
        Assert.Equal(id, item.GetProperty("id").GetString());
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), item.GetProperty("day").GetString());
        Assert.Equal("demo", item.GetProperty("reviewer").GetString());
        Assert.Equal(signature, item.GetProperty("signature").GetString());
        var served = Convert.FromBase64String(item.GetProperty("envelope").GetString()!);
        Assert.Equal(reply, served);

        // What the page then does: verify under the bundle's key for that reviewer, open with the codename's reply key.
        var bundle = await witness.GetBundleAsync();
        var signer = bundle.Bundle.FindReviewer("demo")!.SigningKey;
        Assert.True(Signatures.VerifyReply(signer, mailbox, WitnessClient.EnvelopeHash(served), Convert.FromBase64String(signature)));
        using var stream = new MemoryStream(served);
        var opened = EnvelopeOpener.Open(stream, [keys.ReplyKey], new MemoryEnvelopeSink());
        Assert.True(opened.IsSuccess, opened.Detail);
        Assert.Equal("Thank you. Are you safe now?", opened.Manifest!.Root.GetProperty("text").GetString());
    }

    [Fact]
    public async Task PostReply_SignedByAKeyNotInTheBundle_Returns422SignatureInvalid_AndStoresNothing()
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var impostor = ReviewerIdentity.Generate();
        var mailbox = keys.MailboxKey.PublicKey;
        var reply = await SealReplyAsync(witness, keys, "Send us your home address.");
        var before = factory.Snapshot();

        using var response = await witness.PostReplyAsync(reply, mailbox.ToBase64(), "demo",
            Convert.ToBase64String(impostor.SignReply(mailbox, WitnessClient.EnvelopeHash(reply))));

        await ProblemAssert.IsAsync(response, "signature-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
        Assert.Equal(0, (await witness.CheckMailboxAsync(keys)).GetProperty("replies").GetArrayLength());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(-1)]
    public async Task PostReply_ByteFlippedAfterSigning_Returns422_AndStoresNothing(int position)
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(factory.DemoPath);
        var mailbox = keys.MailboxKey.PublicKey;
        var reply = await SealReplyAsync(witness, keys, "Genuine words.");
        var signature = Convert.ToBase64String(reviewer.Identity.SignReply(mailbox, WitnessClient.EnvelopeHash(reply)));
        var index = position < 0 ? reply.Length - 1 : position;
        reply[index] ^= 0x01;
        var before = factory.Snapshot();

        using var response = await witness.PostReplyAsync(reply, mailbox.ToBase64(), "demo", signature);

        // A flip in the magic also breaks the header's shape; everywhere else only the signature tells.
        await ProblemAssert.IsAsync(response, position == 0 ? "envelope-invalid" : "signature-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task PostReply_SignatureForAnotherMailbox_Returns422SignatureInvalid_AndStoresNothing()
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var other = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(factory.DemoPath);
        var reply = await SealReplyAsync(witness, keys, "Meant for someone else.");
        var signature = Convert.ToBase64String(reviewer.Identity.SignReply(other.MailboxKey.PublicKey, WitnessClient.EnvelopeHash(reply)));
        var before = factory.Snapshot();

        using var response = await witness.PostReplyAsync(reply, keys.MailboxKey.PublicKey.ToBase64(), "demo", signature);

        await ProblemAssert.IsAsync(response, "signature-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/offset+octet-stream")]
    [InlineData("text/plain")]
    public async Task PostReply_WrongContentType_Returns415UnsupportedMediaType_AndStoresNothing(string mediaType)
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(factory.DemoPath);
        var mailbox = keys.MailboxKey.PublicKey;
        var reply = await SealReplyAsync(witness, keys, "Right bytes, wrong label.");
        var signature = Convert.ToBase64String(reviewer.Identity.SignReply(mailbox, WitnessClient.EnvelopeHash(reply)));
        var before = factory.Snapshot();

        using var response = await witness.PostReplyAsync(reply, mailbox.ToBase64(), "demo", signature, mediaType);

        await ProblemAssert.IsAsync(response, "unsupported-media-type");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("DEMO")]
    public async Task PostReply_ReviewerNotInTheBundle_Returns400BadRequest_AndStoresNothing(string? reviewerId)
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(factory.DemoPath);
        var mailbox = keys.MailboxKey.PublicKey;
        var reply = await SealReplyAsync(witness, keys, "Who am I?");
        var signature = Convert.ToBase64String(reviewer.Identity.SignReply(mailbox, WitnessClient.EnvelopeHash(reply)));
        var before = factory.Snapshot();

        using var response = await witness.PostReplyAsync(reply, mailbox.ToBase64(), reviewerId, signature);

        await ProblemAssert.IsAsync(response, "bad-request");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Theory]
    [InlineData("mailbox")]
    [InlineData("signature")]
    public async Task PostReply_MissingOrMalformedHeader_Returns400BadRequest_AndStoresNothing(string which)
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(factory.DemoPath);
        var mailbox = keys.MailboxKey.PublicKey;
        var reply = await SealReplyAsync(witness, keys, "Headers matter.");
        var signature = Convert.ToBase64String(reviewer.Identity.SignReply(mailbox, WitnessClient.EnvelopeHash(reply)));
        var before = factory.Snapshot();

        using var missing = await witness.PostReplyAsync(reply, which == "mailbox" ? null : mailbox.ToBase64(), "demo", which == "signature" ? null : signature);
        using var malformed = await witness.PostReplyAsync(reply, which == "mailbox" ? "AAAA" : mailbox.ToBase64(), "demo", which == "signature" ? signature[..80] : signature);

        await ProblemAssert.IsAsync(missing, "bad-request");
        await ProblemAssert.IsAsync(malformed, "bad-request");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task PostReply_ToAMailboxWithNoReport_Returns422MailboxUnknown_AndStoresNothing()
    {
        using var witness = factory.CreateWitness();
        Assert.True(Codename.TryDeriveKeys(Codename.Generate(), out var keys));
        using (keys)
        {
            using var reviewer = DemoReviewer.Open(factory.DemoPath);
            var mailbox = keys.MailboxKey.PublicKey;
            var reply = await SealReplyAsync(witness, keys, "To nobody.");
            var before = factory.Snapshot();

            using var response = await witness.PostReplyAsync(reply, mailbox.ToBase64(), "demo",
                Convert.ToBase64String(reviewer.Identity.SignReply(mailbox, WitnessClient.EnvelopeHash(reply))));

            await ProblemAssert.IsAsync(response, "mailbox-unknown");
            ProblemAssert.NothingLeft(before, factory.Snapshot());
        }
    }

    [Fact]
    public async Task PostReply_SignedGarbageThatIsNoEnvelope_Returns422EnvelopeInvalid_AndStoresNothing()
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(factory.DemoPath);
        var mailbox = keys.MailboxKey.PublicKey;
        var garbage = "plain text the reviewer forgot to seal"u8.ToArray();
        var before = factory.Snapshot();

        using var response = await witness.PostReplyAsync(garbage, mailbox.ToBase64(), "demo",
            Convert.ToBase64String(reviewer.Identity.SignReply(mailbox, WitnessClient.EnvelopeHash(garbage))));

        await ProblemAssert.IsAsync(response, "envelope-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    private static async Task<byte[]> SealReplyAsync(WitnessClient witness, CodenameKeys keys, string text)
    {
        var bundle = await witness.GetBundleAsync();
        return WitnessClient.Seal([keys.ReplyKey.PublicKey], bundle.Hash.ToArray(), "reply", new JsonObject { ["text"] = text }, []);
    }
}
