using System.Net.Http.Headers;
using System.Text;

namespace SafeIntake.Intake.Web.Tests.Security;

/// <summary>
/// Every response, success or error, page or API: no cookie, the CSP and the other privacy headers, no Server
/// header. (Kestrel's Server header is checked against the real process in <c>Hosting.LogCanaryTests</c>.)
/// </summary>
public sealed class PrivacyHeadersTests(IntakeApplicationFactory factory) : IClassFixture<IntakeApplicationFactory>
{
    public static TheoryData<string, string, string?, string?> Routes => new()
    {
        { "GET", "/", null, null },
        { "GET", "/en/", null, null },
        { "GET", "/zh-Hant-HK/", null, null },
        { "GET", "/zh-Hans/", null, null },
        { "GET", "/en/replies", null, null },
        { "GET", "/xx/", null, null },
        { "GET", "/css/site.css", null, null },
        { "GET", "/js/safeintake-crypto.js", null, null },
        { "GET", "/healthz", null, null },
        { "GET", "/no/such/route", null, null },
        { "GET", "/api/v1/bundle", null, null },
        { "GET", "/api/v1/pow", null, null },
        { "POST", "/api/v1/pow", null, null },
        { "POST", "/api/v1/uploads", "application/json", "{\"kind\":\"report\",\"size\":20000}" },
        { "POST", "/api/v1/uploads", "application/json", "{not json" },
        { "POST", "/api/v1/uploads", "text/plain", "hello" },
        { "PATCH", "/api/v1/uploads/0123456789abcdef0123456789abcdef", "application/offset+octet-stream", "bytes" },
        { "HEAD", "/api/v1/uploads/0123456789abcdef0123456789abcdef", null, null },
        { "POST", "/api/v1/uploads/0123456789abcdef0123456789abcdef/finalize", "application/json", "{}" },
        { "DELETE", "/api/v1/uploads/0123456789abcdef0123456789abcdef", null, null },
        { "POST", "/api/v1/mailbox/challenge", "application/json", "{\"mailbox\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}" },
        { "POST", "/api/v1/mailbox/open", "application/json", "{\"mailbox\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"token\":\"x\",\"signature\":\"y\"}" },
        { "POST", "/api/v1/replies", "application/octet-stream", "not an envelope" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Response_OnAnyRoute_SetsNoCookie_AndCarriesThePrivacyHeaders(string method, string path, string? mediaType, string? body)
    {
        using var witness = factory.CreateWitness();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType!);
        }

        using var response = await witness.Http.SendAsync(request);

        AssertPrivacyHeaders(response);
    }

    [Fact]
    public async Task Response_ToASuccessfulSubmission_SetsNoCookie_AndCarriesThePrivacyHeaders()
    {
        using var witness = factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Headers on the way in.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        using var patch = await witness.PatchAsync(ticket.Id, 0, envelope.AsMemory(0, ticket.ChunkBytes));
        using var head = await witness.HeadAsync(ticket.Id);
        await witness.UploadRangeAsync(ticket, envelope, ticket.ChunkBytes, envelope.Length);
        using var finalize = await witness.FinalizeAsync(ticket.Id);

        foreach (var response in new[] { patch, head, finalize })
        {
            AssertPrivacyHeaders(response);
        }
    }

    internal static void AssertPrivacyHeaders(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var what = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} → {(int)response.StatusCode}";
        Assert.False(response.Headers.Contains("Set-Cookie"), $"{what} sets a cookie");
        Assert.False(response.Headers.Contains("Server"), $"{what} names the server");
        var csp = Single(response, "Content-Security-Policy", what);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("base-uri 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("no-referrer", Single(response, "Referrer-Policy", what));
        Assert.Equal("nosniff", Single(response, "X-Content-Type-Options", what));
        Assert.Contains("no-store", Single(response, "Cache-Control", what), StringComparison.Ordinal);
        var permissions = Single(response, "Permissions-Policy", what);
        Assert.Contains("camera=()", permissions, StringComparison.Ordinal);
        Assert.Contains("geolocation=()", permissions, StringComparison.Ordinal);
        Assert.Contains("microphone=()", permissions, StringComparison.Ordinal);
    }

    private static string Single(HttpResponseMessage response, string name, string what)
    {
        var values = response.Headers.TryGetValues(name, out var found) ? found.ToList()
            : response.Content.Headers.TryGetValues(name, out var content) ? content.ToList() : [];
        Assert.True(values.Count == 1, $"{what}: expected one {name} header, found {values.Count}");
        return values[0];
    }
}
