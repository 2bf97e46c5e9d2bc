using System.Runtime.InteropServices;

namespace SafeIntake.Intake.Web.Storage;

/// <summary>
/// Ciphertext on disk. Uploads grow in <c>uploads/</c>; a finalized upload is fsynced and linked into
/// <c>blobs/</c>, so a blob is either whole or absent. File times are reset to midnight UTC so the disk keeps no
/// more of a witness's timing than the database does (ctime, which no API can set, is in the threat model).
/// </summary>
public sealed partial class BlobStore
{
    private readonly string _uploads;
    private readonly string _blobs;
    private readonly string _incoming;

    public BlobStore(string dataPath)
    {
        _uploads = Directory.CreateDirectory(Path.Combine(dataPath, "uploads")).FullName;
        _blobs = Directory.CreateDirectory(Path.Combine(dataPath, "blobs")).FullName;
        // Chunks being received: never part of an upload until appended, so whatever a crash left here is garbage.
        _incoming = Directory.CreateDirectory(Path.Combine(dataPath, "incoming")).FullName;
        foreach (var stale in Directory.EnumerateFiles(_incoming))
        {
            File.Delete(stale);
        }
    }

    /// <summary>
    /// Receives one chunk into its own temporary file, with no lock held, refusing bytes past <paramref name="limit"/>
    /// as they arrive. Returns the file's path, or null past the limit; the caller deletes it.
    /// </summary>
    public async Task<string?> ReceiveChunkAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var path = Path.Combine(_incoming, Guid.NewGuid().ToString("N"));
        var complete = false;
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, useAsync: true);
            var buffer = new byte[81920];
            long length = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                length += read;
                if (length > limit)
                {
                    return null;
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            complete = true;
            return path;
        }
        finally
        {
            if (!complete)
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>Appends a received chunk file to an upload (local disk to local disk: short, whatever the client's speed).</summary>
    public async Task<long> AppendFileAsync(string id, string chunkPath, CancellationToken cancellationToken)
    {
        await using var chunk = new FileStream(chunkPath, FileMode.Open, FileAccess.Read, FileShare.None, 81920, useAsync: true);
        return await AppendAsync(id, chunk, long.MaxValue, cancellationToken);
    }

    public string UploadPath(string id) => Path.Combine(_uploads, Checked(id) + ".part");

    public string BlobPath(string id) => Path.Combine(_blobs, Checked(id));

    public long UploadLength(string id) => File.Exists(UploadPath(id)) ? new FileInfo(UploadPath(id)).Length : -1;

    public void CreateUpload(string id)
    {
        using var _ = new FileStream(UploadPath(id), FileMode.CreateNew, FileAccess.Write);
    }

    /// <summary>Appends a chunk, refusing bytes past <paramref name="limit"/> as they arrive. Returns the new length, or -1 past the limit.</summary>
    public async Task<long> AppendAsync(string id, Stream body, long limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        await using var file = new FileStream(UploadPath(id), FileMode.Append, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        var start = file.Length;
        var buffer = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (file.Length + read > limit)
            {
                // Roll back this request: the upload stays at the offset it had before it.
                file.SetLength(start);
                return -1;
            }

            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        await file.FlushAsync(cancellationToken);
        return file.Length;
    }

    /// <summary>
    /// fsync, reset times, then a second name for the same bytes in <c>blobs/</c> (a hard link; a copy where there
    /// is none), and fsync the folder. The upload file stays until its row is gone: a crash before the database
    /// commit leaves an orphan blob that start-up repair removes and an upload still complete at its true offset,
    /// which the page finalizes again; a crash after it leaves a stray upload file that repair removes.
    /// </summary>
    public void Stage(string uploadId, string blobId, DateOnly day)
    {
        Sync(uploadId, day);
        Link(uploadId, blobId);
        FlushBlobFolder();
    }

    /// <summary>Makes a complete upload's bytes durable and dates them to midnight UTC of <paramref name="day"/>.</summary>
    private void Sync(string uploadId, DateOnly day)
    {
        var source = UploadPath(uploadId);
        using (var handle = File.OpenHandle(source, FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.FlushToDisk(handle);
        }

        var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(source, midnight);
        File.SetLastAccessTimeUtc(source, midnight);
    }

    /// <summary>Gives a synced upload's bytes their blob name; durable once the folder is fsynced.</summary>
    private void Link(string uploadId, string blobId)
    {
        var source = UploadPath(uploadId);
        var target = BlobPath(blobId);
        if (!OperatingSystem.IsLinux() || LinkFile(source, target) != 0)
        {
            File.Copy(source, target, overwrite: false);
            using var copy = File.OpenHandle(target, FileMode.Open, FileAccess.ReadWrite);
            RandomAccess.FlushToDisk(copy);
        }
    }

    private void FlushBlobFolder() => FlushDirectory(_blobs);

    /// <summary>
    /// Removes a committed upload's own name (its bytes live on as the blob). Not fsynced: a name a crash brings
    /// back has no row, and start-up repair removes it.
    /// </summary>
    public void ReleaseUpload(string uploadId) => File.Delete(UploadPath(uploadId));

    public void DeleteUpload(string id) => File.Delete(UploadPath(id));

    public void DeleteBlob(string id)
    {
        File.Delete(BlobPath(id));
        BlobDeleted?.Invoke();
    }

    /// <summary>Raised after a blob is deleted: the stored total <see cref="IntakeWriter"/> keeps is then out of date.</summary>
    public event Action? BlobDeleted;

    public Stream OpenUpload(string id) => new FileStream(UploadPath(id), FileMode.Open, FileAccess.Read, FileShare.Read, 81920);

    /// <summary>FileShare.Delete: retention may unlink a blob an export holds open; the open handle still reads it.</summary>
    public Stream OpenBlob(string id) => new FileStream(BlobPath(id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920);

    public IEnumerable<string> BlobIds() => Directory.EnumerateFiles(_blobs).Select(Path.GetFileName).OfType<string>().Where(IsId);

    public IEnumerable<string> UploadIds() =>
        Directory.EnumerateFiles(_uploads, "*.part").Select(Path.GetFileNameWithoutExtension).OfType<string>().Where(IsId);

    /// <summary>Writes a small file atomically: temp file, fsync, rename.</summary>
    public static void WriteAllBytesAtomic(string path, ReadOnlySpan<byte> contents)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(contents);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        FlushDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static bool IsId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    private static string Checked(string id) => IsId(id) ? id : throw new ArgumentException("Not an envelope or upload id.", nameof(id));

    /// <summary>A rename is durable only once its directory is fsynced (POSIX); .NET has no API for that.</summary>
    private static void FlushDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd >= 0)
        {
            _ = Fsync(fd);
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LinkFile(string existing, string added);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
