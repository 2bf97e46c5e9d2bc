using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace SafeIntake.Intake.Web.Storage;

/// <summary>
/// Group commit for the witness path: the one writer of new upload rows and of finalized reports and follow-ups.
/// Whatever arrives while a commit runs waits for the next one and shares it: one "already stored?" query and one
/// database transaction (one WAL fsync) for the whole batch. Before this, every create and
/// every finalize took SQLite's write lock on its own, and concurrent witnesses spent most of their time in SQLite's
/// busy back-off (bench/load.sh). Durability per item is unchanged: nobody is answered before the transaction holding
/// their row has committed, and a blob's bytes (fsynced by the caller) and name (the folder fsync) are on disk before
/// it. Being the only writer of these rows, it decides "identical bytes are stored once" without any other lock.
/// </summary>
public sealed class IntakeWriter : IAsyncDisposable
{
    /// <summary>Bounds one transaction (and the SQL parameters of its lookup); the rest wait for the next.</summary>
    private const int MaxBatch = 64;

    private readonly IServiceScopeFactory _scopes;
    private readonly BlobStore _blobs;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private StoredToday? _today;
    private StoredTotal? _total;
    private long _committedBytes;
    private AsyncServiceScope? _scope;
    private IntakeDbContext? _db;
    private bool? _synchronousFull;

    public IntakeWriter(IServiceScopeFactory scopes, BlobStore blobs)
    {
        _scopes = scopes;
        _blobs = blobs;
        // Ciphertext deleted (acknowledged, expired) frees its room at once: the next admission sums again rather
        // than counting the deleted bytes for up to StoredTotalMaxAge.
        _blobs.BlobDeleted += () => Volatile.Write(ref _total, null);
        _loop = Task.Run(WriteAsync);
    }

    /// <summary>
    /// Bytes of reports and follow-ups received on <paramref name="day"/> and committed, or null when this process has
    /// not committed any that day (the caller then asks the database). Only ever grows within a day, like the sum it
    /// stands for; kept here because this is the one place those rows are written.
    /// </summary>
    public long? BytesStoredOn(DateOnly day) => Volatile.Read(ref _today) is { } today && today.Day == day ? today.Bytes : null;

    /// <summary>How old a database sum of every stored envelope may be before <see cref="StoredBytes"/> stops answering.</summary>
    public static readonly TimeSpan StoredTotalMaxAge = TimeSpan.FromSeconds(10);

    /// <summary>Bytes of every envelope this process has committed since it started: only grows.</summary>
    public long CommittedBytes => Interlocked.Read(ref _committedBytes);

    /// <summary>
    /// Bytes of every stored envelope: a database sum at most <see cref="StoredTotalMaxAge"/> old plus what this writer
    /// committed since, or null when there is no such sum (the caller sums and hands it to <see cref="RememberStoredBytes"/>),
    /// so a create under a total cap costs no scan of every row. A blob deleted by this process drops the sum. It errs
    /// high, never low: rows committed while the sum ran count twice, and a sum that was running while a blob was
    /// deleted (or rows deleted by another process, an admin command) count until the next one.
    /// </summary>
    public long? StoredBytes(DateTimeOffset now) =>
        Volatile.Read(ref _total) is { } total && now - total.At < StoredTotalMaxAge && now >= total.At
            ? total.Sum + (CommittedBytes - total.CommittedBefore)
            : null;

    /// <summary>Keeps a database sum of every stored envelope taken at <paramref name="at"/>, when <see cref="CommittedBytes"/> was <paramref name="committedBefore"/>.</summary>
    public void RememberStoredBytes(long sum, long committedBefore, DateTimeOffset at) => Volatile.Write(ref _total, new StoredTotal(sum, committedBefore, at));

    /// <summary>Records a new upload whose (empty) file exists.</summary>
    public Task AddUploadAsync(PendingUpload upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        return Enqueue(new Pending(upload, null, null));
    }

