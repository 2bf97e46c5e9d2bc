using Microsoft.Data.Sqlite;
using SafeIntake.Review.Console.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console;

/// <summary>
/// safeintake-review: the reviewer console. Keys and the organisation's bundle offline; fetch and upload on the
/// online machine (no secret there); import into the encrypted vault on the air-gapped one. Results go to standard
/// output; errors and warnings to standard error; exit codes in <see cref="ExitCodes"/> (docs/reviewer/exit-codes.md).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var environment = ConsoleEnvironment.FromProcess();
        if (environment.GetVariable("SAFEINTAKE_TIMINGS") != "1")
        {
            return Run(args, AnsiConsole.Console, environment);
        }

        var atMain = StartupTimings.SinceProcessStart();
        try
        {
            return Run(args, AnsiConsole.Console, environment);
        }
        finally
        {
            StartupTimings.Report(environment.ErrorOutput, atMain);
        }
    }

    public static int Run(string[] args, IAnsiConsole console, ConsoleEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(environment);
        var diagnostics = new Diagnostics(environment.ErrorOutput, args.Contains("--json", StringComparer.Ordinal));
        if (args is ["--version"] or ["-v"])
        {
            console.Profile.Out.Writer.WriteLine(Version);
            return ExitCodes.Ok;
        }

        // COLUMNS wins over what the terminal reports (as for ls and git): a reviewer can ask for the width they read at.
        if (int.TryParse(environment.GetVariable("COLUMNS"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var columns)
            && columns is >= 20 and <= 1000)
        {
            console.Profile.Width = columns;
        }

        var app = new CommandApp();
        app.Configure(config =>
        {
            config.ConfigureConsole(console);
            config.Settings.Registrar.RegisterInstance(environment);
            config.PropagateExceptions();
            // An unknown or mistyped option (`list --sinse …`) is a usage error, never silently ignored.
            config.Settings.StrictParsing = true;
            config.SetApplicationVersion(Version);
            CommandTree.Configure(config);
        });

        try
        {
            // No command at all is a usage error: show the help, but tell scripts that nothing was done.
            return args.Length == 0 ? Math.Max(app.Run(["--help"]), ExitCodes.Usage) : app.Run(args);
        }
        catch (CommandFailedException e)
        {
            diagnostics.Error(e.ExitCode, e.Message);
            return e.ExitCode;
        }
        catch (CommandAppException e)
        {
            if (e.Pretty is { } pretty && !diagnostics.Json)
            {
                var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(environment.ErrorOutput) });
                errors.Write(pretty);
            }
            else
            {
                diagnostics.Error(ExitCodes.Usage, e.Message);
            }

            diagnostics.Hint("Run safeintake-review --help (or add --help to a command) for usage.");
            return ExitCodes.Usage;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26)
        {
            diagnostics.Error(ExitCodes.Failure, "the vault file is damaged (SQLite reports it as corrupt). Nothing more was changed; restore it from your backup.");
            return ExitCodes.Failure;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            diagnostics.Error(ExitCodes.Failure, "the vault is in use by another safeintake-review (busy or locked). Nothing was changed; close the other one and try again.");
            return ExitCodes.Failure;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 13)
        {
            diagnostics.Error(ExitCodes.Failure, "the disk holding the vault is full. Nothing more was changed; free some space and try again.");
            return ExitCodes.Failure;
        }
        catch (SqliteException e)
        {
            // The vault may be intact: say what SQLite refused by its code, not its text (which can blame the vault wrongly).
            diagnostics.Error(ExitCodes.Internal, $"the vault refused an operation (SQLite error {e.SqliteErrorCode}). Nothing more was changed; "
                + "report this with the command you ran, and check the vault with audit verify.");
            return ExitCodes.Internal;
        }
        catch (IOException e)
        {
            diagnostics.Error(ExitCodes.Failure, FileErrors.Describe(e));
            return ExitCodes.Failure;
        }
        catch (UnauthorizedAccessException e)
        {
            diagnostics.Error(ExitCodes.Failure, FileErrors.Describe(e));
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException))
        {
            // A bug: the type names the fault for a report; the message and stack trace stay out (they may quote paths or data).
            diagnostics.Error(ExitCodes.Internal, $"an internal error stopped the command ({e.GetType().Name}). "
                + "Report it with the command you ran; check the vault with audit verify before going on.");
            if (environment.GetVariable("SAFEINTAKE_DEBUG") == "1")
            {
                // Opt-in, for a developer reproducing a report: the whole exception, on standard error.
                environment.ErrorOutput.WriteLine(e.ToString());
            }

            return ExitCodes.Internal;
        }
    }

    /// <summary>The console's version (the assembly's informational version, without the source hash).</summary>
    public static string Version { get; } = (typeof(Program).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
        .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];
}
