using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Security;
using SafeIntake.Intake.Web.Storage;
using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web.Endpoints;

public sealed record ChallengeRequest(string? Mailbox);

public sealed record ChallengeIssued(string Challenge, string Token);

public sealed record OpenMailboxRequest(string? Mailbox, string? Token, string? Signature);

public sealed record ReplyItem(string Id, DateOnly Day, string Reviewer, string Signature, string Envelope);

public sealed record MailboxContents(IReadOnlyList<ReplyItem> Replies, int FollowUps);

public sealed record ReplyStored(string Id);

/// <summary>Anonymous follow-up (docs/spec/intake-api.md): mailbox proofs, replies in, replies out.</summary>
public static class MailboxApi
{
    public static void MapMailboxApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapPost("/mailbox/challenge", IssueChallenge).WithBudget(Budget.Mailbox);
        api.MapPost("/mailbox/open", OpenMailbox).WithBudget(Budget.Mailbox);
        api.MapPost("/replies", StoreReply).WithBudget(Budget.Reviewer);
    }

    public static Results<Ok<ChallengeIssued>, ProblemHttpResult> IssueChallenge(ChallengeRequest? request, MailboxChallenges challenges)
    {
        if (!Ed25519PublicKey.TryParseBase64(request?.Mailbox, out var mailbox))
        {
            return Problems.Of("bad-request");
        }

        // The same answer whether or not the mailbox exists: the challenge says nothing about it.
        var (challenge, token) = challenges.Issue(mailbox);
        return TypedResults.Ok(new ChallengeIssued(challenge, token));
    }

    public static async Task<Results<Ok<MailboxContents>, ProblemHttpResult>> OpenMailbox(
        OpenMailboxRequest? request, MailboxChallenges challenges, IntakeDbContext db, BlobStore blobs, CancellationToken cancellationToken)
    {
        if (!Ed25519PublicKey.TryParseBase64(request?.Mailbox, out var mailbox))
        {
            return Problems.Of("bad-request");
        }

        if (!challenges.TryRedeem(mailbox, request!.Token, request.Signature))
        {
            return Problems.Of("challenge-invalid");
        }

        var mailboxId = Signatures.MailboxId(mailbox);
        var rows = await db.Envelopes.AsNoTracking()
            .Where(e => e.MailboxId == mailboxId && (e.Kind == EnvelopeKind.Reply || e.Kind == EnvelopeKind.FollowUp))
            .OrderBy(e => e.Sequence)
            .ToListAsync(cancellationToken);
        var replies = new List<ReplyItem>();
        // A reply removed by retention (its row stays, marked deleted) is gone for the witness too: list only stored ones.
        foreach (var reply in rows.Where(r => r.Kind == EnvelopeKind.Reply && r.State != EnvelopeState.Deleted))
        {
            var bytes = await File.ReadAllBytesAsync(blobs.BlobPath(reply.Id), cancellationToken);
            replies.Add(new ReplyItem(reply.Id, reply.ReceivedDay, reply.ReviewerId ?? "", reply.Signature ?? "", Convert.ToBase64String(bytes)));
        }

        return TypedResults.Ok(new MailboxContents(replies, rows.Count(r => r.Kind == EnvelopeKind.FollowUp)));
    }

    /// <summary>
    /// A reply from the console: accepted only with a valid §7.2 signature by a reviewer of the current bundle,
    /// so a stolen fetch token or a compromised transfer machine cannot put words in a reviewer's mouth.
    /// </summary>
    public static async Task<Results<Created<ReplyStored>, ProblemHttpResult>> StoreReply(
        HttpContext context, BundleProvider bundle, IntakeStore store, IOptions<IntakeOptions> options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!string.Equals(request.ContentType, "application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Of("unsupported-media-type");
        }

        if (!ReplyVerifier.TryReadClaim(bundle.Current.Bundle, request.Headers["SafeIntake-Mailbox"], request.Headers["SafeIntake-Reviewer"].ToString(),
                request.Headers["SafeIntake-Signature"].ToString(), out var claim)
            || claim.Signature.Length != ReplyVerifier.SignatureBase64Length)
        {
            return Problems.Of("bad-request");
        }

        if (request.ContentLength > options.Value.MaxReplyBytes)
        {
            return Problems.Of("too-large");
        }

        // Cheap refusals before the body is read into memory.
        if (!await store.MailboxExistsAsync(Signatures.MailboxId(claim.Mailbox), cancellationToken))
        {
            return Problems.Of("mailbox-unknown");
        }

        using var body = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (body.Length + read > options.Value.MaxReplyBytes)
            {
                return Problems.Of("too-large");
            }

            body.Write(buffer, 0, read);
        }

        var verification = ReplyVerifier.Verify(claim, body.GetBuffer().AsSpan(0, (int)body.Length), options.Value.MaxReplyBytes);
        if (!verification.IsValid)
        {
            return Problems.Of(verification.Failure switch
            {
                ReplyFailure.TooLarge => "too-large",
                ReplyFailure.HeaderFailure => "envelope-invalid",
                _ => "signature-invalid",
            });
        }

        var stored = await store.StoreReplyAsync(body, verification.Reply, cancellationToken);
        return TypedResults.Created((string?)null, new ReplyStored(stored.Id));
    }
}
