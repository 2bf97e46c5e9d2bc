using System.ComponentModel;
using System.Globalization;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Home;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

public sealed class OrgInitSettings : NewKeyfileSettings
{
    [CommandOption("--name <ORGANISATION>")]
    [Description("The organisation's name, as witnesses see it above the reviewer list")]
    public string? Name { get; init; }

    public override ValidationResult Validate() =>
        ReviewerPublicFile.IsValidName(Name) ? ValidationResult.Success() : ValidationResult.Error("--name is required: 1 to 200 characters.");
}

/// <summary><c>org init</c>: the organisation's offline Ed25519 signing key in a keyfile, its public key, and an empty state.</summary>
public sealed class OrgInitCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<OrgInitSettings>(console, environment)
{
    public override int Execute(CommandContext context, OrgInitSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        if (File.Exists(home.OrganisationKeyfile))
        {
            throw new CommandFailedException($"{home.OrganisationKeyfile} already exists: an organisation key is never overwritten.");
        }

        var passphrase = Passphrases(settings).ReadForNewKeyfile("Choose a passphrase for the organisation key");
        home.EnsureExists();
        AtomicFile.CreatePrivateFolder(home.OrganisationFolder);
        using var organisation = OrganisationSigningKey.Generate();
        AtomicFile.Write(home.OrganisationKeyfile, Keyfile.Create(organisation, passphrase, Argon(settings)));
        AtomicFile.WriteText(home.OrganisationPublicFile, organisation.PublicKey.ToBase64() + "\n");
        new OrganisationState { Name = settings.Name! }.Save(home);

        if (settings.Json)
        {
            WriteJson(new { settings.Name, PublicKey = organisation.PublicKey.ToBase64(), organisation.PublicKey.Fingerprint, Folder = home.OrganisationFolder });
            return ExitCodes.Ok;
        }

        Line($"Created organisation [bold]{E(settings.Name)}[/] in {E(home.OrganisationFolder)}.");
        Line($"  public key   {organisation.PublicKey.ToBase64()}  ({E(home.OrganisationPublicFile)})");
        Line($"  fingerprint  [bold]{organisation.PublicKey.Fingerprint}[/]");
        Line("The server pins this public key (docs/admin). Keep organisation.key and its passphrase offline.");
        Line("Next: [bold]org add-reviewer <id>.pub.json[/] for each reviewer, then [bold]org sign-bundle --expires 90 --out bundle.json[/].");
        return ExitCodes.Ok;
    }
}

public sealed class OrgAddReviewerSettings : HomeSettings
{
    [CommandArgument(0, "<PUBLIC_KEY_FILE>")]
    [Description("The <id>.pub.json that the reviewer's keys init wrote")]
    public string PublicKeyFile { get; init; } = "";
}

/// <summary><c>org add-reviewer</c>: adds a reviewer's public keys to the next bundle.</summary>
public sealed class OrgAddReviewerCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<OrgAddReviewerSettings>(console, environment)
{
    public override int Execute(CommandContext context, OrgAddReviewerSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var state = OrganisationState.Load(home);
        if (!ReviewerPublicFile.TryRead(settings.PublicKeyFile, out var file, out var problem))
        {
            throw new CommandFailedException(problem);
        }

        if (state.Reviewers.Exists(r => r.Id == file.Id))
        {
            throw new CommandFailedException($"Reviewer '{file.Id}' is already listed. To replace their keys: org remove-reviewer {file.Id}, then add the new file.");
        }

        if (state.Reviewers.Exists(r => r.X25519 == file.EncryptionKey.ToBase64() || r.Ed25519 == file.SigningKey.ToBase64()))
        {
            throw new CommandFailedException("Another listed reviewer has the same keys: a key belongs to one reviewer only.");
        }

        if (state.Reviewers.Count >= ReviewerBundle.MaxReviewers)
        {
            throw new CommandFailedException($"A bundle lists at most {ReviewerBundle.MaxReviewers} reviewers.");
        }

        state.Reviewers.Add(OrganisationState.Entry(file));
        state.ChangedSinceSigned = true;
        state.Save(home);
        if (settings.Json)
        {
            WriteJson(new { Added = file.Id, file.Name, file.Fingerprint, Reviewers = state.Reviewers.Count });
            return ExitCodes.Ok;
        }

        Line($"Added reviewer [bold]{E(file.Id)}[/] ({E(file.Name)}), fingerprint [bold]{file.Fingerprint}[/].");
        Line("Compare this fingerprint with the one the reviewer reads to you. Then sign a new bundle: [bold]org sign-bundle[/].");
        return ExitCodes.Ok;
    }
}

public sealed class OrgRemoveReviewerSettings : HomeSettings
{
    [CommandArgument(0, "<ID>")]
    [Description("The reviewer id to remove from the next bundle")]
    public string Id { get; init; } = "";
}

