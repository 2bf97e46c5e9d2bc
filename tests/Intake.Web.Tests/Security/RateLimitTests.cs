using System.Net;
using System.Text;

namespace SafeIntake.Intake.Web.Tests.Security;

/// <summary>
/// The global budget of witness actions (<c>Intake:RateLimitPerMinute</c>): one bucket for everyone, because a
/// per-client key would need the address or a fingerprint the server must not keep. Each test has its own server.
/// </summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Pow_ThirdRequestWithALimitOfTwo_Returns429RateLimited_WithRetryAfter()
    {
        using var factory = IntakeApplicationFactory.WithSettings(("Intake:RateLimitPerMinute", "2"));
        using var witness = factory.CreateWitness();

        using var first = await PostPowAsync(witness.Http);
        using var second = await PostPowAsync(witness.Http);
        using var third = await PostPowAsync(witness.Http);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        await ProblemAssert.IsAsync(third, "rate-limited");
        var retryAfter = Assert.Single(third.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
    }

    [Fact]
    public async Task RateLimit_IsGlobal_OtherAddressesAgentsAndWitnessRoutesShareTheExhaustedBucket()
    {
        using var factory = IntakeApplicationFactory.WithSettings(("Intake:RateLimitPerMinute", "2"));
        using var alice = factory.CreateClientFrom(IPAddress.Parse("198.51.100.1"));
        using var bob = factory.CreateClientFrom(IPAddress.Parse("203.0.113.9"));
        bob.DefaultRequestHeaders.UserAgent.ParseAdd("SomeOtherBrowser/1.0");
        bob.DefaultRequestHeaders.Add("X-Forwarded-For", "192.0.2.44");

        using var a1 = await PostPowAsync(alice);
        using var a2 = await PostPowAsync(alice);
        Assert.Equal(HttpStatusCode.OK, a1.StatusCode);
        Assert.Equal(HttpStatusCode.OK, a2.StatusCode);

        // Someone else, from elsewhere, on every rate-limited route: the same empty bucket.
        using var pow = await PostPowAsync(bob);
        using var upload = await bob.PostAsync(new Uri("/api/v1/uploads", UriKind.Relative), Json("{\"kind\":\"report\",\"size\":20000}"));
        using var challenge = await bob.PostAsync(new Uri("/api/v1/mailbox/challenge", UriKind.Relative), Json("{\"mailbox\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}"));
        using var open = await bob.PostAsync(new Uri("/api/v1/mailbox/open", UriKind.Relative), Json("{}"));
        foreach (var response in new[] { pow, upload, challenge, open })
        {
            await ProblemAssert.IsAsync(response, "rate-limited");
            Assert.True(response.Headers.Contains("Retry-After"));
        }

        // Reading the bundle and the form is never limited: a witness can always see the page.
        using var bundle = await bob.GetAsync(new Uri("/api/v1/bundle", UriKind.Relative));
        using var page = await bob.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private static Task<HttpResponseMessage> PostPowAsync(HttpClient client) =>
        client.PostAsync(new Uri("/api/v1/pow", UriKind.Relative), content: null);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
