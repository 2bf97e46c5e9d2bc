using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Security;

namespace SafeIntake.Intake.Web.Storage;

/// <summary>The outcome of finalizing an upload: a stored envelope, or the problem code of the rule it broke.</summary>
public sealed record FinalizeOutcome(StoredEnvelope? Envelope, string? Problem);

/// <summary>
/// Uploads and stored envelopes. One lock per upload serialises its chunks and its finalize; the database and
/// the blob folder change together or not at all (a crash between the two is repaired by <see cref="RepairAsync"/>).
/// </summary>
public sealed class IntakeStore(IntakeDbContext db, BlobStore blobs, IntakeWriter writer, TimeProvider time)
{
    // A fixed set of locks, chosen by the upload id: memory stays bounded whatever ids anonymous clients send.
    private static readonly SemaphoreSlim[] Locks = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    // Replies only (reports and follow-ups are the writer's): "is this reply stored?" and its insert never interleave.
    private static readonly SemaphoreSlim ReplyGate = new(1, 1);

    // The witness path's lookups, compiled once: every chunk and finalize runs them, and translating the LINQ again
    // each time was the largest CPU cost of a chunk under load (bench/load.sh).
    private static readonly Func<IntakeDbContext, string, DateTimeOffset, CancellationToken, Task<PendingUpload?>> FindUpload =
        EF.CompileAsyncQuery((IntakeDbContext c, string id, DateTimeOffset now, CancellationToken _) => c.Uploads.AsNoTracking().SingleOrDefault(u => u.Id == id && u.ExpiresAt > now));

    private static readonly Func<IntakeDbContext, string, CancellationToken, Task<bool>> BundleServed =
        EF.CompileAsyncQuery((IntakeDbContext c, string hash, CancellationToken _) => c.Bundles.Any(b => b.Hash == hash));

    private static readonly Func<IntakeDbContext, string, CancellationToken, Task<bool>> MailboxExists =
        EF.CompileAsyncQuery((IntakeDbContext c, string mailboxId, CancellationToken _) => c.Envelopes.Any(e => e.MailboxId == mailboxId && e.Kind == EnvelopeKind.Report));

    public DateOnly Today => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async Task<PendingUpload> CreateUploadAsync(EnvelopeKind kind, long size, string? mailboxKey, int expiryHours)
    {
        var now = time.GetUtcNow();
        var upload = new PendingUpload
        {
            Id = NewId(),
            Kind = kind,
            DeclaredSize = size,
            MailboxKey = mailboxKey,
            // The first UTC midnight at least expiryHours away: no column keeps the hour an upload began.
            ExpiresAt = new DateTimeOffset(DateOnly.FromDateTime(now.UtcDateTime.AddHours(expiryHours)).AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        };
        blobs.CreateUpload(upload.Id);
        // Not cancellable once queued (IntakeWriter); a row whose witness left expires like any unused upload.
        await writer.AddUploadAsync(upload);
        return upload;
    }

    public Task<PendingUpload?> FindUploadAsync(string id, CancellationToken cancellationToken) =>
        BlobStore.IsId(id) ? FindUpload(db, id, time.GetUtcNow(), cancellationToken) : Task.FromResult<PendingUpload?>(null);

    public static async Task<IDisposable> LockAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var gate = Locks[(int)(unchecked((uint)StringComparer.Ordinal.GetHashCode(id)) % (uint)Locks.Length)];
        await gate.WaitAsync(cancellationToken);
        return new Releaser(gate);
    }

