using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SafeIntake.Intake.Web.Security;
using SafeIntake.Intake.Web.Storage;

namespace SafeIntake.Intake.Web.Endpoints;

public sealed record OutboxApplied(int Acknowledged, int Replies, int Deleted, IReadOnlyList<OutboxItemResult> Items);

/// <summary>Across the air gap (export-bundle-v1.md): signed exports out with a fetch token, signed outboxes in.</summary>
public static class TransferApi
{
    public const string ExportMediaType = "application/vnd.safeintake.export";

    private const long MaxSequence = 1L << 53;

    public static void MapTransferApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapGet("/export", Export);
        api.MapPost("/outbox", ApplyOutbox).WithBudget(Budget.Reviewer);
    }

    /// <summary>
    /// Streams the export: the signed head, then each blob. <c>Range: bytes=N-</c> with a matching <c>If-Range</c>
    /// resumes an interrupted download; pass the first response's <c>to</c> so the manifest is the same.
    /// </summary>
    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Export(HttpContext context, TransferStore transfers, BlobStore blobs, long? since, long? to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await transfers.CheckTokenAsync(context.Request.Headers.Authorization, cancellationToken) is not { } token)
        {
            return Problems.Of("unauthorized");
        }

        if (!token.Active)
        {
            return Problems.Of("reviewer-removed");
        }

        var reviewer = token.ReviewerId;

        // Sequence numbers are positive and far below long.MaxValue; anything else cannot name an envelope.
        if (since is < 0 or > MaxSequence || to is < 0 or > MaxSequence)
        {
            return Problems.Of("bad-request");
        }

        // Every blob is opened before the first byte is sent: retention (here or in an admin process) may unlink a blob
        // mid-stream, and an open file outlives its name (POSIX; FileShare.Delete elsewhere), so an export never
        // ends short. Retention marks the row deleted before unlinking, so a blob gone between planning and opening
        // means a fresh plan will list it as deleted. .NET raises the soft descriptor limit to the hard one at start.
        ExportPlan plan;
        List<Stream> opened;
        var attempt = 0;
        while (true)
        {
            plan = await transfers.PlanExportAsync(reviewer, since, to, cancellationToken);
            opened = [];
            try
            {
                foreach (var item in plan.Items)
                {
                    opened.Add(blobs.OpenBlob(item.Id));
                }

                break;
            }
            catch (Exception e) when ((e is FileNotFoundException or DirectoryNotFoundException) && ++attempt < 3)
            {
                opened.ForEach(o => o.Dispose());
            }
        }

        try
        {
            return await StreamAsync(context, plan, opened, cancellationToken);
        }
        finally
        {
            foreach (var stream in opened)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> StreamAsync(HttpContext context, ExportPlan plan, List<Stream> opened, CancellationToken cancellationToken)
    {
        var skip = 0L;
        if (context.Request.Headers.Range.ToString() is { Length: > 0 } range
            && (context.Request.Headers.IfRange.Count == 0 || context.Request.Headers.IfRange == plan.ETag))
        {
            if (!range.StartsWith("bytes=", StringComparison.Ordinal) || !range.EndsWith('-')
                || !long.TryParse(range["bytes=".Length..^1], NumberStyles.None, CultureInfo.InvariantCulture, out skip) || skip >= plan.Length)
            {
                context.Response.Headers.ContentRange = $"bytes */{plan.Length}";
                return Problems.Of("range-not-satisfiable");
            }
        }

        var response = context.Response;
        response.StatusCode = skip > 0 ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
        response.ContentType = ExportMediaType;
        response.ContentLength = plan.Length - skip;
        response.Headers.ETag = plan.ETag;
        response.Headers.AcceptRanges = "bytes";
        if (skip > 0)
        {
            response.Headers.ContentRange = $"bytes {skip}-{plan.Length - 1}/{plan.Length}";
        }

        var body = response.Body;
        if (skip < plan.Head.Length)
        {
            await body.WriteAsync(plan.Head.AsMemory((int)skip), cancellationToken);
            skip = 0;
        }
        else
        {
            skip -= plan.Head.Length;
        }

        for (var i = 0; i < plan.Items.Count; i++)
        {
            var item = plan.Items[i];
            if (skip >= item.Size)
            {
                skip -= item.Size;
                continue;
            }

            var blob = opened[i];
            blob.Position = skip;
            skip = 0;
            await blob.CopyToAsync(body, cancellationToken);
        }

        return TypedResults.Empty;
    }

    public static async Task<Results<Ok<OutboxApplied>, ProblemHttpResult>> ApplyOutbox(HttpContext context, TransferStore transfers, IOptions<IntakeOptions> options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Problems.Of("unsupported-media-type");
        }

        // Read into one buffer no larger than the limit (BodyLimits has refused a larger Content-Length already and
        // stops a body without one at the limit as it streams): never an unbounded string or MemoryStream.
        var limit = options.Value.MaxOutboxBytes;
        if (context.Request.ContentLength is not { } declared || declared > limit)
        {
            return Problems.Of(context.Request.ContentLength is null ? "bad-request" : "too-large");
        }

        var bytes = new byte[declared];
        try
        {
            await context.Request.Body.ReadExactlyAsync(bytes, cancellationToken);
        }
        catch (EndOfStreamException)
        {
            return Problems.Of("bad-request");
        }

        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return Problems.Of("bad-request");
        }

        var outcome = await transfers.ApplyOutboxAsync(text, options.Value.MaxReplyBytes, options.Value.DeleteWhenAllAcknowledged, cancellationToken);
        return outcome.Problem is { } problem
            ? Problems.Of(problem)
            : TypedResults.Ok(new OutboxApplied(outcome.Acknowledged, outcome.Replies, outcome.Deleted, outcome.Items));
    }
}
