using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace SafeIntake.Review.Console.Transfer;

/// <summary>The server's answer to an outbox; <see cref="NotApplied"/> is every item that had no effect, one line each.</summary>
public sealed record OutboxAnswer(long Acknowledged, long Replies, long Deleted, IReadOnlyList<OutboxItemResult> Items)
{
    public IReadOnlyList<string> NotApplied => Items
        .Where(i => i.Result is not ("acknowledged" or "already-acknowledged" or "stored" or "already-stored"))
        .Select(i => i.Type == "reply" ? $"reply #{i.Index ?? -1}: {i.Result}" : $"acknowledgement {i.Id ?? "(not an id)"}: {i.Result}")
        .ToList();
}

/// <summary>The online machine's two requests: download an export bundle (resumable) and post an outbox.</summary>
public static class HttpTransfer
{
    public static Uri Endpoint(string server, string path)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw CommandFailedException.Usage($"--server must be an http:// or https:// address, not '{server}'.");
        }

        return new Uri(baseUri, baseUri.AbsolutePath.TrimEnd('/') + path);
    }

    /// <summary>
    /// GET the export into <paramref name="partPath"/>, resuming with Range when it already holds bytes. Returns the
    /// total length expected. Refusals by the server become failures with what to do.
    /// </summary>
    public static long Download(HttpClient client, Uri uri, string token, string partPath, Action<long, long> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(progress);
        var existing = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        using var response = Send(client, request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0)
        {
            // The partial file already holds every byte: nothing left to download.
            progress(existing, existing);
            return existing;
        }

        if (response.StatusCode is HttpStatusCode.Forbidden)
        {
            throw new CommandFailedException($"The server refused the fetch token{Problem(response)} A reviewer removed from the bundle fetches no more.");
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized)
        {
            throw new CommandFailedException("The server refused the fetch token (revoked, mistyped, or for another server). Ask the administrator for a new one.");
        }

        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.PartialContent))
        {
            throw new CommandFailedException($"The server answered {(int)response.StatusCode} {response.ReasonPhrase}{Problem(response)}.");
        }

        var append = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == existing;
        var start = append ? existing : 0;
        var total = start + (response.Content.Headers.ContentLength ?? 0);
        using var body = response.Content.ReadAsStream(cancellationToken);
        using var file = new FileStream(partPath, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new byte[1 << 16];
        var written = start;
        progress(written, total);
        int read;
        while ((read = body.Read(buffer)) > 0)
        {
            file.Write(buffer, 0, read);
            written += read;
            progress(written, Math.Max(total, written));
        }

        file.Flush(flushToDisk: true);
        if (response.Content.Headers.ContentLength is { } length && written != start + length)
        {
            throw new CommandFailedException($"The download stopped early ({written} of {start + length} bytes). Run fetch again to resume.");
        }

        return written;
    }

    /// <summary>POST an outbox; returns the server's counts and its per-item results (export-bundle-v1.md §3).</summary>
    public static OutboxAnswer PostOutbox(HttpClient client, Uri uri, string fileText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(fileText, System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = Send(client, request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new CommandFailedException("The server already received this outbox (replayed): it had no second effect. Nothing to do.");
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new CommandFailedException($"The server refused the outbox: {(int)response.StatusCode} {response.ReasonPhrase}{Problem(response)}.");
        }

        try
        {
            using var document = JsonDocument.Parse(response.Content.ReadAsStream(cancellationToken));
            var root = document.RootElement;
            return new OutboxAnswer(Count(root, "acknowledged"), Count(root, "replies"), Count(root, "deleted"), Items(root));
        }
        catch (JsonException)
        {
            throw new CommandFailedException("The server accepted the outbox but its answer was not the expected JSON.");
        }
    }

    /// <summary>
    /// The per-item results as safe values: only a known result word, an index and a hex id are kept (a compromised
    /// server chooses these bytes, and they reach the terminal and the receipt).
    /// </summary>
    private static List<OutboxItemResult> Items(JsonElement root)
    {
        var results = new List<OutboxItemResult>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return results;
        }

        foreach (var item in items.EnumerateArray())
        {
            var result = Text(item, "result");
            var word = result is "acknowledged" or "already-acknowledged" or "stored" or "already-stored" or "unknown-envelope" or "invalid" or "mailbox-unknown"
                ? result : "not applied";
            var type = Text(item, "type") == "reply" ? "reply" : "ack";
            var id = Text(item, "id") is { Length: 32 or 64 } hex && hex.All(char.IsAsciiHexDigitLower) ? hex : null;
            int? index = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number
                && i.TryGetInt32(out var n) ? n : null;
            results.Add(new OutboxItemResult(type, id, index, word));
        }

        return results;
    }

    private static string? Text(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static HttpResponseMessage Send(HttpClient client, HttpRequestMessage request, HttpCompletionOption option, CancellationToken cancellationToken)
    {
        try
        {
            // A console command: no synchronisation context to deadlock on.
            return client.SendAsync(request, option, cancellationToken).GetAwaiter().GetResult();
        }
        catch (HttpRequestException e)
        {
            throw CommandFailedException.Unreachable($"Cannot reach {request.RequestUri?.GetLeftPart(UriPartial.Authority)}: {Why(e.HttpRequestError)} "
                + "Nothing was changed; check the address and the network, then run the command again.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw CommandFailedException.Unreachable($"{request.RequestUri?.GetLeftPart(UriPartial.Authority)} did not answer in time. "
                + "Nothing was changed; run the command again later.");
        }
    }

    /// <summary>Why a request failed, in the reviewer's words (.NET's text, e.g. "see inner exception", says nothing useful).</summary>
    private static string Why(HttpRequestError error) => error switch
    {
        HttpRequestError.NameResolutionError => "the name does not resolve (mistyped, or no DNS on this network).",
        HttpRequestError.ConnectionError => "no connection (refused, or the machine is offline).",
        HttpRequestError.SecureConnectionError => "the secure (TLS) connection failed: the certificate is not trusted, or the address is not an HTTPS server.",
        HttpRequestError.ProxyTunnelError => "the proxy refused the connection.",
        HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded
            => "the server's answer was broken or cut off.",
        HttpRequestError.VersionNegotiationError => "the server does not speak a supported HTTP version.",
        HttpRequestError.ConfigurationLimitExceeded => "the server's answer was too large.",
        _ => "the request failed on the way.",
    };

    private static long Count(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
        && value.TryGetInt64(out var n) ? n : 0;

    /// <summary>The title of an RFC 9457 problem body, when there is one.</summary>
    private static string Problem(HttpResponseMessage response)
    {
        try
        {
            var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            using var document = JsonDocument.Parse(text);
            return document.RootElement.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String ? $": {title.GetString()}" : "";
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or InvalidOperationException)
        {
            return "";
        }
    }
}
