namespace SafeIntake.Review.Console;

/// <summary>
/// Every command's documented exit codes (also in docs/reviewer/README.md and the help text).
/// </summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The operation failed: a refused bundle, a damaged vault, a server error, a missing file.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong: unknown command, missing or invalid option.</summary>
    public const int Usage = 2;

    /// <summary>The keyfile stayed locked: wrong passphrase (or a keyfile altered so that it cannot be opened).</summary>
    public const int Locked = 3;
}

/// <summary>
/// A failure the person at the console must read: it carries its exit code and a message that says what to do.
/// Thrown by commands, caught once in <see cref="Program.Run"/>; never carries secret material.
/// </summary>
public sealed class CommandFailedException : Exception
{
    public CommandFailedException(int exitCode, string message) : base(message) => ExitCode = exitCode;

    public CommandFailedException() : this(ExitCodes.Failure, "The operation failed.") { }

    public CommandFailedException(string message) : this(ExitCodes.Failure, message) { }

    public CommandFailedException(string message, Exception innerException) : base(message, innerException) => ExitCode = ExitCodes.Failure;

    public int ExitCode { get; }

    public static CommandFailedException Usage(string message) => new(ExitCodes.Usage, message);

    public static CommandFailedException Locked(string message) => new(ExitCodes.Locked, message);
}
