using System.Net;
using System.Net.Sockets;

namespace SafeIntake.Review.Console.Tests.EndToEnd;

/// <summary>Where the end-to-end tests find the repository and the server's build, and a free port for it.</summary>
internal static class E2EHost
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>The server's dll from the same build configuration as these tests.</summary>
    public static string ServerDll => Path.Combine(RepoRoot, "src", "Intake.Web", "bin",
        AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug", "net10.0", "SafeIntake.Intake.Web.dll");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} is not on PATH");

    /// <summary>An executable bash script: the stand-ins the end-to-end tests put first on PATH.</summary>
    public static void WriteScript(string path, string body)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the guides' commands are bash on Linux");
        }

        File.WriteAllText(path, "#!/bin/bash\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SafeIntake.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("SafeIntake.sln not found");
    }
}
