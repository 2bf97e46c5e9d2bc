using SafeIntake.Intake.Web.Hosting;

namespace SafeIntake.Intake.Web.Trust;

/// <summary>
/// The server (or an admin command) refuses to start: the message tells the administrator what to fix, in one line,
/// and <see cref="ExitCode"/> is one of <see cref="ExitCodes"/>.
/// </summary>
public sealed class IntakeConfigurationException(string message, int exitCode = ExitCodes.Configuration) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
