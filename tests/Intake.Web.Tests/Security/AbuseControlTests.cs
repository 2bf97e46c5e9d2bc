using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Text;

namespace SafeIntake.Intake.Web.Tests.Security;

/// <summary>
/// Abuse control (issue 9): budgets that a flood cannot drain for free, bodies capped as they stream, a storage budget,
/// and no 500 from hostile values. Each test has its own server.
/// </summary>
public sealed class AbuseControlTests
{
    [Fact]
    public async Task Pow_DrainAttack_SpendsNoBudget_AndAWitnessStillCreatesAnUpload()
    {
        using var factory = IntakeApplicationFactory.WithSettings(("Intake:RateLimitPerMinute", "2"));
        using var attacker = factory.CreateWitness();
        using var witness = factory.CreateWitness();

        for (var i = 0; i < 50; i++)
        {
            using var pow = await attacker.Http.PostAsync(new Uri("/api/v1/pow", UriKind.Relative), content: null);
            Assert.Equal(HttpStatusCode.OK, pow.StatusCode);
        }

        await witness.CreateUploadAsync(20000);
    }

    [Fact]
    public async Task WitnessBudget_Exhausted_RetryAfterIsTheRealRefill_AndTheSameSolutionIsAcceptedLater()
    {
        using var factory = IntakeApplicationFactory.WithSettings(("Intake:RateLimitPerMinute", "60"));
        using var witness = factory.CreateWitness();
        // Spend the budget: it refills at 1 token/s while the loop runs, so a slow machine needs a few more creates.
        PowSolution pow;
        HttpResponseMessage refused;
        var attempts = 0;
        while (true)
        {
            pow = await witness.SolvePowAsync();
            refused = await witness.PostUploadAsync("report", 20000, pow);
            if (refused.StatusCode != HttpStatusCode.Created)
            {
                break;
            }

            refused.Dispose();
            Assert.True(++attempts < 300, "the witness budget of 60 a minute was never exhausted");
        }

        using var _ = refused;
        Assert.True(attempts >= 60, $"refused after {attempts} creates, before a budget of 60 was spent");
        await ProblemAssert.IsAsync(refused, "rate-limited");
        var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 2);

