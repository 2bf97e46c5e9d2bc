using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SafeIntake.Intake.Web.Storage;

namespace SafeIntake.Intake.Web.Tests.Storage;

/// <summary>
/// Issue 9, "accepted means kept", in process: the on-disk states a crash inside finalize can leave, repaired the way
/// start-up repairs them, and identical uploads stored once.
/// </summary>
public sealed class StorageIntegrityTests : IDisposable
{
    private readonly IntakeApplicationFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task RepairAsync()
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var held = _factory.Services.GetRequiredService<DataFolderHolder>().Lock!;
        await scope.ServiceProvider.GetRequiredService<IntakeStore>().RepairAsync(held, CancellationToken.None);
    }

    [Fact]
    public async Task Finalize_CrashedAfterStagingBeforeCommit_RepairKeepsTheUploadWholeAndResumable_AndFinalizeThenCommitsIt()
    {
        using var witness = _factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Interrupted between staging and commit.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        await witness.UploadRangeAsync(ticket, envelope, 0, envelope.Length);

        // The state BlobStore.Stage leaves: a second name in blobs/ for the complete upload, no envelope row yet.
        File.Copy(StoreSnapshot.UploadFile(_factory.DataPath, ticket.Id), Path.Combine(_factory.DataPath, "blobs", IntakeStore.NewId()));
        await RepairAsync();

        var (offset, length) = await witness.ResumePointAsync(ticket.Id);
        Assert.Equal(envelope.Length, offset);
        Assert.Equal(envelope.Length, length);
        using var finalized = await witness.FinalizeAsync(ticket.Id);
        Assert.Equal(HttpStatusCode.Created, finalized.StatusCode);
        var after = _factory.Snapshot();
        Assert.Equal(1, after.Envelopes);
        Assert.Equal(envelope, await File.ReadAllBytesAsync(StoreSnapshot.BlobFile(_factory.DataPath, Assert.Single(after.Blobs))));
        Assert.Empty(after.UploadFiles);
    }

    [Fact]
    public async Task Finalize_CrashedAfterCommitBeforeReleasingTheUploadFile_RepairRemovesOnlyTheStrayUploadFile()
    {
        using var witness = _factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Committed, upload file not yet released.");
        await witness.SubmitOkAsync(envelope);
        var blob = Assert.Single(_factory.Snapshot().Blobs);
        var stray = StoreSnapshot.UploadFile(_factory.DataPath, IntakeStore.NewId());
        File.Copy(StoreSnapshot.BlobFile(_factory.DataPath, blob), stray);

        await RepairAsync();

        var after = _factory.Snapshot();
        Assert.Equal(1, after.Envelopes);
        Assert.Equal([blob], after.Blobs);
        Assert.Empty(after.UploadFiles);
    }

    [Fact]
    public async Task Head_UploadRowWhoseFileIsGone_Returns404_NeverANegativeOffset()
    {
        // What the old rename-then-commit finalize left after a crash and a repair: the row, no file.
        using var witness = _factory.CreateWitness();
        var ticket = await witness.CreateUploadAsync(20_000);
        File.Delete(StoreSnapshot.UploadFile(_factory.DataPath, ticket.Id));

        using var head = await witness.HeadAsync(ticket.Id);

        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.False(head.Headers.TryGetValues("Upload-Offset", out _));
    }

    [Fact]
    public async Task Finalize_SameBytesUploadedTwice_BothAnswered201_StoredOnce()
    {
        using var witness = _factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Sent twice with two proofs of work.");

        await witness.SubmitOkAsync(envelope);
        await witness.SubmitOkAsync(envelope);

        var after = _factory.Snapshot();
        Assert.Equal(1, after.Envelopes);
        Assert.Single(after.Blobs);
        Assert.Empty(after.UploadFiles);
        Assert.Equal(0, after.Uploads);
    }

    [Fact]
    public async Task Finalize_SameBytesUploadedConcurrently_StoredOnce()
    {
        using var witness = _factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Sent from two tabs at once.");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => witness.SubmitOkAsync(envelope)));

        Assert.Equal(1, _factory.Snapshot().Envelopes);
        Assert.Single(_factory.Snapshot().Blobs);
    }

    [Fact]
    public async Task Finalize_ManyConcurrentReports_CommittedTogether_EachStoredByteIdentical()
    {
        // Concurrent finalizes share the writer's commits (IntakeWriter): every one is still its own row and blob.
        using var witness = _factory.CreateWitness();
        var envelopes = new List<byte[]>();
        for (var i = 0; i < 24; i++)
        {
            envelopes.Add(await witness.SealReportAsync($"Report {i} of a busy hour."));
        }

        await Task.WhenAll(envelopes.Select(e => witness.SubmitOkAsync(e)));

        var after = _factory.Snapshot();
        Assert.Equal(24, after.Envelopes);
        Assert.Equal(0, after.Uploads);
        Assert.Empty(after.UploadFiles);
        var stored = after.Blobs.Select(id => Convert.ToHexString(File.ReadAllBytes(Path.Combine(_factory.DataPath, "blobs", id)))).Order().ToList();
        Assert.Equal(envelopes.Select(Convert.ToHexString).Order().ToList(), stored);
    }

    [Fact]
    public async Task Writer_OneItemThatCannotBeStored_FailsAlone_TheOthersInItsBatchAreCommitted()
    {
        using var witness = _factory.CreateWitness();
        await witness.SubmitOkAsync(await witness.SealReportAsync("Makes sure the server is up."));
        var writer = _factory.Services.GetRequiredService<IntakeWriter>();
        var before = _factory.Snapshot().Envelopes;

        // Queued back to back, so they share a batch: the bad row (no bundle hash) fails that batch's transaction.
        var pending = Enumerable.Range(0, 9).Select(i => i == 4 ? Row(bundleHash: null!) : Row("00")).Select(row => (row, writer.CommitAsync(row, IntakeStore.NewId()))).ToList();

        await Assert.ThrowsAnyAsync<Exception>(() => pending[4].Item2);
        foreach (var (row, task) in pending.Where((_, i) => i != 4))
        {
            Assert.Same(row, await task);
        }

        Assert.Equal(before + 8, _factory.Snapshot().Envelopes);
    }

    private static StoredEnvelope Row(string bundleHash) => new()
    {
        Id = IntakeStore.NewId(),
        Kind = EnvelopeKind.Report,
        ReceivedDay = DateOnly.FromDateTime(DateTime.UtcNow),
        Size = 1,
        EnvelopeHash = IntakeStore.NewId() + IntakeStore.NewId(),
        BundleHash = bundleHash,
    };
}
