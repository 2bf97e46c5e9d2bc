using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Security;
using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web.Storage;

/// <summary>An export bundle ready to stream: the signed head, then these blobs in order.</summary>
public sealed record ExportPlan(byte[] Head, IReadOnlyList<StoredEnvelope> Items, long Length, string ETag);

/// <summary>What one item of an outbox did: an acknowledgement (by envelope id) or a reply (by its index in "replies").</summary>
public sealed record OutboxItemResult(string Type, string? Id, int? Index, string Result);

/// <summary>What one outbox did, item by item (export-bundle-v1.md §outbox results).</summary>
public sealed record OutboxOutcome(int Acknowledged, int Replies, int Deleted, string? Problem, IReadOnlyList<OutboxItemResult> Items)
{
    public static OutboxOutcome Refused(string problem) => new(0, 0, 0, problem, []);
}

/// <summary>
/// Fetch tokens, export bundles, outboxes and retention (export-bundle-v1.md). A fetch token only ever reads;
/// every change to what the server holds needs a reviewer's signature.
/// </summary>
public sealed class TransferStore(IntakeDbContext db, BlobStore blobs, IntakeStore store, BundleProvider bundle, ServerSigningKey serverKey, TimeProvider time)
{
    public const string TokenPrefix = "sift_";
    public const string OutboxFormat = "safeintake-outbox/1";
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private DateOnly Today => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    public static string HashToken(string token) => Convert.ToHexStringLower(Signatures.Hash(Encoding.UTF8.GetBytes(token)));

    /// <summary>Creates a token for a reviewer of the current bundle; the token itself is returned once and never stored.</summary>
    public async Task<(FetchToken Row, string Token)> CreateTokenAsync(string reviewerId, string label, CancellationToken cancellationToken = default)
    {
        if (bundle.Current.Bundle.FindReviewer(reviewerId) is null)
        {
            throw new IntakeConfigurationException($"'{reviewerId}' is not a reviewer in the current bundle.");
        }

        var token = TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var row = new FetchToken { Id = IntakeStore.NewId()[..12], Hash = HashToken(token), ReviewerId = reviewerId, Label = label, CreatedDay = Today };
        db.FetchTokens.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return (row, token);
    }

    public async Task<bool> RevokeTokenAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await db.FetchTokens.SingleOrDefaultAsync(t => t.Id == id && t.RevokedDay == null, cancellationToken);
        if (row is null)
        {
            return false;
        }

        row.RevokedDay = Today;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Revokes every active token of a reviewer (a reviewer who leaves, a lost machine); the ids revoked.</summary>
    public async Task<IReadOnlyList<string>> RevokeReviewerTokensAsync(string reviewerId, CancellationToken cancellationToken = default)
    {
        var rows = await db.FetchTokens.Where(t => t.ReviewerId == reviewerId && t.RevokedDay == null).ToListAsync(cancellationToken);
        foreach (var row in rows)
        {
            row.RevokedDay = Today;
        }

        await db.SaveChangesAsync(cancellationToken);
        return rows.Select(r => r.Id).ToList();
    }

    /// <summary>
    /// The token's reviewer and whether that reviewer is in the current bundle; null for a missing, unknown or revoked
    /// token. A reviewer dropped from the bundle no longer receives new reports, so their token must not read them either.
    /// </summary>
    public async Task<(string ReviewerId, bool Active)?> CheckTokenAsync(string? authorization, CancellationToken cancellationToken)
    {
        if (authorization is null || !authorization.StartsWith("Bearer " + TokenPrefix, StringComparison.Ordinal) || authorization.Length > 200)
        {
            return null;
        }

        var hash = HashToken(authorization["Bearer ".Length..].Trim());
        var row = await db.FetchTokens.AsNoTracking().SingleOrDefaultAsync(t => t.Hash == hash && t.RevokedDay == null, cancellationToken);
        return row is null ? null : (row.ReviewerId, bundle.Current.Bundle.FindReviewer(row.ReviewerId) is not null);
    }

