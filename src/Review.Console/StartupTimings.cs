using System.Diagnostics;
using System.Globalization;

namespace SafeIntake.Review.Console;

/// <summary>
/// Where a command's wall time goes, for bench/coldstart.sh and for a reviewer wondering why the console is slow:
/// with SAFEINTAKE_TIMINGS=1 one line on standard error at exit — from the process start (runtime start-up included)
/// to Main, the time spent deriving keys from passphrases (Argon2id: slow on purpose), and the rest.
/// </summary>
internal static class StartupTimings
{
    private static long _unlockTicks;

    /// <summary>Adds the time of one passphrase derivation (tried keys count too).</summary>
    public static T Unlock<T>(Func<T> derive)
    {
        ArgumentNullException.ThrowIfNull(derive);
        var start = Stopwatch.GetTimestamp();
        try
        {
            return derive();
        }
        finally
        {
            Interlocked.Add(ref _unlockTicks, Stopwatch.GetTimestamp() - start);
        }
    }

    /// <summary>Milliseconds since the operating system started this process.</summary>
    public static double SinceProcessStart()
    {
        using var process = Process.GetCurrentProcess();
        return (DateTime.Now - process.StartTime).TotalMilliseconds;
    }

    public static void Report(TextWriter error, double atMain)
    {
        ArgumentNullException.ThrowIfNull(error);
        var total = SinceProcessStart();
        var unlock = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _unlockTicks)).TotalMilliseconds;
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"timings: to Main {atMain:0} ms · passphrase key derivation (Argon2id) {unlock:0} ms · total {total:0} ms · total without key derivation {total - unlock:0} ms"));
        error.Flush();
    }
}
