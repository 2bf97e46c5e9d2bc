using System.ComponentModel;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Home;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

public sealed class KeysInitSettings : NewKeyfileSettings
{
    [CommandOption("--id <ID>")]
    [Description("Your reviewer id in the organisation's bundle: lower-case letters, digits, '.', '_' or '-' (e.g. alice)")]
    public string? Id { get; init; }

    [CommandOption("--name <NAME>")]
    [Description("Your name as witnesses will see it on replies (e.g. \"Alice Chan\")")]
    public string? Name { get; init; }

    [CommandOption("--out <FOLDER>")]
    [Description("Where to write <id>.pub.json for the organisation. Default: the home folder")]
    public string? Out { get; init; }

    public override ValidationResult Validate() =>
        Id is null || !ReviewerPublicFile.IdPattern().IsMatch(Id) ? ValidationResult.Error("--id is required: 1 to 64 of a-z 0-9 . _ - (starting with a letter or digit).")
        : !ReviewerPublicFile.IsValidName(Name) ? ValidationResult.Error("--name is required: 1 to 200 characters.")
        : ValidationResult.Success();
}

/// <summary><c>keys init</c>: a new reviewer identity in a passphrase-protected keyfile, and its public file.</summary>
public sealed class KeysInitCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<KeysInitSettings>(console, environment)
{
    public override int Execute(CommandContext context, KeysInitSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        if (File.Exists(home.ReviewerKeyfile))
        {
            throw new CommandFailedException($"{home.ReviewerKeyfile} already exists: a keyfile is never overwritten. Use another --home for another identity.");
        }

        var passphrase = Passphrases(settings).ReadForNewKeyfile("Choose a passphrase for your reviewer key");
        home.EnsureExists();
        using var identity = ReviewerIdentity.Generate();
        var file = new ReviewerPublicFile(settings.Id!, settings.Name!, identity.EncryptionKey.PublicKey, identity.SigningKey.PublicKey);
        AtomicFile.Write(home.ReviewerKeyfile, Keyfile.Create(identity, passphrase, Argon(settings)));
        AtomicFile.WriteText(home.ReviewerPublicFile, file.ToJson());
        var outFolder = settings.Out ?? home.Root;
        Directory.CreateDirectory(outFolder);
        var pubPath = Path.Combine(outFolder, $"{file.Id}.pub.json");
        AtomicFile.WriteText(pubPath, file.ToJson());

        if (settings.Json)
        {
            WriteJson(new { file.Id, file.Name, Keyfile = home.ReviewerKeyfile, PublicFile = pubPath, file.Fingerprint });
            return ExitCodes.Ok;
        }

        Line($"Created reviewer [bold]{E(file.Id)}[/] ({E(file.Name)}).");
        Line($"  keyfile      {E(home.ReviewerKeyfile)}  (back it up; without the passphrase it is useless)");
        Line($"  public keys  {E(pubPath)}");
        Line($"  fingerprint  [bold]{E(file.Fingerprint)}[/]");
        Line("Give the public key file to your organisation and read the fingerprint to them by phone or in person.");
        return ExitCodes.Ok;
    }
}

/// <summary><c>keys show</c>: the reviewer's public identity; no passphrase needed.</summary>
public sealed class KeysShowCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<HomeSettings>(console, environment)
{
    public override int Execute(CommandContext context, HomeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var file = home.LoadReviewerPublic();
        var parameters = KeyfileFormat.ReadHeader(ConsoleHome.ReadKeyfile(home.ReviewerKeyfile, KeyfileKind.Reviewer))!.Value.Parameters;
        if (settings.Json)
        {
            WriteJson(new
            {
                file.Id,
                file.Name,
                X25519 = file.EncryptionKey.ToBase64(),
                Ed25519 = file.SigningKey.ToBase64(),
                file.Fingerprint,
                Keyfile = home.ReviewerKeyfile,
                Argon2 = new { parameters.Passes, parameters.MemoryBytes },
            });
            return ExitCodes.Ok;
        }

        var table = new Table().HideHeaders().AddColumns("", "");
        table.AddRow("id", E(file.Id));
        table.AddRow("name", E(file.Name));
        table.AddRow("x25519 (opens reports)", file.EncryptionKey.ToBase64());
        table.AddRow("ed25519 (signs replies, acks)", file.SigningKey.ToBase64());
        table.AddRow("fingerprint", $"[bold]{file.Fingerprint}[/]");
        table.AddRow("keyfile", $"{E(home.ReviewerKeyfile)} (Argon2id {parameters.Passes} passes, {parameters.MemoryBytes / (1024 * 1024)} MiB)");
        Console.Write(table);
        return ExitCodes.Ok;
    }
}

public sealed class ChangePassphraseSettings : NewKeyfileSettings
{
    [CommandOption("--new-passphrase-file <FILE>")]
    [Description("Read the new passphrase from FILE (else $SAFEINTAKE_NEW_PASSPHRASE, else a prompt)")]
    public string? NewPassphraseFile { get; init; }
}

/// <summary><c>keys change-passphrase</c>: re-seals the same keys under a new passphrase; the old file stays until the new one is written.</summary>
public sealed class KeysChangePassphraseCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<ChangePassphraseSettings>(console, environment)
{
    public override int Execute(CommandContext context, ChangePassphraseSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var passphrases = Passphrases(settings, settings.NewPassphraseFile);
        var (file, identity) = home.UnlockReviewer(passphrases);
        using (identity)
        {
            var replacement = passphrases.ReadReplacement("New passphrase");
            AtomicFile.Write(home.ReviewerKeyfile, Keyfile.Create(identity, replacement, Argon(settings)));
        }

        if (settings.Json)
        {
            WriteJson(new { file.Id, Changed = true });
        }
        else
        {
            Line($"The passphrase of reviewer [bold]{E(file.Id)}[/] was changed. Replace your keyfile backups: the old passphrase still opens them.");
        }

        return ExitCodes.Ok;
    }
}