    /// <summary>
    /// Commits <paramref name="envelope"/>, whose bytes are upload <paramref name="uploadId"/>'s file, already
    /// staged under the envelope's id (<see cref="BlobStore.Stage"/>: fsynced, linked, the folder fsynced, all in the
    /// caller's thread, so concurrent finalizes sync in parallel and the writer only commits rows). Returns the stored row: this one, or the earlier one with the same bytes (the upload is then
    /// discarded). Not cancellable once queued: a witness who hangs up may still have been received.
    /// </summary>
    public Task<StoredEnvelope> CommitAsync(StoredEnvelope envelope, string uploadId)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return Enqueue(new Pending(null, envelope, uploadId));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        await ResetContextAsync();
    }

    private Task<StoredEnvelope> Enqueue(Pending pending) =>
        _queue.Writer.TryWrite(pending) ? pending.Done.Task : throw new InvalidOperationException("The server is stopping.");

    private async Task WriteAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            // New uploads first, in a commit of their own that needs no fsync: a create never waits for the sync of
            // finalizes queued beside it.
            await CommitAsync(batch.Where(p => p.Envelope is null).ToList());
            await CommitAsync(batch.Where(p => p.Envelope is not null).ToList());
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await CommitBatchAsync(batch);
        }
        catch (Exception) when (batch.Count > 1)
        {
            // One bad item never fails the others: each is tried again on its own.
            foreach (var one in batch)
            {
                try
                {
                    await CommitBatchAsync([one]);
                }
                catch (Exception e)
                {
                    Fail(one, e);
                }
            }
        }
        catch (Exception e)
        {
            Fail(batch[0], e);
        }
    }

    /// <summary>Not committed: the blob name goes, the upload stays whole at its true offset to be finalized again.</summary>
    private void Fail(Pending pending, Exception error)
    {
        if (pending.Envelope is { } envelope)
        {
            _blobs.DeleteBlob(envelope.Id);
        }

        pending.Done.TrySetException(error);
    }

    private async Task CommitBatchAsync(IReadOnlyList<Pending> batch)
    {
        var db = await ContextAsync();
        var finalizes = batch.Where(p => p.Envelope is not null).ToList();
        var hashes = finalizes.Select(p => p.Envelope!.EnvelopeHash).Distinct(StringComparer.Ordinal).ToList();
        var byHash = hashes.Count == 0
            ? new Dictionary<string, StoredEnvelope>(StringComparer.Ordinal)
            : (await db.Envelopes.AsNoTracking().Where(e => hashes.Contains(e.EnvelopeHash) && e.Kind != EnvelopeKind.Reply).ToListAsync())
                .GroupBy(e => e.EnvelopeHash).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        // Every finalize's fate first: an envelope already stored (or earlier in this batch) is that one.
        var fresh = new List<StoredEnvelope>();
        foreach (var pending in finalizes)
        {
            if (byHash.TryGetValue(pending.Envelope!.EnvelopeHash, out var existing))
            {
                pending.Stored = existing;
            }
            else
            {
                byHash[pending.Envelope.EnvelopeHash] = pending.Stored = pending.Envelope;
                fresh.Add(pending.Envelope);
            }
        }

        try
        {
            // Rows of new uploads need no fsync of their own: an upload lost with the machine's power is one the page
            // starts again, never a report anyone was told was received. A batch with a finalize is fully synced, and
            // that sync carries every earlier commit with it (SQLite's WAL is one file, synced in order).
            await SetSynchronousAsync(db, full: finalizes.Count > 0);
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Uploads.AddRange(batch.Select(p => p.Upload).OfType<PendingUpload>());
            db.Envelopes.AddRange(fresh);
            var finished = finalizes.Select(p => p.UploadId!).ToList();
            if (finished.Count > 0)
            {
                await db.Uploads.Where(u => finished.Contains(u.Id)).ExecuteDeleteAsync();
            }

            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }
        catch
        {
            await ResetContextAsync();
            throw;
        }

        db.ChangeTracker.Clear();
        await CountAsync(fresh, db);
        foreach (var pending in batch)
        {
            if (pending.UploadId is { } finished)
            {
                // Committed: the upload's own name goes (a stray one left by a crash is removed by start-up repair),
                // and so does the blob name of bytes that were stored already.
                _blobs.ReleaseUpload(finished);
                if (!ReferenceEquals(pending.Stored, pending.Envelope))
                {
                    _blobs.DeleteBlob(pending.Envelope!.Id);
                }
            }

            pending.Done.TrySetResult(pending.Stored!);
        }
    }

    private async Task SetSynchronousAsync(IntakeDbContext db, bool full)
    {
        if (_synchronousFull != full)
        {
            await db.Database.ExecuteSqlRawAsync(full ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
            _synchronousFull = full;
        }
    }

    /// <summary>
    /// The writer's own context and connection, open for its lifetime: a batch costs no scope, context or connection
    /// set-up. Replaced after any failure, so no half-tracked state outlives the batch that failed.
    /// </summary>
    private async Task<IntakeDbContext> ContextAsync()
    {
        if (_db is null)
        {
            _scope = _scopes.CreateAsyncScope();
            _db = _scope.Value.ServiceProvider.GetRequiredService<IntakeDbContext>();
            await _db.Database.OpenConnectionAsync();
        }

        return _db;
    }

    private async Task ResetContextAsync()
    {
        _synchronousFull = null;
        if (_scope is { } scope)
        {
            await scope.DisposeAsync();
        }

        _scope = null;
        _db = null;
    }

    private async Task CountAsync(IReadOnlyCollection<StoredEnvelope> committed, IntakeDbContext db)
    {
        Interlocked.Add(ref _committedBytes, committed.Sum(e => e.Size));
        foreach (var day in committed.GroupBy(e => e.ReceivedDay))
        {
            var today = Volatile.Read(ref _today);
            var bytes = today is not null && today.Day == day.Key
                ? today.Bytes + day.Sum(e => e.Size)
                // This process's first commit of the day: everything before it, this batch included, is in the database.
                : await db.Envelopes.Where(e => e.ReceivedDay == day.Key && e.Kind != EnvelopeKind.Reply).SumAsync(e => (long?)e.Size) ?? 0;
            Volatile.Write(ref _today, new StoredToday(day.Key, bytes));
        }
    }

    /// <summary>One item: a new upload row, or a finalize (the envelope and the upload whose bytes it is).</summary>
    private sealed class Pending(PendingUpload? upload, StoredEnvelope? envelope, string? uploadId)
    {
        public PendingUpload? Upload { get; } = upload;

        public StoredEnvelope? Envelope { get; } = envelope;

        public string? UploadId { get; } = uploadId;

        /// <summary>What a finalize answers: its envelope, or the one stored earlier with the same bytes.</summary>
        public StoredEnvelope? Stored { get; set; }

        public TaskCompletionSource<StoredEnvelope> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record StoredToday(DateOnly Day, long Bytes);

    private sealed record StoredTotal(long Sum, long CommittedBefore, DateTimeOffset At);
}