    /// <summary>
    /// Checks a complete upload and commits it: shape, bundle, follow-up signature and mailbox, then stage the blob
    /// (fsync + link), one transaction, and only then drop the upload's own file. Crash-safe in every order: before
    /// the commit the upload is still complete and resumable, after it the envelope is stored (<see cref="BlobStore.Stage"/>).
    /// On a rule's failure the upload is deleted: a rejected envelope leaves nothing behind. The same bytes already
    /// stored are that envelope (two proofs of work, one report): answered as a success, stored once
    /// (<see cref="IntakeWriter"/>).
    /// </summary>
    public async Task<FinalizeOutcome> FinalizeAsync(PendingUpload upload, string? signatureBase64, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        if (blobs.UploadLength(upload.Id) != upload.DeclaredSize)
        {
            // Kept, unlike every other failure: the page resumes the missing bytes and finalizes again.
            return new(null, "upload-incomplete");
        }

        var outcome = await CheckAsync(upload, signatureBase64, cancellationToken);
        if (outcome.Problem is not null)
        {
            await DiscardUploadAsync(upload.Id, cancellationToken);
            return outcome;
        }

        // The bytes and their blob name are made durable here, in parallel with other finalizes; recording them is
        // the writer's, which shares one transaction among the finalizes waiting for it.
        blobs.Stage(upload.Id, outcome.Envelope!.Id, outcome.Envelope.ReceivedDay);
        return new(await writer.CommitAsync(outcome.Envelope, upload.Id), null);
    }

    private async Task<FinalizeOutcome> CheckAsync(PendingUpload upload, string? signatureBase64, CancellationToken cancellationToken)
    {
        EnvelopeHeader? header;
        byte[] hash;
        await using (var stream = blobs.OpenUpload(upload.Id))
        {
            if (!EnvelopeHeader.TryRead(stream, out header))
            {
                return new(null, "envelope-invalid");
            }

            stream.Position = 0;
            hash = Signatures.EnvelopeHash(stream);
        }

        var bundleHash = Convert.ToHexStringLower(header.BundleHash);
        if (!await BundleServed(db, bundleHash, cancellationToken))
        {
            return new(null, "unknown-bundle");
        }

        var envelope = new StoredEnvelope
        {
            Id = NewId(),
            Kind = upload.Kind,
            ReceivedDay = Today,
            Size = upload.DeclaredSize,
            EnvelopeHash = Convert.ToHexStringLower(hash),
            BundleHash = bundleHash,
        };
        if (upload.MailboxKey is { } mailboxKey && Ed25519PublicKey.TryParseBase64(mailboxKey, out var mailbox))
        {
            envelope.MailboxKey = mailboxKey;
            envelope.MailboxId = Signatures.MailboxId(mailbox);
            if (upload.Kind == EnvelopeKind.FollowUp)
            {
                if (!StrictBase64.TryDecode(signatureBase64, out var signature) || !Signatures.VerifyFollowUp(mailbox, hash, signature))
                {
                    return new(null, "signature-invalid");
                }

                if (!await MailboxExistsAsync(envelope.MailboxId, cancellationToken))
                {
                    return new(null, "mailbox-unknown");
                }

                envelope.Signature = signatureBase64;
            }
        }

        return new(envelope, null);
    }

    public Task<bool> MailboxExistsAsync(string mailboxId, CancellationToken cancellationToken) => MailboxExists(db, mailboxId, cancellationToken);

    /// <summary>
    /// Stores one reviewer's reply atomically; only a <see cref="VerifiedReply"/> of these bytes gets here. The same
    /// reply sent again is the stored one: the witness never sees it twice.
    /// </summary>
    public async Task<StoredEnvelope> StoreReplyAsync(Stream body, VerifiedReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(reply);
        var hash = Convert.ToHexStringLower(reply.EnvelopeHash);
        var mailboxId = Signatures.MailboxId(reply.Claim.Mailbox);
        using var bytes = new MemoryStream();
        body.Position = 0;
        await body.CopyToAsync(bytes, cancellationToken);
        await ReplyGate.WaitAsync(cancellationToken);
        try
        {
            if (await db.Envelopes.FirstOrDefaultAsync(e => e.Kind == EnvelopeKind.Reply && e.EnvelopeHash == hash && e.MailboxId == mailboxId, cancellationToken)
                is { } existing)
            {
                return existing;
            }

            var (envelope, uploadId) = await StageReplyAsync(bytes.ToArray(), reply, cancellationToken);
            try
            {
                db.Envelopes.Add(envelope);
                await db.SaveChangesAsync(cancellationToken);
            }
            catch
            {
                blobs.DeleteBlob(envelope.Id);
                blobs.DeleteUpload(uploadId);
                throw;
            }

            blobs.ReleaseUpload(uploadId);
            return envelope;
        }
        finally
        {
            ReplyGate.Release();
        }
    }

