using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SafeIntake.Intake.Web.Tests.Endpoints;

/// <summary>
/// The mailbox proof of envelope-v1.md §7.3 over HTTP: a challenge bound to one mailbox, signed by the codename's key,
/// accepted once; and nothing that tells a mailbox with a report from one without.
/// </summary>
public sealed class MailboxTests(IntakeApplicationFactory factory) : IClassFixture<IntakeApplicationFactory>
{
    [Fact]
    public async Task OpenMailbox_CorrectSignature_ReturnsTheRepliesAndFollowUpCount()
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(factory.DemoPath);
        var mailbox = keys.MailboxKey.PublicKey;
        var bundle = await witness.GetBundleAsync();
        var ids = new List<string>();
        foreach (var text in new[] { "First reply.", "Second reply." })
        {
            var reply = WitnessClient.Seal([keys.ReplyKey.PublicKey], bundle.Hash.ToArray(), "reply", new JsonObject { ["text"] = text }, []);
            using var posted = await witness.PostReplyAsync(reply, mailbox.ToBase64(), "demo",
                Convert.ToBase64String(reviewer.Identity.SignReply(mailbox, WitnessClient.EnvelopeHash(reply))));
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
            using var document = JsonDocument.Parse(await posted.Content.ReadAsStringAsync());
            ids.Add(document.RootElement.GetProperty("id").GetString()!);
        }

        var contents = await witness.CheckMailboxAsync(keys);

        Assert.Equal(ids, contents.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(0, contents.GetProperty("followUps").GetInt32());
    }

    [Fact]
    public async Task OpenMailbox_UnknownMailbox_Returns200WithEmptyLists_LikeAMailboxWithNoReplies()
    {
        using var witness = factory.CreateWitness();
        using var known = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var unknown = Witnesses.NewCodenameKeys();

        var knownContents = await witness.CheckMailboxAsync(known);
        var unknownContents = await witness.CheckMailboxAsync(unknown);

        Assert.Equal("{\"replies\":[],\"followUps\":0}", unknownContents.GetRawText());
        Assert.Equal(knownContents.GetRawText(), unknownContents.GetRawText());
    }

    [Fact]
    public async Task Challenge_KnownAndUnknownMailbox_AnswerAlike()
    {
        using var witness = factory.CreateWitness();
        using var known = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var unknown = Witnesses.NewCodenameKeys();

        using var a = await witness.ChallengeAsync(known.MailboxKey.PublicKey.ToBase64());
        using var b = await witness.ChallengeAsync(unknown.MailboxKey.PublicKey.ToBase64());

        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        using var da = JsonDocument.Parse(await a.Content.ReadAsStringAsync());
        using var db = JsonDocument.Parse(await b.Content.ReadAsStringAsync());
        Assert.Equal(Shape(da.RootElement), Shape(db.RootElement));
        Assert.Equal(32, Convert.FromBase64String(da.RootElement.GetProperty("challenge").GetString()!).Length);
    }

    [Fact]
    public async Task OpenMailbox_WrongSignature_Returns403ChallengeInvalid()
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var stranger = Witnesses.NewCodenameKeys();
        var mailbox = keys.MailboxKey.PublicKey.ToBase64();
        var (challenge, token) = await witness.GetChallengeAsync(mailbox);
        var flipped = keys.SignChallenge(challenge);
        flipped[0] ^= 1;

        foreach (var signature in new[]
        {
            Convert.ToBase64String(stranger.SignChallenge(challenge)),
            Convert.ToBase64String(flipped),
            Convert.ToBase64String(keys.SignChallenge(new byte[32])),
            Convert.ToBase64String(keys.SignFollowUp(challenge)),
            "not base64!",
            "",
        })
        {
            using var response = await witness.OpenMailboxAsync(mailbox, token, signature);
            await ProblemAssert.IsAsync(response, "challenge-invalid");
        }

        using var missing = await witness.OpenMailboxAsync(mailbox, token, signature: null);
        await ProblemAssert.IsAsync(missing, "challenge-invalid");
    }

    [Fact]
    public async Task OpenMailbox_ReplayedToken_Returns403ChallengeInvalid()
    {
        using var witness = factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        var mailbox = keys.MailboxKey.PublicKey.ToBase64();
        var (challenge, token) = await witness.GetChallengeAsync(mailbox);
        var signature = Convert.ToBase64String(keys.SignChallenge(challenge));
        using var first = await witness.OpenMailboxAsync(mailbox, token, signature);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var replay = await witness.OpenMailboxAsync(mailbox, token, signature);

        await ProblemAssert.IsAsync(replay, "challenge-invalid");
    }

    [Fact]
    public async Task OpenMailbox_TokenIssuedForAnotherMailbox_Returns403ChallengeInvalid()
    {
        using var witness = factory.CreateWitness();
        using var mine = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var theirs = await Witnesses.SubmitReportWithMailboxAsync(witness);
        var (challenge, token) = await witness.GetChallengeAsync(theirs.MailboxKey.PublicKey.ToBase64());

        // The token was issued for their mailbox; signing its challenge with my key must not open mine.
        using var response = await witness.OpenMailboxAsync(mine.MailboxKey.PublicKey.ToBase64(), token, Convert.ToBase64String(mine.SignChallenge(challenge)));

        await ProblemAssert.IsAsync(response, "challenge-invalid");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task OpenMailbox_GarbageToken_Returns403ChallengeInvalid(string? token)
    {
        using var witness = factory.CreateWitness();
        using var keys = Witnesses.NewCodenameKeys();
        var (challenge, _) = await witness.GetChallengeAsync(keys.MailboxKey.PublicKey.ToBase64());

        using var response = await witness.OpenMailboxAsync(keys.MailboxKey.PublicKey.ToBase64(), token, Convert.ToBase64String(keys.SignChallenge(challenge)));

        await ProblemAssert.IsAsync(response, "challenge-invalid");
    }

    [Theory]
    [InlineData("not a key")]
    [InlineData("AAAA")]
    [InlineData("")]
    [InlineData(null)]
    public async Task Challenge_MalformedMailboxKey_Returns400BadRequest(string? mailbox)
    {
        using var witness = factory.CreateWitness();

        using var challenge = await witness.ChallengeAsync(mailbox);
        using var open = await witness.OpenMailboxAsync(mailbox, "token", "signature");

        await ProblemAssert.IsAsync(challenge, "bad-request");
        await ProblemAssert.IsAsync(open, "bad-request");
    }

    private static string Shape(JsonElement element) =>
        string.Join(",", element.EnumerateObject().Select(p => $"{p.Name}:{p.Value.ValueKind}"));
}
