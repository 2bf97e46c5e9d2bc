using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web.Hosting;

/// <summary>
/// Start-up without surprises: the content root a published server runs from, and every way a start can fail turned
/// into one plain line and an exit code (<see cref="ExitCodes"/>) instead of a stack trace and a restart loop.
/// </summary>
internal static class StartupGuard
{
    /// <summary>
    /// A published server (its folder holds wwwroot/) reads its configuration and pages from its own folder whatever
    /// the working directory, so <c>dotnet /opt/safeintake/SafeIntake.Intake.Web.dll admin …</c> run from a home folder
    /// reads the service's appsettings.Production.json. A build run from the source tree (<c>dotnet run</c>) keeps the
    /// working directory. An explicit <c>--contentRoot</c> or ASPNETCORE_CONTENTROOT wins.
    /// Configuration is read once: a change takes effect at the next start (the documented way, install.md), never
    /// halfway through a request. Reload-on-change would also put a recursive file watcher on the content root, and
    /// when the data folder lies under it (the demo, the load bench) every blob written wakes that watcher.
    /// </summary>
    public static WebApplicationOptions Options(string[] args)
    {
        var explicitRoot = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
        var published = Directory.Exists(Path.Combine(AppContext.BaseDirectory, "wwwroot"));
        return new WebApplicationOptions
        {
            Args = [.. args, "--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = !explicitRoot && published ? AppContext.BaseDirectory : null,
        };
    }

    /// <summary>What to tell the administrator about a failed start, or null for a bug that must surface.</summary>
    public static (int Code, string Message)? Explain(Exception exception, WebApplicationBuilder builder)
    {
        return exception switch
        {
            IntakeConfigurationException { ExitCode: ExitCodes.Configuration } e =>
                (e.ExitCode, e.Message + Environment.NewLine + "  configuration read: " + IntakeExtensions.DescribeConfiguration(builder)),
            IntakeConfigurationException e => (e.ExitCode, e.Message),
            IOException { InnerException: AddressInUseException } e =>
                (ExitCodes.Listen, Sentence(e.Message) + " Another program is listening there: stop it, or choose another port with --urls or ASPNETCORE_URLS (README.md)."),
            IOException { InnerException: SocketException s } e =>
                (ExitCodes.Listen, Sentence(e.Message) + $" ({s.SocketErrorCode}) Choose another address with --urls or ASPNETCORE_URLS; ports below 1024 need privileges the service does not have."),
            UnauthorizedAccessException e => (ExitCodes.DataFolder, $"permission denied: {e.Message} (this user: {Environment.UserName})."),
            OperationCanceledException or HostAbortedException => null,
            _ => (ExitCodes.StartFailed, $"{exception.GetType().Name}: {Sentence(exception.Message)}"),
        };
    }

    public static async Task<int> RefuseAsync(int code, string message, bool admin = false)
    {
        await Console.Error.WriteLineAsync((admin ? "admin refused: " : "SafeIntake will not start: ") + message);
        return code;
    }

    private static string Sentence(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.EndsWith('.') ? line : line + ".";
    }
}
