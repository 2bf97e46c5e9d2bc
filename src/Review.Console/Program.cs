using SafeIntake.Crypto;

namespace SafeIntake.Review.Console;

/// <summary>
/// The reviewer console for the air-gapped machine. Key management, import, the vault and triage arrive with
/// the air-gap and triage issues; today it reports its version and the libsodium it runs on.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, System.Console.Out);

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (args.Count == 1 && args[0] is "--version" or "version")
        {
            output.WriteLine($"safeintake-review (envelope v1, PADMÉ minimum bucket {Padding.MinimumBucket} bytes)");
            return 0;
        }

        output.WriteLine("usage: safeintake-review --version");
        output.WriteLine("Key management, import and triage are not built yet: see the open issues.");
        return args.Count == 0 ? 0 : 2;
    }
}
