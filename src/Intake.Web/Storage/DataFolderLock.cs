namespace SafeIntake.Intake.Web.Storage;

/// <summary>
/// The running server's claim on its data folder: <c>intake.lock</c> opened with <see cref="FileShare.None"/>
/// (flock(LOCK_EX) on Linux), held for the process lifetime and released by the kernel even after <c>kill -9</c>.
/// Only its holder may run start-up repair, which deletes what no row names: another process doing so would
/// delete a blob a live finalize has just written (issue 9).
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    public const string FileName = "intake.lock";
    private readonly FileStream _file;

    private DataFolderLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, retrying until <paramref name="wait"/> has passed; null while another process holds it.</summary>
    public static async Task<DataFolderLock?> TryAcquireAsync(string dataPath, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return new DataFolderLock(new FileStream(Path.Combine(dataPath, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>Where the process keeps its <see cref="DataFolderLock"/>, once taken; disposed with the services.</summary>
public sealed class DataFolderHolder : IDisposable
{
    public DataFolderLock? Lock { get; set; }

    public void Dispose() => Lock?.Dispose();
}
