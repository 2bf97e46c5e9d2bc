namespace SafeIntake.Review.Console;

/// <summary>
/// Every command's documented exit codes (the table in docs/reviewer/exit-codes.md; one test runs every command
/// against it). Scripts branch on these, so a code's meaning never changes.
/// </summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked (also when there was nothing to do, e.g. a tag already there).</summary>
    public const int Ok = 0;

    /// <summary>The operation was refused: a refused bundle, a damaged vault, a server refusal, a missing file or home.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong: unknown command, missing or invalid option or value. Checked before any passphrase.</summary>
    public const int Usage = 2;

    /// <summary>The keyfile stayed locked: wrong passphrase (or a keyfile altered so that it cannot be opened).</summary>
    public const int Locked = 3;

    /// <summary>The server could not be reached (name, connection, TLS, timeout): nothing was changed; try again later.</summary>
    public const int Unreachable = 4;

    /// <summary>A fault in the console itself (a bug): nothing secret was printed; report it with the command you ran.</summary>
    public const int Internal = 70;

    /// <summary>Every code, for the documentation test.</summary>
    public static IReadOnlyList<int> All { get; } = [Ok, Failure, Usage, Locked, Unreachable, Internal];
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

    public static CommandFailedException Unreachable(string message) => new(ExitCodes.Unreachable, message);
}
