using System.Text.Json;
using SafeIntake.Intake.Web.Hosting;
using SafeIntake.Intake.Web.Trust;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Intake.Web.Admin;

/// <summary>
/// <c>dotnet SafeIntake.Intake.Web.dll admin …</c>: the administrator's commands on Spectre.Console.Cli (as the reviewer
/// console), each with <c>--help</c> and <c>--json</c>, run against the server's own configuration and data folder.
/// Exit codes: 0 done, 1 refused, 2 usage, 10–15 the configuration or data folder cannot be used (Hosting/ExitCodes.cs).
/// </summary>
public static class AdminApp
{
    public const string Name = "SafeIntake.Intake.Web admin";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A terminal or a script reads it, never a browser: base64's '+' stays '+'.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<int> RunAsync(string[] args, AdminHost host, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(console);
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.ConfigureConsole(console);
            config.Settings.Registrar.RegisterInstance(host);
            config.PropagateExceptions();
            config.UseStrictParsing();
            Configure(config);
        });

        try
        {
            // No command at all is a usage error: show the help, but tell scripts that nothing was done.
            return args.Length == 0 ? Math.Max(await app.RunAsync(["--help"]), ExitCodes.Usage) : await app.RunAsync(args);
        }
        catch (AdminRefusedException e)
        {
            await Console.Error.WriteLineAsync("admin refused: " + e.Message);
            return e.ExitCode;
        }
        catch (IntakeConfigurationException e)
        {
            await Console.Error.WriteLineAsync("Refused: " + e.Message);
            return ExitCodes.Refused;
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

            console.MarkupLine($"Run [bold]{Name} --help[/] (or add --help to a command) for usage.");
            return ExitCodes.Usage;
        }
    }

    private static void Configure(IConfigurator config)
    {
        config.SetApplicationName(Name);
        config.AddExample("bundle", "show");
        config.AddExample("token", "create", "--reviewer", "alice", "--label", "\"online laptop\"");
        config.AddExample("stats", "--json");
        config.AddCommand<ServerKeyCommand>("server-key").WithDescription("Print the server's export-signing public key, for reviewers to pin (server trust).");
        config.AddBranch("token", token =>
        {
            token.SetDescription("Fetch tokens for the online machine: they read ciphertext only; the server keeps their hash.");
            token.AddCommand<TokenCreateCommand>("create").WithDescription("Create a fetch token (shown once).")
                .WithExample("token", "create", "--reviewer", "alice", "--label", "\"online laptop\"");
            token.AddCommand<TokenListCommand>("list").WithDescription("List fetch tokens: ids, reviewers, labels, days.");
            token.AddCommand<TokenRevokeCommand>("revoke").WithDescription("Revoke a fetch token, or every token of a reviewer.").WithExample("token", "revoke", "3f2a9c").WithExample("token", "revoke", "--reviewer", "bob");
        });
        config.AddBranch("bundle", bundle =>
        {
            bundle.SetDescription("The signed reviewer bundle the server serves.");
            bundle.AddCommand<BundleShowCommand>("show").WithDescription("Epoch, expiry, reviewers and the fingerprint to publish.");
            bundle.AddCommand<BundleInstallCommand>("install").WithDescription("Verify a signed bundle against the pinned organisation key and install it (served from the next start).")
                .WithExample("bundle", "install", "/tmp/bundle.json");
        });
        config.AddCommand<StatsCommand>("stats").WithDescription("Counts, the bundle's expiry and the health status, for monitoring.");
        config.AddCommand<BackupCommand>("backup").WithDescription("Write a consistent copy of the data folder, also while the server runs.")
            .WithExample("backup", "/var/backups/safeintake/2026-12-02");
        config.AddCommand<RetentionCommand>("retention").WithDescription("Show the retention policy, or apply it now with --apply.");
    }
}

/// <summary>What every admin command takes.</summary>
public class AdminSettings : CommandSettings
{
    [CommandOption("--json")]
    [System.ComponentModel.Description("Print the answer as JSON, for scripts")]
    public bool Json { get; init; }
}

/// <summary>An admin command: opens the server's configuration and data, runs, answers in text or JSON.</summary>
public abstract class AdminCommand<TSettings>(AdminHost host) : AsyncCommand<TSettings>
    where TSettings : AdminSettings
{
    protected TextWriter Output => host.Output;

    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var services = await host.OpenAsync();
        await using var scope = services.CreateAsyncScope();
        return await RunAsync(scope.ServiceProvider, settings, cancellationToken);
    }

    protected abstract Task<int> RunAsync(IServiceProvider services, TSettings settings, CancellationToken cancellationToken);

    /// <summary>The answer: <paramref name="json"/> under --json, otherwise the human lines.</summary>
    protected int Answer(TSettings settings, object json, IEnumerable<string> lines, int code = ExitCodes.Ok)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Json)
        {
            Output.WriteLine(JsonSerializer.Serialize(json, AdminApp.Json));
        }
        else
        {
            foreach (var line in lines)
            {
                Output.WriteLine(line);
            }
        }

        return code;
    }

    protected int Refuse(TSettings settings, string message) =>
        Answer(settings, new { error = message }, [message], ExitCodes.Refused);
}