/// <summary><c>org remove-reviewer</c>: drops a reviewer from the next bundle (sign one to make it effective).</summary>
public sealed class OrgRemoveReviewerCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<OrgRemoveReviewerSettings>(console, environment)
{
    public override int Execute(CommandContext context, OrgRemoveReviewerSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var state = OrganisationState.Load(home);
        if (state.Reviewers.RemoveAll(r => r.Id == settings.Id) == 0)
        {
            throw new CommandFailedException($"No reviewer '{settings.Id}' is listed. See: org show");
        }

        state.ChangedSinceSigned = true;
        state.Save(home);
        if (settings.Json)
        {
            WriteJson(new { Removed = settings.Id, Reviewers = state.Reviewers.Count });
            return ExitCodes.Ok;
        }

        Line($"Removed reviewer [bold]{E(settings.Id)}[/]. Sign and install a new bundle so new reports are no longer sealed to them.");
        return ExitCodes.Ok;
    }
}

public sealed class OrgSignBundleSettings : UnlockSettings
{
    [CommandOption("--expires <DAYS_OR_DATE>")]
    [Description("When the bundle expires: a number of days from now (e.g. 90) or a date (2027-03-01, UTC)")]
    public string? Expires { get; init; }

    [CommandOption("--out <FILE>")]
    [Description("Where to write the signed bundle (give it to the server's administrator)")]
    public string? Out { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Expires) ? ValidationResult.Error("--expires is required: days (90) or a date (2027-03-01).")
        : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required: the file to write the signed bundle to.")
        : ValidationResult.Success();
}

/// <summary><c>org sign-bundle</c>: signs the reviewer list with the organisation key; the epoch rises by one every time.</summary>
public sealed class OrgSignBundleCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<OrgSignBundleSettings>(console, environment)
{
    public override int Execute(CommandContext context, OrgSignBundleSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var state = OrganisationState.Load(home);
        var issued = DateTimeOffset.FromUnixTimeSeconds(Now.ToUnixTimeSeconds());
        var expires = ParseExpiry(settings.Expires!, issued);
        if (state.Reviewers.Count == 0)
        {
            throw new CommandFailedException("The bundle lists no reviewer yet: org add-reviewer <id>.pub.json first.");
        }

        var pinned = ConsoleHome.ReadPinnedKey(home.OrganisationPublicFile) ?? throw new CommandFailedException($"{home.OrganisationPublicFile} is missing.");
        var keyfile = ConsoleHome.ReadKeyfile(home.OrganisationKeyfile, KeyfileKind.Organisation);
        using var opened = Passphrases(settings).Open($"Passphrase for the organisation key of [bold]{E(state.Name)}[/]", passphrase =>
        {
            var result = Keyfile.Open(keyfile, passphrase);
            if (result.IsOrganisation)
            {
                return result;
            }

            result.Dispose();
            return null;
        }, "Wrong passphrase, or the organisation keyfile was altered. Nothing was signed.");

        if (!opened.Organisation!.PublicKey.Equals(pinned))
        {
            throw new CommandFailedException($"{home.OrganisationKeyfile} does not match {home.OrganisationPublicFile}: restore both from your backup.");
        }

        var bundle = new ReviewerBundle
        {
            Organisation = state.Name,
            OrganisationKey = pinned,
            Epoch = state.Epoch + 1,
            Issued = issued,
            Expires = expires,
            Reviewers = state.BundleReviewers(),
        };
        if (!bundle.IsValid())
        {
            throw new CommandFailedException("The reviewer list breaks a rule of the bundle format (docs/spec/envelope-v1.md §4.1).");
        }

        var signed = opened.Organisation.SignBundle(bundle);
        var text = signed.ToFileText();
        // Check what we publish the way the server and the witness page will check it.
        if (!SignedReviewerBundle.Verify(text, pinned, Now, state.Epoch).IsValid)
        {
            throw new CommandFailedException("The new bundle does not verify; nothing was written.");
        }

        AtomicFile.WriteText(settings.Out!, text + "\n");
        state.Epoch = bundle.Epoch;
        state.LastBundleHash = Convert.ToHexStringLower(signed.Hash.Span);
        state.ChangedSinceSigned = false;
        state.Save(home);

        if (settings.Json)
        {
            WriteJson(new { File = settings.Out, bundle.Epoch, Expires = expires.ToString("u", CultureInfo.InvariantCulture), signed.Fingerprint, Reviewers = state.Reviewers.Select(r => r.Id) });
            return ExitCodes.Ok;
        }

        Line($"Signed bundle epoch [bold]{bundle.Epoch}[/] for {state.Reviewers.Count} reviewer(s): {E(string.Join(", ", state.Reviewers.Select(r => r.Id)))}.");
        Line($"  file         {E(settings.Out)}");
        Line($"  expires      {expires:yyyy-MM-dd HH:mm} UTC");
        Line($"  fingerprint  [bold]{signed.Fingerprint}[/]");
        Line("Publish the fingerprint where the server cannot change it (your website, a printed notice): witnesses compare it.");
        return ExitCodes.Ok;
    }

