using System.Globalization;
using System.Text;
using Spectre.Console;

namespace SafeIntake.Review.Console.Home;

/// <summary>
/// Where passphrases come from, in order: <c>--passphrase-file</c>, the environment (<c>SAFEINTAKE_PASSPHRASE</c>),
/// then a prompt that echoes nothing (not even <c>*</c>: the length is a secret too). Scripts and tests use the first
/// two, with one try; people the third, with three tries for a wrong or mistyped passphrase. A new passphrase is
/// checked for strength (zxcvbn) before anything is created, and a weak one is refused unless the reviewer insists
/// with <c>--accept-weak-passphrase</c>.
/// </summary>
public sealed class Passphrases(IAnsiConsole console, ConsoleEnvironment environment, string? passphraseFile, string? newPassphraseFile = null,
    Diagnostics? diagnostics = null, bool acceptWeak = false)
{
    public const int MinimumLength = 12;

    /// <summary>zxcvbn's score (0–4) a new passphrase needs: 3 is "safely unguessable: moderate protection from offline attacks".</summary>
    public const int MinimumScore = 3;

    public const int Tries = 3;
    public const string InsistOption = "--accept-weak-passphrase";
    private const int MaxFileLength = 4096;

    /// <summary>The passphrase that opens an existing keyfile (one try; <see cref="Open{T}"/> retries at a prompt).</summary>
    public string ReadCurrent(string prompt) =>
        FromFile(passphraseFile) ?? FromVariable(ConsoleEnvironment.PassphraseVariable) ?? Prompt(prompt);

    /// <summary>
    /// Opens something with the passphrase: <paramref name="open"/> returns null for a wrong one. From a file or the
    /// environment that is one try; at a prompt, <see cref="Tries"/>. Then exit 3, nothing changed.
    /// </summary>
    public T Open<T>(string prompt, Func<string, T?> open, string refusal)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(open);
        var given = FromFile(passphraseFile) ?? FromVariable(ConsoleEnvironment.PassphraseVariable);
        if (given is not null)
        {
            return open(given) ?? throw CommandFailedException.Locked(refusal);
        }

        for (var attempt = 1; ; attempt++)
        {
            if (open(Prompt(prompt)) is { } opened)
            {
                return opened;
            }

            if (attempt == Tries)
            {
                throw CommandFailedException.Locked($"{refusal} ({Tries} tries)");
            }

            console.MarkupLine($"[yellow]Wrong passphrase.[/] {Tries - attempt} more {(Tries - attempt == 1 ? "try" : "tries")}.");
        }
    }

    /// <summary>The passphrase for a new keyfile (<c>keys init</c>, <c>org init</c>): the same sources as <see cref="ReadCurrent"/>.</summary>
    public string ReadForNewKeyfile(string prompt) =>
        (FromFile(passphraseFile) ?? FromVariable(ConsoleEnvironment.PassphraseVariable)) is { } given ? Checked(given) : NewAtPrompt(prompt);

    /// <summary>The replacement in <c>change-passphrase</c>: <c>--new-passphrase-file</c>, <c>SAFEINTAKE_NEW_PASSPHRASE</c>, or a prompt.</summary>
    public string ReadReplacement(string prompt) =>
        (FromFile(newPassphraseFile) ?? FromVariable(ConsoleEnvironment.NewPassphraseVariable)) is { } given ? Checked(given) : NewAtPrompt(prompt);

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
        if (distinct < 6)
        {
            return "it repeats a few characters; use several unrelated words";
        }

        // zxcvbn (Wheeler, USENIX Security 2016) knows common passwords, names, keyboard walks, dates and l33t.
        var estimate = Zxcvbn.Zxcvbn.MatchPassword(passphrase);
        if (estimate.Score < MinimumScore)
        {
            return $"it could be guessed quickly (strength {estimate.Score} of 4, {MinimumScore} needed); use several unrelated words";
        }

        return null;
    }

    private string Checked(string passphrase)
    {
        if (Weakness(passphrase) is { } why)
        {
            if (!acceptWeak)
            {
                throw new CommandFailedException($"This passphrase is weak: {why}. Nothing was created. Choose a stronger one, "
                    + $"or add {InsistOption} to use it anyway (anyone holding the keyfile can try passphrases offline).");
            }

            Warn(why);
        }

        return passphrase;
    }

    /// <summary>A new passphrase at the prompt: too weak or not typed the same twice, it is asked again (three times).</summary>
    private string NewAtPrompt(string prompt)
    {
        for (var attempt = 1; attempt <= Tries; attempt++)
        {
            var first = Prompt(prompt);
            var why = Weakness(first);
            if (why is not null && !acceptWeak)
            {
                console.MarkupLine($"[yellow]Too weak:[/] {Markup.Escape(why)}. Choose another (or run again with {InsistOption} to insist).");
                continue;
            }

            if (!string.Equals(first, Prompt("Type it again"), StringComparison.Ordinal))
            {
                console.MarkupLine("[yellow]The two passphrases differ.[/] Type it again from the start.");
                continue;
            }

            if (why is not null)
            {
                Warn(why);
            }

            return first;
        }

        throw CommandFailedException.Usage($"No passphrase was chosen in {Tries} tries. Nothing was created.");
    }

    private void Warn(string why) =>
        (diagnostics ?? new Diagnostics(environment.ErrorOutput, json: false))
            .Warning($"this passphrase is weak: {why}. Anyone holding the keyfile can try passphrases offline.");

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

    private string Prompt(string prompt)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            throw CommandFailedException.Usage(
                $"A passphrase is needed and there is no terminal to ask it: use --passphrase-file or set {ConsoleEnvironment.PassphraseVariable}.");
        }

        // Secret(null): nothing is echoed, not even a '*' per character.
        var typed = console.Prompt(new TextPrompt<string>($"{prompt}:").Secret(null));
        return typed.Length > 0 ? typed : throw CommandFailedException.Usage("An empty passphrase is not allowed.");
    }
}
