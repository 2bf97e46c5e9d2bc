namespace SafeIntake.Intake.Web.Hosting;

/// <summary>
/// The process's exit codes, documented in docs/admin/README.md ("Exit codes"). The unit lists the ones a restart
/// cannot cure in <c>RestartPreventExitStatus</c>, so a misconfiguration is one line in the journal, not a loop.
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>An admin command ran and refused (no such token, a bundle that does not verify, …).</summary>
    public const int Refused = 1;

    /// <summary>An admin command line that does not parse.</summary>
    public const int Usage = 2;

    /// <summary>No production configuration, or a setting missing or invalid.</summary>
    public const int Configuration = 10;

    /// <summary>The organisation key, the reviewer bundle or the server's signing key cannot be used.</summary>
    public const int Trust = 11;

    /// <summary>The data folder cannot be created, read or written by this user.</summary>
    public const int DataFolder = 12;

    /// <summary>Another process holds the data folder's lock (a server already running on it).</summary>
    public const int DataFolderInUse = 13;

    /// <summary>The address cannot be listened on: in use, or not permitted.</summary>
    public const int Listen = 14;

    /// <summary>Any other failure while starting; the line names the exception type.</summary>
    public const int StartFailed = 15;
}
