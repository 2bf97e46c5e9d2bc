namespace SafeIntake.Crypto.Tests;

/// <summary>Finds the repository from the test's output folder, so tests read the committed vectors and scripts.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string TestData(params string[] parts) => Path.Combine([RepoRoot, "tests", "testdata", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SafeIntake.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("SafeIntake.sln not found above " + AppContext.BaseDirectory);
    }
}
