using System.Net;
using System.Text.Json;

namespace SafeIntake.Intake.Web.Tests;

/// <summary>The uniform error of docs/spec/intake-api.md, and the promise that a refused request stored nothing.</summary>
internal static class ProblemAssert
{
    /// <summary>The codes of the spec's table, with their status: the page maps exactly these to messages.</summary>
    public static readonly IReadOnlyDictionary<string, HttpStatusCode> SpecCodes = new Dictionary<string, HttpStatusCode>(StringComparer.Ordinal)
    {
        ["bad-request"] = HttpStatusCode.BadRequest,
        ["unsupported-media-type"] = HttpStatusCode.UnsupportedMediaType,
        ["honeypot"] = HttpStatusCode.BadRequest,
        ["pow-invalid"] = HttpStatusCode.Forbidden,
        ["rate-limited"] = HttpStatusCode.TooManyRequests,
        ["too-large"] = HttpStatusCode.RequestEntityTooLarge,
        ["upload-not-found"] = HttpStatusCode.NotFound,
        ["offset-mismatch"] = HttpStatusCode.Conflict,
        ["upload-incomplete"] = HttpStatusCode.BadRequest,
        ["envelope-invalid"] = HttpStatusCode.UnprocessableEntity,
        ["unknown-bundle"] = HttpStatusCode.UnprocessableEntity,
        ["signature-invalid"] = HttpStatusCode.UnprocessableEntity,
        ["mailbox-unknown"] = HttpStatusCode.UnprocessableEntity,
        ["challenge-invalid"] = HttpStatusCode.Forbidden,
        ["not-found"] = HttpStatusCode.NotFound,
        ["too-slow"] = HttpStatusCode.RequestTimeout,
        ["storage-full"] = HttpStatusCode.InsufficientStorage,
        ["server-error"] = HttpStatusCode.InternalServerError,
        ["unauthorized"] = HttpStatusCode.Unauthorized,
        ["reviewer-removed"] = HttpStatusCode.Forbidden,
        ["replayed"] = HttpStatusCode.Conflict,
        ["range-not-satisfiable"] = HttpStatusCode.RequestedRangeNotSatisfiable,
    };

    private static readonly string[] Internals = ["Exception", "   at ", "StackTrace", "traceId", "SafeIntake.Intake", "Microsoft.", "System."];

    /// <summary>Status, <c>application/problem+json</c>, the spec's code, type and status, and no internals.</summary>
    public static async Task<JsonElement> IsAsync(HttpResponseMessage response, string code)
    {
        ArgumentNullException.ThrowIfNull(response);
        Assert.True(SpecCodes.TryGetValue(code, out var status), $"'{code}' is not a code of the spec's table");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        if (response.RequestMessage?.Method == HttpMethod.Head)
        {
            return default;
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        foreach (var leak in Internals)
        {
            Assert.DoesNotContain(leak, text, StringComparison.Ordinal);
        }

        using var document = JsonDocument.Parse(text);
        var root = document.RootElement.Clone();
        Assert.Equal(code, root.GetProperty("code").GetString());
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        Assert.Equal("https://safeintake.invalid/problems/" + code, root.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()));
        var members = root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["code", "status", "title", "type"], members);
        return root;
    }

    /// <summary>No envelope row and no blob file appeared since <paramref name="before"/>.</summary>
    public static void NothingStored(StoreSnapshot before, StoreSnapshot after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        Assert.Equal(before.Envelopes, after.Envelopes);
        Assert.Equal(before.Blobs, after.Blobs);
    }

    /// <summary>Nothing stored, and no upload row or upload file was left behind either.</summary>
    public static void NothingLeft(StoreSnapshot before, StoreSnapshot after)
    {
        NothingStored(before, after);
        Assert.Equal(before.Uploads, after.Uploads);
        Assert.Equal(before.UploadFiles, after.UploadFiles);
    }
}