    /// <summary>
    /// Plans an export for <paramref name="reviewerId"/>: every sequence number from <c>from</c> to <c>to</c>, each
    /// included or omitted with a reason, in a manifest signed by the server key before any item is sent.
    /// </summary>
    public async Task<ExportPlan> PlanExportAsync(string reviewerId, long? since, long? upTo, CancellationToken cancellationToken)
    {
        var acknowledged = (await db.Acknowledgements.AsNoTracking().Where(a => a.ReviewerId == reviewerId).Select(a => a.EnvelopeId).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var query = db.Envelopes.AsNoTracking().Where(e => e.Sequence > (since ?? 0));
        if (upTo is { } limit)
        {
            query = query.Where(e => e.Sequence <= limit);
        }

        var rows = await query.OrderBy(e => e.Sequence).ToListAsync(cancellationToken);
        var items = new JsonArray();
        var included = new List<StoredEnvelope>();
        foreach (var row in rows)
        {
            // Without "since", what this reviewer already acknowledged is listed but not sent again.
            var omittedReason = row.State == EnvelopeState.Deleted ? "deleted"
                : since is null && acknowledged.Contains(row.Id) ? "acknowledged"
                : null;
            if (omittedReason is not null)
            {
                items.Add(new JsonObject { ["seq"] = row.Sequence, ["state"] = "omitted", ["reason"] = omittedReason });
                continue;
            }

            included.Add(row);
            items.Add(new JsonObject
            {
                ["seq"] = row.Sequence,
                ["state"] = "included",
                ["id"] = row.Id,
                ["kind"] = row.Kind switch { EnvelopeKind.Report => "report", EnvelopeKind.FollowUp => "follow-up", _ => "reply" },
                ["day"] = row.ReceivedDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                ["size"] = row.Size,
                ["hash"] = row.EnvelopeHash,
                ["bundle"] = row.BundleHash,
                ["mailbox"] = row.MailboxKey,
                ["signature"] = row.Signature,
                ["reviewerId"] = row.ReviewerId,
            });
        }

        var from = rows.Count > 0 ? rows[0].Sequence : (since ?? 0) + 1;
        var to = rows.Count > 0 ? rows[^1].Sequence : since ?? 0;
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["type"] = "safeintake-export",
            ["v"] = 1,
            ["server"] = serverKey.PublicKey.ToBase64(),
            ["reviewer"] = reviewerId,
            ["created"] = Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["from"] = from,
            ["to"] = to,
            ["items"] = items,
        }, Compact);
        var head = new byte[8 + 4 + manifest.Length + 64];
        "SIExprt1"u8.CopyTo(head);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(8), (uint)manifest.Length);
        manifest.CopyTo(head, 12);
        serverKey.SignExportManifest(manifest).CopyTo(head, 12 + manifest.Length);
        var etag = "\"" + Convert.ToHexStringLower(Signatures.Hash(head).AsSpan(0, 16)) + "\"";
        return new ExportPlan(head, included, head.LongLength + included.Sum(i => i.Size), etag);
    }

    /// <summary>
    /// Applies a signed outbox: every acknowledgement and every reply on its own (one bad item never blocks the
    /// others), all in one transaction with the outbox's replay record, then retention. Refused as a whole only
    /// when the outbox itself is not a reviewer's signed outbox, or was applied before.
    /// </summary>
    public async Task<OutboxOutcome> ApplyOutboxAsync(string fileText, long maxReplyBytes, bool deleteWhenAllAcknowledged, CancellationToken cancellationToken)
    {
        if (!TryReadOutbox(fileText, out var body, out var signature, out var root)
            || StringOf(root["reviewer"]) is not { } reviewerId
            || bundle.Current.Bundle.FindReviewer(reviewerId) is not { } reviewer)
        {
            return OutboxOutcome.Refused("bad-request");
        }

        if (!Signatures.VerifyOutbox(reviewer.SigningKey, body, signature))
        {
            return OutboxOutcome.Refused("signature-invalid");
        }

        var hash = Convert.ToHexStringLower(Signatures.Hash(body));
        var results = new List<OutboxItemResult>();

        // Replies are checked and their bytes staged before the transaction (file I/O has no place inside it); a
        // crash before the commit leaves orphans that start-up repair removes, and the outbox can be sent again.
        var staged = new List<(int Index, StoredEnvelope Envelope, string UploadId)>();
        var index = 0;
        foreach (var item in root["replies"] as JsonArray ?? [])
        {
            var at = index++;
            if (!TryReadReply(item, bundle.Current.Bundle, reviewerId, maxReplyBytes, out var reply))
            {
                results.Add(new("reply", null, at, "invalid"));
                continue;
            }

            var mailboxId = Signatures.MailboxId(reply.Reply.Claim.Mailbox);
            if (!await store.MailboxExistsAsync(mailboxId, cancellationToken))
            {
                results.Add(new("reply", null, at, "mailbox-unknown"));
                continue;
            }

            var (envelope, uploadId) = await store.StageReplyAsync(reply.Envelope, reply.Reply, cancellationToken);
            staged.Add((at, envelope, uploadId));
        }

        var committed = new List<(StoredEnvelope Envelope, string UploadId)>();
        var acknowledged = 0;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (await db.ProcessedOutboxes.AnyAsync(o => o.Hash == hash, cancellationToken))
            {
                Unstage(staged.Select(s => (s.Envelope, s.UploadId)));
                return OutboxOutcome.Refused("replayed");
            }

            db.ProcessedOutboxes.Add(new ProcessedOutbox { Hash = hash, ReviewerId = reviewerId, Day = Today });
            var ids = (root["acks"] as JsonArray ?? []).Select(n => n is JsonValue v && v.TryGetValue<string>(out var t) ? t : null).Distinct().ToList();
            var valid = ids.OfType<string>().Where(BlobStore.IsId).ToList();
            var known = (await db.Envelopes.Where(e => valid.Contains(e.Id)).ToListAsync(cancellationToken)).ToDictionary(e => e.Id, StringComparer.Ordinal);
            var already = (await db.Acknowledgements.Where(a => a.ReviewerId == reviewerId && valid.Contains(a.EnvelopeId)).Select(a => a.EnvelopeId).ToListAsync(cancellationToken))
                .ToHashSet(StringComparer.Ordinal);
            foreach (var id in ids)
            {
                if (id is null || !known.TryGetValue(id, out var envelope))
                {
                    results.Add(new("ack", id is not null && BlobStore.IsId(id) ? id : null, null, "unknown-envelope"));
                }
                else if (already.Contains(id))
                {
                    results.Add(new("ack", id, null, "already-acknowledged"));
                }
                else
                {
                    db.Acknowledgements.Add(new Acknowledgement { EnvelopeId = id, ReviewerId = reviewerId, Day = Today });
                    if (envelope.State == EnvelopeState.Stored)
                    {
                        envelope.State = EnvelopeState.Acknowledged;
                    }

                    acknowledged++;
                    results.Add(new("ack", id, null, "acknowledged"));
                }
            }

            // The same reply sent again (a console resending after a lost outbox) is the stored one: the witness
            // never sees it twice. The unique index on (MailboxId, EnvelopeHash) of replies backs this check.
            var seen = new HashSet<(string?, string)>();
            foreach (var (at, envelope, uploadId) in staged)
            {
                var duplicate = !seen.Add((envelope.MailboxId, envelope.EnvelopeHash))
                    || await db.Envelopes.AnyAsync(e => e.Kind == EnvelopeKind.Reply && e.MailboxId == envelope.MailboxId && e.EnvelopeHash == envelope.EnvelopeHash, cancellationToken);
                if (duplicate)
                {
                    results.Add(new("reply", envelope.EnvelopeHash, at, "already-stored"));
                    continue;
                }

                db.Envelopes.Add(envelope);
                committed.Add((envelope, uploadId));
                results.Add(new("reply", envelope.EnvelopeHash, at, "stored"));
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            Unstage(staged.Select(s => (s.Envelope, s.UploadId)));
            throw;
        }

        foreach (var (envelope, uploadId) in staged.Select(s => (s.Envelope, s.UploadId)))
        {
            if (committed.Any(c => c.UploadId == uploadId))
            {
                blobs.ReleaseUpload(uploadId);
            }
            else
            {
                Unstage([(envelope, uploadId)]);
            }
        }

        // Only the acknowledgement rule: the age rule runs in the hourly sweep. The administrator's choice is passed, never defaulted.
        var deleted = await ApplyRetentionAsync(0, deleteWhenAllAcknowledged, cancellationToken);
        var ordered = results.Where(r => r.Type == "ack").Concat(results.Where(r => r.Type == "reply").OrderBy(r => r.Index)).ToList();
        return new(acknowledged, committed.Count, deleted, null, ordered);
    }

    private void Unstage(IEnumerable<(StoredEnvelope Envelope, string UploadId)> staged)
    {
        foreach (var (envelope, uploadId) in staged)
        {
            blobs.DeleteBlob(envelope.Id);
            blobs.DeleteUpload(uploadId);
        }
    }

    /// <summary>
    /// Deletes ciphertext that every current reviewer has acknowledged (when enabled) or that is older than
    /// <paramref name="retentionDays"/>. The row stays, marked deleted, so exports keep every sequence number.
    /// </summary>
    public async Task<int> ApplyRetentionAsync(int retentionDays, bool deleteWhenAllAcknowledged, CancellationToken cancellationToken)
    {
        var reviewers = bundle.Current.Bundle.Reviewers.Select(r => r.Id).ToList();
        var candidates = new List<StoredEnvelope>();
        if (deleteWhenAllAcknowledged)
        {
            // Replies are exported to the reviewers too (the whole team sees the thread), but they exist for the witness:
            // acknowledgement must not delete them, only the retention period does.
            var acked = await db.Envelopes.Where(e => e.State == EnvelopeState.Acknowledged && e.Kind != EnvelopeKind.Reply).ToListAsync(cancellationToken);
            foreach (var envelope in acked)
            {
                var by = await db.Acknowledgements.Where(a => a.EnvelopeId == envelope.Id).Select(a => a.ReviewerId).ToListAsync(cancellationToken);
                if (reviewers.All(by.Contains))
                {
                    candidates.Add(envelope);
                }
            }
        }

        if (retentionDays > 0)
        {
            var cutoff = Today.AddDays(-retentionDays);
            candidates.AddRange(await db.Envelopes.Where(e => e.State != EnvelopeState.Deleted && e.ReceivedDay < cutoff).ToListAsync(cancellationToken));
        }

        foreach (var envelope in candidates.DistinctBy(e => e.Id))
        {
            envelope.State = EnvelopeState.Deleted;
            await db.SaveChangesAsync(cancellationToken);
            blobs.DeleteBlob(envelope.Id);
        }

        return candidates.DistinctBy(e => e.Id).Count();
    }

    // A field of the wrong JSON type (a number, an object) is a malformed outbox, not an exception.
    private static string? StringOf(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    // An outbox is at most four levels deep (body, replies, a reply, its members); 16 leaves room for members to come.
    private const int OutboxMaxDepth = 16;

    private static bool TryReadOutbox(string fileText, out byte[] body, out byte[] signature, out JsonObject root)
    {
        body = [];
        signature = [];
        root = [];
        try
        {
            var file = JsonNode.Parse(fileText, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject;
            if (file?["format"]?.GetValue<string>() != OutboxFormat)
            {
                return false;
            }

            // Canonical base64 only, as the console reads it: .NET's decoder would skip whitespace, and two readers of
            // one signed file must agree on its bytes. The body is parsed before the signature is checked because it
            // names the signing reviewer; its size is capped by MaxOutboxBytes and its depth here.
            if (!StrictBase64.TryDecode(file["body"]!.GetValue<string>(), out body) || !StrictBase64.TryDecode(file["signature"]!.GetValue<string>(), out signature))
            {
                return false;
            }

            root = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = OutboxMaxDepth }) as JsonObject ?? [];
            return signature.Length == 64 && root["type"]?.GetValue<string>() == "safeintake-outbox" && root["v"]?.GetValue<int>() == 1;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NullReferenceException)
        {
            return false;
        }
    }

    /// <summary>One reply of an outbox, signed by the outbox's own reviewer; a fault refuses this reply only.</summary>
    private static bool TryReadReply(JsonNode? node, ReviewerBundle reviewers, string reviewerId, long maxBytes, out (byte[] Envelope, VerifiedReply Reply) reply)
    {
        reply = default;
        try
        {
            // A cheap guard on the base64 text before decoding; Verify applies the exact byte limit.
            if (node is not JsonObject item
                || !ReplyVerifier.TryReadClaim(reviewers, item["mailbox"]?.GetValue<string>(), reviewerId, item["signature"]?.GetValue<string>(), out var claim)
                || item["envelope"]?.GetValue<string>() is not { } envelopeText
                || envelopeText.Length > maxBytes * 4 / 3 + 4)
            {
                return false;
            }

            if (!StrictBase64.TryDecode(envelopeText, out var envelope))
            {
                return false;
            }

            var verification = ReplyVerifier.Verify(claim, envelope, maxBytes);
            if (!verification.IsValid)
            {
                return false;
            }

            reply = (envelope, verification.Reply);
            return true;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException)
        {
            return false;
        }
    }
}
