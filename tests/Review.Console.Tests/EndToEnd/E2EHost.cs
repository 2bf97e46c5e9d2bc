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
