using System.Net;

namespace SafeIntake.Intake.Web.Tests.Security;

/// <summary>
/// What the spec says expires: a proof of work after 30 minutes, a mailbox challenge after 5, an upload never
/// finalized after <c>Intake:UploadExpiryHours</c>. Each test moves its own server's clock.
/// </summary>
public sealed class ExpiryTests
{
    [Fact]
    public async Task CreateUpload_PowSolvedButOlderThan30Minutes_Returns403PowInvalid_AndCreatesNothing()
    {
        var clock = new TestClock();
        using var factory = IntakeApplicationFactory.WithClock(clock);
        using var witness = factory.CreateWitness();
        var pow = await witness.SolvePowAsync();
        clock.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));
        var before = factory.Snapshot();

        using var response = await witness.PostUploadAsync("report", 20_000, pow);

        await ProblemAssert.IsAsync(response, "pow-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task CreateUpload_PowSolvedWithinItsLifetime_IsAccepted()
    {
        var clock = new TestClock();
        using var factory = IntakeApplicationFactory.WithClock(clock);
        using var witness = factory.CreateWitness();
        var pow = await witness.SolvePowAsync();
        clock.Advance(TimeSpan.FromMinutes(29));

        using var response = await witness.PostUploadAsync("report", 20_000, pow);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task OpenMailbox_ChallengeOlderThanFiveMinutes_Returns403ChallengeInvalid()
    {
        var clock = new TestClock();
        using var factory = IntakeApplicationFactory.WithClock(clock);
        using var witness = factory.CreateWitness();
        using var keys = Witnesses.NewCodenameKeys();
        var mailbox = keys.MailboxKey.PublicKey.ToBase64();
        var (challenge, token) = await witness.GetChallengeAsync(mailbox);
        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        using var response = await witness.OpenMailboxAsync(mailbox, token, Convert.ToBase64String(keys.SignChallenge(challenge)));

        await ProblemAssert.IsAsync(response, "challenge-invalid");
    }

    [Fact]
    public async Task Upload_PastItsExpiry_Returns404UploadNotFound_OnEveryRoute_AndStoresNothing()
    {
        var clock = new TestClock();
        using var factory = IntakeApplicationFactory.WithClock(clock);
        using var witness = factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Left for too long.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        await witness.UploadRangeAsync(ticket, envelope, 0, envelope.Length);
        // The default 24 hours, rounded up to the next UTC midnight (at most 48 hours), and then some.
        clock.Advance(TimeSpan.FromHours(49));
        var before = factory.Snapshot();

        using var head = await witness.HeadAsync(ticket.Id);
        using var patch = await witness.PatchAsync(ticket.Id, envelope.Length, new byte[1]);
        using var finalize = await witness.FinalizeAsync(ticket.Id);

        await ProblemAssert.IsAsync(head, "upload-not-found");
        await ProblemAssert.IsAsync(patch, "upload-not-found");
        await ProblemAssert.IsAsync(finalize, "upload-not-found");
        ProblemAssert.NothingStored(before, factory.Snapshot());
    }

    [Fact]
    public async Task Upload_JustBeforeItsExpiry_CanStillBeFinalized()
    {
        var clock = new TestClock();
        using var factory = IntakeApplicationFactory.WithClock(clock);
        using var witness = factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Finished the next morning.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        await witness.UploadRangeAsync(ticket, envelope, 0, envelope.Length / 2);
        clock.Advance(TimeSpan.FromHours(23));

        await witness.UploadRangeAsync(ticket, envelope, envelope.Length / 2, envelope.Length);
        using var finalize = await witness.FinalizeAsync(ticket.Id);

        Assert.Equal(HttpStatusCode.Created, finalize.StatusCode);
    }
}
