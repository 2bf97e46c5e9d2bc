using Microsoft.Data.Sqlite;
using SafeIntake.Review.Console.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console;

/// <summary>
/// safeintake-review: the reviewer console. Keys and the organisation's bundle offline; fetch and upload on the
/// online machine (no secret there); import into the encrypted vault on the air-gapped one. Exit codes: 0 ok,
/// 1 the operation failed, 2 usage error, 3 wrong passphrase (<see cref="ExitCodes"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, AnsiConsole.Console, ConsoleEnvironment.FromProcess());

    public static int Run(string[] args, IAnsiConsole console, ConsoleEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(environment);
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.ConfigureConsole(console);
            config.Settings.Registrar.RegisterInstance(environment);
            config.PropagateExceptions();
            CommandTree.Configure(config);
        });

        try
        {
            // No command at all is a usage error: show the help, but tell scripts that nothing was done.
            return args.Length == 0 ? Math.Max(app.Run(["--help"]), ExitCodes.Usage) : app.Run(args);
        }
        catch (CommandFailedException e)
        {
            console.MarkupLine($"[red]Error:[/] {Markup.Escape(e.Message)}");
            return e.ExitCode;
        }
        catch (CommandAppException e)
        {
            if (e.Pretty is { } pretty)
            {
                console.Write(pretty);
            }
            else
            {
                console.MarkupLine($"[red]Error:[/] {Markup.Escape(e.Message)}");
            }

            console.MarkupLine("Run [bold]safeintake-review --help[/] (or add --help to a command) for usage.");
            return ExitCodes.Usage;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26)
        {
            console.MarkupLine("[red]Error:[/] the vault file is damaged (SQLite reports it as corrupt). Nothing more was changed; restore it from your backup.");
            return ExitCodes.Failure;
        }
        catch (SqliteException e)
        {
            console.MarkupLine($"[red]Error:[/] the vault could not be used: {Markup.Escape(e.Message)}");
            return ExitCodes.Failure;
        }
        catch (IOException e)
        {
            console.MarkupLine($"[red]Error:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.Failure;
        }
        catch (UnauthorizedAccessException e)
        {
            console.MarkupLine($"[red]Error:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.Failure;
        }
    }
}
