using System.Text.Json;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Home;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

/// <summary>What every command has: the console to write to, the environment, and the home folder.</summary>
public abstract class ConsoleCommand<TSettings>(IAnsiConsole console, ConsoleEnvironment environment) : Command<TSettings>
    where TSettings : HomeSettings
{
    protected IAnsiConsole Console { get; } = console;

    protected ConsoleEnvironment Environment { get; } = environment;

    protected DateTimeOffset Now => Environment.Time.GetUtcNow();

    protected DateOnly Today => DateOnly.FromDateTime(Now.UtcDateTime);

    protected ConsoleHome Home(TSettings settings) => ConsoleHome.Resolve(settings.Home, Environment);

    protected Passphrases Passphrases(UnlockSettings settings, string? newPassphraseFile = null) =>
        new(Console, Environment, settings.PassphraseFile, newPassphraseFile, Diagnostics(settings), (settings as NewKeyfileSettings)?.AcceptWeakPassphrase ?? false);

    /// <summary>Where this command's warnings go: standard error, as JSON objects under --json.</summary>
    protected Diagnostics Diagnostics(HomeSettings settings) => new(Environment.ErrorOutput, settings?.Json ?? false);

    protected static Argon2Parameters Argon(NewKeyfileSettings settings) =>
        settings.ArgonFast ? Argon2Parameters.Minimum : Argon2Parameters.Default;

    /// <summary>JSON goes to the output writer as is: Spectre would wrap long lines at the console's width.</summary>
    protected void WriteJson(object value)
    {
        Console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(value, JsonOutput.Indented));
        Console.Profile.Out.Writer.Flush();
    }

    protected void Line(string markup) => Console.MarkupLine(markup);

    /// <summary>Standard output is a pipe or a file: tables in their plain layout.</summary>
    protected bool Plain => Environment.OutputRedirected();

    /// <summary>Writes <paramref name="table"/> to fit, and says which columns the width left out.</summary>
    protected void Write(TableView table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var left = table.Write(Console, Plain);
        if (left.Count > 0)
        {
            Line($"[grey]Not shown at {Console.Profile.Width} columns: {E(string.Join(", ", left))} (a wider terminal, COLUMNS=…, or --json shows them).[/]");
        }
    }

    protected static string E(string? text) => Markup.Escape(text ?? "");

    /// <summary>Runs <paramref name="work"/> under a progress bar, except for --json or a console that cannot redraw.</summary>
    protected T WithProgress<T>(bool quiet, string description, long total, Func<IProgress<long>, T> work) =>
        Interactive.ProgressDisplay.Run(Console, quiet, description, total, work);
}
