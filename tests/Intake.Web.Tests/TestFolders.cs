namespace SafeIntake.Intake.Web.Tests;

/// <summary>Fresh temporary folders, one per server, removed afterwards.</summary>
internal static class TestFolders
{
    public static string Create(string purpose) =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"safeintake-{purpose}-{Guid.NewGuid():N}")).FullName;

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a server being shut down: the temp folder is cleaned by the OS later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
