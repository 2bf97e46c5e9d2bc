using System.Text;

namespace SafeIntake.Review.Console.Home;

/// <summary>Writes files whole or not at all: temp file in the same folder, fsync, rename (DESIGN non-negotiable 5).</summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> contents) => Write(path, contents, overwrite: true);

    /// <summary>Like <see cref="Write"/>, but never replaces a file: an existing name fails with IOException.</summary>
    public static void WriteWithoutReplacing(string path, ReadOnlySpan<byte> contents) => Write(path, contents, overwrite: false);

    private static void Write(string path, ReadOnlySpan<byte> contents, bool overwrite)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            // Created 0600: the contents (a keyfile, a case file) are never readable by others, not even for a moment.
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.WriteThrough,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            RestrictToOwner(temp);
            File.Move(temp, path, overwrite);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    public static void WriteText(string path, string text) => Write(path, Encoding.UTF8.GetBytes(text));

    /// <summary>Owner read/write only: the keyfile and the vault are no one else's business on a shared machine.</summary>
    public static void RestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public static void CreatePrivateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
