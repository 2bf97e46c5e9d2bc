using System.ComponentModel;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

/// <summary>Options every command takes.</summary>
public class HomeSettings : CommandSettings
{
    [CommandOption("--home <FOLDER>")]
    [Description("The console's folder (keyfile, pinned keys, vault, outbox). Default: $SAFEINTAKE_HOME, else ~/.safeintake")]
    public string? Home { get; init; }

    [CommandOption("--json")]
    [Description("Print the result as JSON for scripts instead of text")]
    public bool Json { get; init; }
}

/// <summary>Options of commands that open a keyfile.</summary>
public class UnlockSettings : HomeSettings
{
    [CommandOption("--passphrase-file <FILE>")]
    [Description("Read the passphrase from the first line of FILE (else $SAFEINTAKE_PASSPHRASE, else a prompt that does not echo)")]
    public string? PassphraseFile { get; init; }
}

/// <summary>Options of commands that create a keyfile.</summary>
public class NewKeyfileSettings : UnlockSettings
{
    [CommandOption("--accept-weak-passphrase")]
    [Description("Use the new passphrase even though it looks weak (it is refused otherwise; anyone holding the keyfile can guess offline)")]
    public bool AcceptWeakPassphrase { get; init; }

    [CommandOption("--argon-fast", IsHidden = true)]
    [Description("Tests only: Argon2id at the minimum cost (3 passes, 64 MiB) instead of the default (3 passes, 256 MiB)")]
    public bool ArgonFast { get; init; }
}
