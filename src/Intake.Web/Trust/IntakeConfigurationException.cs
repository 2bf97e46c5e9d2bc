namespace SafeIntake.Intake.Web.Trust;

/// <summary>The server refuses to start: the message tells the administrator what to fix.</summary>
public sealed class IntakeConfigurationException(string message) : Exception(message);
