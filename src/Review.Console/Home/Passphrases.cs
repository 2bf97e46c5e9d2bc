using System.Globalization;
using System.Text;
using Spectre.Console;

namespace SafeIntake.Review.Console.Home;

/// <summary>
/// Where passphrases come from, in order: <c>--passphrase-file</c>, the environment (<c>SAFEINTAKE_PASSPHRASE</c>),
/// then a prompt that does not echo. Scripts and tests use the first two; people the third.
/// </summary>
public sealed class Passphrases(IAnsiConsole console, ConsoleEnvironment environment, string? passphraseFile, string? newPassphraseFile = null, Diagnostics? diagnostics = null)
{
    public const int MinimumLength = 12;
    private const int MaxFileLength = 4096;

    /// <summary>The passphrase that opens an existing keyfile.</summary>
    public string ReadCurrent(string prompt) =>
        FromFile(passphraseFile) ?? FromVariable(ConsoleEnvironment.PassphraseVariable) ?? Prompt(prompt, confirm: false);

    /// <summary>The passphrase for a new keyfile (<c>keys init</c>, <c>org init</c>): the same sources as <see cref="ReadCurrent"/>.</summary>
    public string ReadForNewKeyfile(string prompt) => Checked(ReadCurrentOrConfirmed(prompt));

    /// <summary>The replacement in <c>change-passphrase</c>: <c>--new-passphrase-file</c>, <c>SAFEINTAKE_NEW_PASSPHRASE</c>, or a prompt.</summary>
    public string ReadReplacement(string prompt) =>
        Checked(FromFile(newPassphraseFile) ?? FromVariable(ConsoleEnvironment.NewPassphraseVariable) ?? Prompt(prompt, confirm: true));

    /// <summary>Null when the passphrase looks strong enough; otherwise why it does not.</summary>
    public static string? Weakness(string passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        var length = new StringInfo(passphrase).LengthInTextElements;
        if (length < MinimumLength)
        {
            return $"it has {length} characters; use at least {MinimumLength}, ideally several unrelated words";
        }

        var distinct = passphrase.EnumerateRunes().Distinct().Count();
        return distinct < 6 ? "it repeats a few characters; use several unrelated words" : null;
    }

    private string ReadCurrentOrConfirmed(string prompt) =>
        FromFile(passphraseFile) ?? FromVariable(ConsoleEnvironment.PassphraseVariable) ?? Prompt(prompt, confirm: true);

    private string Checked(string passphrase)
    {
        if (Weakness(passphrase) is { } why)
        {
            (diagnostics ?? new Diagnostics(environment.ErrorOutput, json: false))
                .Warning($"this passphrase is weak: {why}. Anyone holding the keyfile can try passphrases offline.");
        }

        return passphrase;
    }

    private static string? FromFile(string? path)
    {
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path) || new FileInfo(path).Length > MaxFileLength)
        {
            throw CommandFailedException.Usage($"--passphrase-file: {path} does not exist or is not a passphrase file.");
        }

        // The first line, without its line ending: editors add one.
        var text = File.ReadAllText(path, Encoding.UTF8);
        var line = text.Split('\n')[0].TrimEnd('\r');
        return line.Length > 0 ? line : throw CommandFailedException.Usage($"--passphrase-file: {path} is empty.");
    }

    private string? FromVariable(string name) => environment.GetVariable(name) is { Length: > 0 } value ? value : null;

    private string Prompt(string prompt, bool confirm)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            throw CommandFailedException.Usage(
                $"A passphrase is needed and there is no terminal to ask it: use --passphrase-file or set {ConsoleEnvironment.PassphraseVariable}.");
        }

        var first = console.Prompt(new TextPrompt<string>($"{prompt}:").Secret());
        if (confirm)
        {
            var second = console.Prompt(new TextPrompt<string>("Type it again:").Secret());
            if (!string.Equals(first, second, StringComparison.Ordinal))
            {
                throw CommandFailedException.Usage("The two passphrases differ. Nothing was changed.");
            }
        }

        return first.Length > 0 ? first : throw CommandFailedException.Usage("An empty passphrase is not allowed.");
    }
}
