using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace SafeIntake.Intake.Web.Security;

/// <summary>
/// The uniform errors of docs/spec/intake-api.md: a stable <c>code</c> the page translates, a plain title, and
/// never an internal detail.
/// </summary>
public static class Problems
{
    private static readonly Dictionary<string, (int Status, string Title)> Known = new(StringComparer.Ordinal)
    {
        ["bad-request"] = (400, "The request is malformed."),
        ["unsupported-media-type"] = (415, "The content type is not accepted here."),
        ["pow-invalid"] = (403, "The proof of work is missing, wrong or already used."),
        ["rate-limited"] = (429, "The server is busy. Please try again in a minute."),
        ["too-large"] = (413, "That is larger than this server accepts."),
        ["upload-not-found"] = (404, "There is no such upload (it may have expired or been completed)."),
        ["offset-mismatch"] = (409, "That part of the upload is not at the current end."),
        ["upload-incomplete"] = (400, "Not all of the upload has arrived."),
        ["envelope-invalid"] = (422, "The upload is not a valid sealed envelope."),
        ["unknown-bundle"] = (422, "The envelope was sealed to reviewer keys this server never published."),
        ["signature-invalid"] = (422, "The signature does not verify."),
        ["mailbox-unknown"] = (422, "There is no report for this mailbox."),
        ["challenge-invalid"] = (403, "The mailbox proof is missing, wrong, expired or already used."),
        ["not-found"] = (404, "Not found."),
        ["unauthorized"] = (401, "A valid fetch token is required."),
        ["reviewer-removed"] = (403, "This fetch token's reviewer is not in the current reviewer bundle."),
        ["replayed"] = (409, "This outbox was already applied."),
        ["range-not-satisfiable"] = (416, "That byte range is not in this export."),
        ["too-slow"] = (408, "The request arrived too slowly. Please try again."),
        ["storage-full"] = (507, "The server cannot take more uploads right now. Please try again later."),
        ["server-error"] = (500, "Something went wrong on the server. Nothing was stored."),
    };

    public static IReadOnlyCollection<string> Codes => Known.Keys;

    public static ProblemHttpResult Of(string code)
    {
        var (status, title) = Known[code];
        return TypedResults.Problem(Details(code, status, title));
    }

    public static ProblemDetails Details(string code, int? status = null, string? title = null)
    {
        var known = Known[code];
        var details = new ProblemDetails
        {
            Type = "https://safeintake.invalid/problems/" + code,
            Title = title ?? known.Title,
            Status = status ?? known.Status,
        };
        details.Extensions["code"] = code;
        return details;
    }

    /// <summary>Writes a problem outside an endpoint (middleware, rate limiter, status codes).</summary>
    public static Task WriteAsync(HttpContext context, string code)
    {
        ArgumentNullException.ThrowIfNull(context);
        var details = Details(code);
        context.Response.StatusCode = details.Status!.Value;
        return context.Response.WriteAsJsonAsync(details, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
    }
}
