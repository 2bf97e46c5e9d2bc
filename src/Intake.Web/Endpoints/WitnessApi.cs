using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Security;
using SafeIntake.Intake.Web.Storage;
using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web.Endpoints;

public sealed record PowAnswer(string? Token, string? Nonce);

public sealed record CreateUploadRequest(string? Kind, long? Size, string? Mailbox, PowAnswer? Pow, string? Website);

public sealed record UploadCreated(string Id, long Offset, int ChunkBytes, DateOnly Expires);

public sealed record FinalizeRequest(string? Signature);

public sealed record UploadReceived(DateOnly Received);

public sealed record PowIssued(string Token, string Scheme, int Difficulty, int Iterations, DateOnly Expires);

/// <summary>The witness flow of docs/spec/intake-api.md: bundle, proof of work, resumable upload.</summary>
public static class WitnessApi
{
    public const string UploadMediaType = "application/offset+octet-stream";
    public const string RateLimitPolicy = "witness";

    public static void MapWitnessApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapGet("/bundle", GetBundle);
        // Issuing a challenge is stateless and free; the witness budget is charged in CreateUpload, for verified work only.
        api.MapPost("/pow", IssuePow);
        api.MapPost("/uploads", CreateUpload);
        api.MapPatch("/uploads/{id}", AppendChunk);
        api.MapMethods("/uploads/{id}", ["HEAD"], (Delegate)GetOffset);
        api.MapPost("/uploads/{id}/finalize", FinalizeUpload);
        api.MapDelete("/uploads/{id}", Cancel);
    }

    public static ContentHttpResult GetBundle(BundleProvider bundle) =>
        TypedResults.Text(bundle.FileText, "application/json", System.Text.Encoding.UTF8);

    public static Ok<PowIssued> IssuePow(ProofOfWork pow)
    {
        var challenge = pow.Issue();
        return TypedResults.Ok(new PowIssued(challenge.Token, ProofOfWork.Scheme, challenge.Difficulty, challenge.Iterations, challenge.Expires));
    }

    public static async Task<Results<Created<UploadCreated>, ProblemHttpResult>> CreateUpload(
        CreateUploadRequest? request, HttpContext context, ProofOfWork pow, Budgets budgets, StorageBudget storage, IntakeStore store,
        IOptions<IntakeOptions> options, CancellationToken cancellationToken)
    {
        if (request is null || request.Kind is not ("report" or "follow-up") || request.Size is not { } size)
        {
            return Problems.Of("bad-request");
        }

        // A honeypot hit is answered like any malformed request: a bot learns nothing about what tripped it.
        if (!string.IsNullOrEmpty(request.Website))
        {
            return Problems.Of("bad-request");
        }

        var kind = request.Kind == "report" ? EnvelopeKind.Report : EnvelopeKind.FollowUp;
        string? mailbox = null;
        if (request.Mailbox is not null)
        {
            if (!Ed25519PublicKey.TryParseBase64(request.Mailbox, out var key))
            {
                return Problems.Of("bad-request");
            }

            mailbox = key.ToBase64();
        }

        if (kind == EnvelopeKind.FollowUp && mailbox is null)
        {
            return Problems.Of("bad-request");
        }

        if (size > options.Value.MaxEnvelopeBytes)
        {
            return Problems.Of("too-large");
        }

        if (size < EnvelopeHeader.MinimumPrefixLength + 32 + 80 + Padding.MinimumBucket + 16)
        {
            return Problems.Of("envelope-invalid");
        }

        var retryAfter = 0;
        switch (pow.Redeem(request.Pow?.Token, request.Pow?.Nonce, () => budgets.TryTake(Budget.Witness, out retryAfter)))
        {
            case PowOutcome.Invalid:
                return Problems.Of("pow-invalid");
            case PowOutcome.OverBudget:
                // The solution stays unused: the page sends it again after Retry-After.
                context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Of("rate-limited");
        }

        if (!await storage.AdmitsAsync(size, cancellationToken))
        {
            budgets.Return(Budget.Witness);
            context.Response.Headers.RetryAfter = StorageBudget.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of("storage-full");
        }

        var upload = await store.CreateUploadAsync(kind, size, mailbox, options.Value.UploadExpiryHours);
        return TypedResults.Created($"/api/v1/uploads/{upload.Id}",
            new UploadCreated(upload.Id, 0, options.Value.ChunkBytes, DateOnly.FromDateTime(upload.ExpiresAt.UtcDateTime)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> AppendChunk(
        string id, HttpContext context, IntakeStore store, StorageBudget storage, BlobStore blobs, IOptions<IntakeOptions> options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!string.Equals(context.Request.ContentType, UploadMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Of("unsupported-media-type");
        }

        if (!long.TryParse(context.Request.Headers["Upload-Offset"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var offset))
        {
            return Problems.Of("bad-request");
        }

        if (context.Request.ContentLength > options.Value.ChunkBytes)
        {
            return Problems.Of("too-large");
        }

        // The body arrives with no lock held, into its own file; the lock covers only the offset check and a local append,
        // so a witness on a slow link (or an attacker trickling bytes) never stalls another upload.
        var upload = await store.FindUploadAsync(id, cancellationToken);
        if (upload is null)
        {
            return Problems.Of("upload-not-found");
        }

        var current = blobs.UploadLength(id);
        if (current < 0)
        {
            return Problems.Of("upload-not-found");
        }

        context.Response.Headers["Upload-Offset"] = current.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (offset != current)
        {
            return Problems.Of("offset-mismatch");
        }

        if (!storage.HasFreeSpace(Math.Min(options.Value.ChunkBytes, upload.DeclaredSize - current)))
        {
            context.Response.Headers.RetryAfter = StorageBudget.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of("storage-full");
        }

        // The declared size is enforced as bytes arrive, and one request never exceeds a chunk.
        var chunk = await blobs.ReceiveChunkAsync(context.Request.Body, Math.Min(upload.DeclaredSize - offset, options.Value.ChunkBytes), cancellationToken);
        if (chunk is null)
        {
            return Problems.Of("too-large");
        }

        long length;
        try
        {
            using var gate = await IntakeStore.LockAsync(id, cancellationToken);
            if (await store.FindUploadAsync(id, cancellationToken) is null)
            {
                return Problems.Of("upload-not-found");
            }

            current = blobs.UploadLength(id);
            context.Response.Headers["Upload-Offset"] = current.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (offset != current)
            {
                return Problems.Of("offset-mismatch");
            }

            length = await blobs.AppendFileAsync(id, chunk, cancellationToken);
        }
        finally
        {
            File.Delete(chunk);
        }

        context.Response.Headers["Upload-Offset"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> GetOffset(string id, HttpContext context, IntakeStore store, BlobStore blobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var upload = await store.FindUploadAsync(id, cancellationToken);
        if (upload is null)
        {
            return Problems.Of("upload-not-found");
        }

        // A row whose file is gone is no upload a page can resume: never a negative offset.
        var offset = blobs.UploadLength(id);
        if (offset < 0)
        {
            return Problems.Of("upload-not-found");
        }

        context.Response.Headers["Upload-Offset"] = offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["Upload-Length"] = upload.DeclaredSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Created<UploadReceived>, ProblemHttpResult>> FinalizeUpload(string id, FinalizeRequest? request, IntakeStore store, CancellationToken cancellationToken)
    {
        using var gate = await IntakeStore.LockAsync(id, cancellationToken);
        var upload = await store.FindUploadAsync(id, cancellationToken);
        if (upload is null)
        {
            return Problems.Of("upload-not-found");
        }

        var outcome = await store.FinalizeAsync(upload, request?.Signature, cancellationToken);
        if (outcome.Envelope is not { } envelope)
        {
            return Problems.Of(outcome.Problem!);
        }

        // Deliberately not logged: a log line per submission would date it.
        return TypedResults.Created((string?)null, new UploadReceived(envelope.ReceivedDay));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Cancel(string id, IntakeStore store, CancellationToken cancellationToken)
    {
        using var gate = await IntakeStore.LockAsync(id, cancellationToken);
        if (await store.FindUploadAsync(id, cancellationToken) is null)
        {
            return Problems.Of("upload-not-found");
        }

        await store.DiscardUploadAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }
}