        // A refused create does not use up the solved proof of work.
        await Task.Delay(TimeSpan.FromSeconds(retryAfter + 0.2));
        using var accepted = await witness.PostUploadAsync("report", 20000, pow);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task ReviewerOutboxAndMailbox_WhileTheWitnessBudgetIsEmpty_AreNotRateLimited()
    {
        using var factory = IntakeApplicationFactory.WithSettings(("Intake:RateLimitPerMinute", "1"));
        using var witness = factory.CreateWitness();
        await witness.CreateUploadAsync(20000);
        var pow = await witness.SolvePowAsync();
        using var refused = await witness.PostUploadAsync("report", 20000, pow);
        await ProblemAssert.IsAsync(refused, "rate-limited");

        using var outbox = await witness.Http.PostAsync(new Uri("/api/v1/outbox", UriKind.Relative), Json("{}"));
        await ProblemAssert.IsAsync(outbox, "bad-request");
        using var challenge = await witness.ChallengeAsync("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        Assert.NotEqual(HttpStatusCode.TooManyRequests, challenge.StatusCode);
    }

    [Fact]
    public async Task StorageBudget_DailyCapReached_RefusesWithStorageFull()
    {
        using var factory = IntakeApplicationFactory.WithSettings(("Intake:MaxStorageBytesPerDay", "30000"));
        using var witness = factory.CreateWitness();
        await witness.CreateUploadAsync(20000);

        using var refused = await witness.PostUploadAsync("report", 20000, await witness.SolvePowAsync());
        await ProblemAssert.IsAsync(refused, "storage-full");
        Assert.True(refused.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task StorageBudget_TotalCap_CountsStoredReports_AndRefusesPastIt()
    {
        // Sized from a real envelope: two stored reports fit the total, a third does not. Open reservations alone would
        // admit the third (the first two are finalized, so they no longer reserve), so this fails if stored rows are not counted.
        using var sizing = new IntakeApplicationFactory();
        using var sizer = sizing.CreateWitness();
        var size = (await sizer.SealReportAsync("sizing", ("a.bin", new byte[20000]))).LongLength;
        using var factory = IntakeApplicationFactory.WithSettings(
            ("Intake:MaxStorageBytes", (2 * size + size / 2).ToString(System.Globalization.CultureInfo.InvariantCulture)), ("Intake:MaxStorageBytesPerDay", "0"));
        using var witness = factory.CreateWitness();
        for (var i = 0; i < 2; i++)
        {
            var envelope = await witness.SealReportAsync($"report {i}", ("a.bin", new byte[20000]));
            Assert.Equal(size, envelope.LongLength);
            await witness.SubmitOkAsync(envelope);
        }

        using var refused = await witness.PostUploadAsync("report", size, await witness.SolvePowAsync());
        await ProblemAssert.IsAsync(refused, "storage-full");
        Assert.True(refused.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task StorageBudget_FreeSpaceFloorAboveTheDisk_RefusesWithStorageFull()
    {
        using var factory = IntakeApplicationFactory.WithSettings(("Intake:MinFreeBytes", long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var witness = factory.CreateWitness();
        using var refused = await witness.PostUploadAsync("report", 20000, await witness.SolvePowAsync());
        await ProblemAssert.IsAsync(refused, "storage-full");
    }

    [Fact]
    public async Task Outbox_70Megabytes_Is413()
    {
        using var factory = new IntakeApplicationFactory();
        using var client = factory.CreateClient();
        using var content = new StreamContent(new Garbage(70L << 20));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        content.Headers.ContentLength = 70L << 20;
        using var response = await client.PostAsync(new Uri("/api/v1/outbox", UriKind.Relative), content);
        await ProblemAssert.IsAsync(response, "too-large");
    }

    [Theory]
    [InlineData("5")]
    [InlineData("{\"id\":\"demo\"}")]
    [InlineData("[\"demo\"]")]
    public async Task Outbox_ReviewerNotAString_IsBadRequest(string reviewer)
    {
        using var factory = new IntakeApplicationFactory();
        using var client = factory.CreateClient();
        var body = Encoding.UTF8.GetBytes("{\"type\":\"safeintake-outbox\",\"v\":1,\"reviewer\":" + reviewer + "}");
        var text = System.Text.Json.JsonSerializer.Serialize(new { format = "safeintake-outbox/1", body = Convert.ToBase64String(body), signature = Convert.ToBase64String(new byte[64]) });
        using var response = await client.PostAsync(new Uri("/api/v1/outbox", UriKind.Relative), Json(text));
        await ProblemAssert.IsAsync(response, "bad-request");
    }

    [Fact]
    public async Task Upload_JsonBodyAboveTheSmallLimit_Is413()
    {
        using var factory = new IntakeApplicationFactory();
        using var witness = factory.CreateWitness();
        using var response = await witness.PostUploadJsonAsync("{\"kind\":\"report\",\"website\":\"" + new string('a', 200_000) + "\"}");
        await ProblemAssert.IsAsync(response, "too-large");
    }

    [Theory]
    [InlineData("since=9223372036854775807")]
    [InlineData("since=-1")]
    [InlineData("to=9223372036854775807")]
    public async Task Export_HostileSequence_IsBadRequest(string query)
    {
        using var factory = new IntakeApplicationFactory();
        string token;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            token = (await scope.ServiceProvider.GetRequiredService<SafeIntake.Intake.Web.Storage.TransferStore>()
                .CreateTokenAsync("demo", "test")).Token;
        }

        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/export?" + query, UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        await ProblemAssert.IsAsync(response, "bad-request");
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A long body produced on demand, never held in memory.</summary>
    private sealed class Garbage(long total) : Stream
    {
        private readonly long _length = total;
        private long _left = total;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position { get => _length - _left; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, _left);
            buffer.AsSpan(offset, n).Fill((byte)'a');
            _left -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
