namespace SafeIntake.Intake.Web.Security;

/// <summary>
/// A random id for this run of the server. Token protectors include it in their purpose, so a token issued before a
/// restart no longer unprotects: the replay caches that make tokens single-use are in memory and die with the process.
/// </summary>
internal static class ProcessInstance
{
    public static string Id { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