    private static DateTimeOffset ParseExpiry(string text, DateTimeOffset now)
    {
        DateTimeOffset expires;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= 3650)
        {
            expires = now.AddDays(days);
        }
        else if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            expires = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }
        else
        {
            throw CommandFailedException.Usage("--expires takes a number of days (1 to 3650) or a date like 2027-03-01.");
        }

        return expires > now ? expires : throw CommandFailedException.Usage("--expires must be in the future.");
    }
}

/// <summary>
/// <c>org rotate-key</c>: a new organisation signing key in place of the old one, keeping the name, the reviewers and the
/// epoch, so the next bundle it signs continues the epochs the server and the witness pages have seen (a fresh
/// <c>org init</c> would start again at 1, which the server refuses as a rollback). The old keyfile is kept beside it,
/// renamed, for the organisation's records; nothing signs with it again.
/// </summary>
public sealed class OrgRotateKeyCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<NewKeyfileSettings>(console, environment)
{
    public override int Execute(CommandContext context, NewKeyfileSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var state = OrganisationState.Load(home);
        var retiredKey = $"{home.OrganisationKeyfile}.retired-epoch{state.Epoch}";
        var retiredPublic = $"{home.OrganisationPublicFile}.retired-epoch{state.Epoch}";
        if (File.Exists(retiredKey) || File.Exists(retiredPublic))
        {
            throw new CommandFailedException($"The key was already rotated after epoch {state.Epoch}: sign a bundle with the new key (org sign-bundle) before rotating again.");
        }

        var old = ConsoleHome.ReadPinnedKey(home.OrganisationPublicFile) ?? throw new CommandFailedException($"{home.OrganisationPublicFile} is missing.");
        var passphrase = Passphrases(settings).ReadForNewKeyfile("Choose a passphrase for the new organisation key");
        using var organisation = OrganisationSigningKey.Generate();
        File.Move(home.OrganisationKeyfile, retiredKey);
        File.Move(home.OrganisationPublicFile, retiredPublic);
        AtomicFile.Write(home.OrganisationKeyfile, Keyfile.Create(organisation, passphrase, Argon(settings)));
        AtomicFile.WriteText(home.OrganisationPublicFile, organisation.PublicKey.ToBase64() + "\n");
        state.ChangedSinceSigned = true;
        state.Save(home);

        if (settings.Json)
        {
            WriteJson(new { PublicKey = organisation.PublicKey.ToBase64(), organisation.PublicKey.Fingerprint, Retired = old.ToBase64(), state.Epoch });
            return ExitCodes.Ok;
        }

        Line($"New organisation key {organisation.PublicKey.ToBase64()}");
        Line($"  fingerprint  [bold]{organisation.PublicKey.Fingerprint}[/]");
        Line($"  retired      {old.ToBase64()} ({E(retiredKey)})");
        Line($"Next: [bold]org sign-bundle[/] (epoch {state.Epoch + 1}); the server pins the new key in Intake:OrganisationKey, each reviewer with bundle install --replace-org-key.");
        return ExitCodes.Ok;
    }
}

/// <summary><c>org show</c>: the organisation's key, last epoch and the reviewers the next bundle will list.</summary>
public sealed class OrgShowCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<HomeSettings>(console, environment)
{
    public override int Execute(CommandContext context, HomeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var state = OrganisationState.Load(home);
        var key = ConsoleHome.ReadPinnedKey(home.OrganisationPublicFile) ?? throw new CommandFailedException($"{home.OrganisationPublicFile} is missing.");
        if (settings.Json)
        {
            WriteJson(new { state.Name, PublicKey = key.ToBase64(), key.Fingerprint, state.Epoch, state.LastBundleHash, state.ChangedSinceSigned, state.Reviewers });
            return ExitCodes.Ok;
        }

        Line($"Organisation [bold]{E(state.Name)}[/], key {key.ToBase64()} (fingerprint {key.Fingerprint})");
        Line($"Last bundle signed: epoch {state.Epoch}{(state.ChangedSinceSigned ? " [yellow](reviewers changed since: sign a new bundle)[/]" : "")}");
        var table = new Table().AddColumns("id", "name", "fingerprint");
        foreach (var r in state.Reviewers)
        {
            var reviewer = r.ToReviewer()!;
            table.AddRow(E(r.Id), E(r.Name), new ReviewerPublicFile(r.Id, r.Name, reviewer.EncryptionKey, reviewer.SigningKey).Fingerprint);
        }

        Console.Write(table);
        return ExitCodes.Ok;
    }
}
