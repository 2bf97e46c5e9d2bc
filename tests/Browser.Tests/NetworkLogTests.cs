using System.Net;
using System.Net.Sockets;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// The recorder the privacy assertions rest on: it must see a cookie, a canary in a body and a foreign host when
/// they are there, or every "nothing leaked" above would pass vacuously.
/// </summary>
public sealed class NetworkLogTests(NetworkLogTests.Fixture fixture) : IClassFixture<NetworkLogTests.Fixture>
{
    public sealed class Fixture : BrowserFixture;

    [ChromiumFact]
    public async Task Recorder_SeesCanaryInBody_SetCookie_AndForeignHost()
    {
        await using var witness = await fixture.NewSessionAsync("network-log-self-test", "en");
        await witness.Page.GotoAsync("/en/");
        await witness.WaitForVerifiedBundleAsync();

        // A body carrying the canary, to the server's own origin (CSP allows nothing else).
        await witness.Page.EvaluateAsync("""
            () => fetch('/api/v1/pow', { method: 'POST', body: new TextEncoder().encode('xx canary-7f3a 目擊 xx') })
            """);
        witness.Network.AssertOnlyOrigin(fixture.Server.Address);
        Assert.ThrowsAny<Exception>(() => witness.Network.AssertNowhere("canary", "canary-7f3a 目擊"));
        await witness.AssertNothingStoredAsync();

        // Another host that sets a cookie over the real network stack.
        using var tracker = new HttpListener();
        var port = FreePort();
        tracker.Prefixes.Add($"http://127.0.0.1:{port}/");
        tracker.Start();
        var serve = Task.Run(async () =>
        {
            var context = await tracker.GetContextAsync();
            context.Response.Headers.Add("Set-Cookie", "tracker=1; Path=/");
            context.Response.ContentType = "text/html";
            await context.Response.OutputStream.WriteAsync("<title>elsewhere</title>"u8.ToArray());
            context.Response.Close();
        });
        await witness.Page.GotoAsync($"http://127.0.0.1:{port}/");
        await serve;

        Assert.ThrowsAny<Exception>(() => witness.Network.AssertOnlyOrigin(fixture.Server.Address));
        Assert.Contains(await witness.Network.SetCookieHeadersAsync(), h => h.Contains("tracker=1", StringComparison.Ordinal));
        await Assert.ThrowsAnyAsync<Exception>(() => witness.Network.AssertNoCookiesAsync(witness.Context));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
