using System.Collections.Concurrent;
using System.Text;
using Microsoft.Playwright;

namespace SafeIntake.Browser.Tests;

/// <summary>One request as the browser sent it: what a network observer (or the server) could see of it.</summary>
public sealed record RecordedRequest(string Method, string Url, byte[] Body);

/// <summary>
/// Every request a BrowserContext makes (pages and their workers) with its body, and every response's
/// <c>Set-Cookie</c>. Tests assert over it what leaves the witness's browser.
/// </summary>
public sealed class NetworkLog
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<Task> _pending = new();
    private readonly ConcurrentQueue<string> _setCookies = new();

    public void Attach(IBrowserContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Request += (_, request) =>
            _requests.Enqueue(new RecordedRequest(request.Method, request.Url, request.PostDataBuffer ?? []));
        context.Response += (_, response) => _pending.Enqueue(RecordSetCookieAsync(response));
    }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Waits for the responses' headers still being read.</summary>
    public async Task<IReadOnlyList<string>> SetCookieHeadersAsync()
    {
        while (_pending.TryDequeue(out var task))
        {
            await task;
        }

        return [.. _setCookies];
    }

    public IEnumerable<RecordedRequest> To(string method, string pathPrefix) =>
        Requests.Where(r => r.Method == method && new Uri(r.Url).AbsolutePath.StartsWith(pathPrefix, StringComparison.Ordinal));

    /// <summary>Lists the requests (method, URL, body size) in the test's output.</summary>
    public void WriteTo(Xunit.Abstractions.ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var r in Requests)
        {
            output.WriteLine($"{r.Method} {r.Url} ({r.Body.Length} bytes)");
        }
    }

    /// <summary>Fails when a request went anywhere but <paramref name="origin"/>.</summary>
    public void AssertOnlyOrigin(Uri origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        Assert.NotEmpty(Requests);
        var foreign = Requests.Where(r => !SameOrigin(new Uri(r.Url), origin)).Select(r => r.Url).ToList();
        Assert.True(foreign.Count == 0, "Requests left the server's origin: " + string.Join(", ", foreign));
    }

    /// <summary>Fails when any URL or body carries <paramref name="needle"/> (UTF-8 text or raw bytes).</summary>
    public void AssertNowhere(string what, ReadOnlySpan<byte> needle)
    {
        Assert.False(needle.IsEmpty);
        foreach (var request in Requests)
        {
            Assert.True(request.Body.AsSpan().IndexOf(needle) < 0, $"The {what} left the browser in the body of {request.Method} {request.Url}.");
            Assert.True(Encoding.UTF8.GetBytes(request.Url).AsSpan().IndexOf(needle) < 0, $"The {what} left the browser in the URL {request.Url}.");
        }
    }

    public void AssertNowhere(string what, string text) => AssertNowhere(what, Encoding.UTF8.GetBytes(text));

    /// <summary>No cookie set by any response, and none held by the context.</summary>
    public async Task AssertNoCookiesAsync(IBrowserContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Assert.Empty(await SetCookieHeadersAsync());
        Assert.Empty(await context.CookiesAsync());
    }

    private async Task RecordSetCookieAsync(IResponse response)
    {
        // Response.Headers hides cookie headers; AllHeadersAsync has them.
        try
        {
            foreach (var header in await response.HeadersArrayAsync())
            {
                if (string.Equals(header.Name, "set-cookie", StringComparison.OrdinalIgnoreCase))
                {
                    _setCookies.Enqueue($"{response.Url}: {header.Value}");
                }
            }
        }
        catch (PlaywrightException)
        {
            // The page closed before the headers were read; the context's cookie jar is still checked.
        }
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;
}