    /// <summary>
    /// Writes a verified reply's bytes as a staged blob and returns its row, not yet added: the caller commits it in
    /// its own transaction, then calls <see cref="BlobStore.ReleaseUpload"/> with the returned upload id (or deletes
    /// both on failure). A crash before the commit leaves an orphan that start-up repair removes.
    /// </summary>
    public async Task<(StoredEnvelope Envelope, string UploadId)> StageReplyAsync(byte[] bytes, VerifiedReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(reply);
        var (mailbox, reviewer, signature) = reply.Claim;
        var uploadId = NewId();
        blobs.CreateUpload(uploadId);
        await blobs.AppendAsync(uploadId, new MemoryStream(bytes, writable: false), long.MaxValue, cancellationToken);
        var envelope = new StoredEnvelope
        {
            Id = NewId(),
            Kind = EnvelopeKind.Reply,
            ReceivedDay = Today,
            Size = bytes.LongLength,
            EnvelopeHash = Convert.ToHexStringLower(reply.EnvelopeHash),
            BundleHash = Convert.ToHexStringLower(reply.Header.BundleHash),
            MailboxKey = mailbox.ToBase64(),
            MailboxId = Signatures.MailboxId(mailbox),
            ReviewerId = reviewer.Id,
            Signature = signature,
        };
        blobs.Stage(uploadId, envelope.Id, envelope.ReceivedDay);
        return (envelope, uploadId);
    }

    public async Task DiscardUploadAsync(string id, CancellationToken cancellationToken)
    {
        await db.Uploads.Where(u => u.Id == id).ExecuteDeleteAsync(cancellationToken);
        blobs.DeleteUpload(id);
    }

    /// <summary>
    /// Start-up repair, only by the holder of the data folder's lock (so no finalize of another process is in
    /// flight): expired uploads go, upload rows whose file is gone go (HEAD never answers a negative offset), upload
    /// files without a row go (created but never recorded, or committed and not yet released), and blobs without a row
    /// go (staged, never committed, never acknowledged to anyone; their upload, when it still exists, is whole and
    /// resumable). Rows whose blob vanished are kept and counted, never silently dropped.
    /// </summary>
    public async Task<(int Uploads, int Orphans)> RepairAsync(DataFolderLock heldLock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(heldLock);
        var expired = await SweepExpiredUploadsAsync(cancellationToken);
        var rows = await db.Uploads.Select(u => u.Id).ToListAsync(cancellationToken);
        var lost = rows.Where(id => blobs.UploadLength(id) < 0).ToList();
        foreach (var id in lost)
        {
            await db.Uploads.Where(u => u.Id == id).ExecuteDeleteAsync(cancellationToken);
        }

        var known = rows.Except(lost).ToHashSet(StringComparer.Ordinal);
        var strayUploads = blobs.UploadIds().Where(id => !known.Contains(id)).ToList();
        strayUploads.ForEach(blobs.DeleteUpload);

        var stored = (await db.Envelopes.Select(e => e.Id).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var orphans = blobs.BlobIds().Where(id => !stored.Contains(id)).ToList();
        orphans.ForEach(blobs.DeleteBlob);
        return (expired + lost.Count + strayUploads.Count, orphans.Count);
    }

    /// <summary>
    /// Hourly and at start-up: uploads past their deadline go, each under its own lock so no chunk or finalize of
    /// it is running. Never touches blobs: what a finalize has staged is decided by its own transaction.
    /// </summary>
    public async Task<int> SweepExpiredUploadsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expired = await db.Uploads.Where(u => u.ExpiresAt <= now).Select(u => u.Id).ToListAsync(cancellationToken);
        foreach (var id in expired)
        {
            using var gate = await LockAsync(id, cancellationToken);
            if (await db.Uploads.AnyAsync(u => u.Id == id && u.ExpiresAt <= now, cancellationToken))
            {
                await DiscardUploadAsync(id, cancellationToken);
            }
        }

        return expired.Count;
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
