using System.ComponentModel;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Home;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

public sealed class ServerTrustSettings : HomeSettings
{
    [CommandArgument(0, "<SERVER_KEY>")]
    [Description("The server's export-signing public key in base64, as the administrator's `admin server-key` prints it")]
    public string Key { get; init; } = "";

    [CommandOption("--replace")]
    [Description("Replace a different key pinned before (only when the administrator announced a new server key)")]
    public bool Replace { get; init; }
}

/// <summary><c>server trust</c>: pins the server's export-signing key; bundles signed by any other key are refused.</summary>
public sealed class ServerTrustCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<ServerTrustSettings>(console, environment)
{
    public override int Execute(CommandContext context, ServerTrustSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!Ed25519PublicKey.TryParseBase64(settings.Key.Trim(), out var key))
        {
            throw CommandFailedException.Usage("That is not a server key: expected 44 characters of base64 (32 bytes).");
        }

        var home = Home(settings);
        var pinned = home.PinnedServerKey();
        if (pinned is not null && !pinned.Equals(key) && !settings.Replace)
        {
            throw new CommandFailedException(
                $"A different server key is already pinned ({pinned.Fingerprint}). If the administrator announced a new key, run again with --replace.");
        }

        home.EnsureExists();
        AtomicFile.WriteText(home.ServerKeyFile, key.ToBase64() + "\n");
        if (settings.Json)
        {
            WriteJson(new { ServerKey = key.ToBase64(), key.Fingerprint });
            return ExitCodes.Ok;
        }

        Line($"Pinned server key {key.ToBase64()}");
        Line($"  fingerprint  [bold]{key.Fingerprint}[/]  (compare it with the administrator's)");
        return ExitCodes.Ok;
    }
}

/// <summary><c>server show</c>: the pinned server key.</summary>
public sealed class ServerShowCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<HomeSettings>(console, environment)
{
    public override int Execute(CommandContext context, HomeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var key = Home(settings).PinnedServerKey()
            ?? throw new CommandFailedException("No server key is pinned. Pin it with: safeintake-review server trust <key>");
        if (settings.Json)
        {
            WriteJson(new { ServerKey = key.ToBase64(), key.Fingerprint });
        }
        else
        {
            Line($"Pinned server key {key.ToBase64()}");
            Line($"  fingerprint  [bold]{key.Fingerprint}[/]");
        }

        return ExitCodes.Ok;
    }
}

public sealed class BundleInstallSettings : HomeSettings
{
    [CommandArgument(0, "<BUNDLE_FILE>")]
    [Description("The signed reviewer bundle (bundle.json) the organisation published")]
    public string File { get; init; } = "";

    [CommandOption("--org-key <KEY>")]
    [Description("The organisation's public key (base64); needed the first time, then pinned")]
    public string? OrganisationKey { get; init; }

    [CommandOption("--replace-org-key")]
    [Description("The organisation rotated its key: pin --org-key instead of the pinned one (compare its fingerprint with the organisation first)")]
    public bool ReplaceOrganisationKey { get; init; }
}

/// <summary>
/// <c>bundle install</c>: keeps a verified copy of the organisation's reviewer bundle, so <c>import</c> can check replies
/// that colleagues signed. The organisation key is pinned on first use; epochs may only rise.
/// </summary>
public sealed class BundleInstallCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<BundleInstallSettings>(console, environment)
{
    public override int Execute(CommandContext context, BundleInstallSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var pinned = home.PinnedOrganisationKey();
        Ed25519PublicKey? given = null;
        if (settings.OrganisationKey is not null && !Ed25519PublicKey.TryParseBase64(settings.OrganisationKey.Trim(), out given))
        {
            throw CommandFailedException.Usage("--org-key is not a public key: expected 44 characters of base64.");
        }

        if (settings.ReplaceOrganisationKey && given is null)
        {
            throw CommandFailedException.Usage("--replace-org-key needs the new key: --org-key <base64>.");
        }

        var replacing = settings.ReplaceOrganisationKey && pinned is not null && !pinned.Equals(given);
        if (pinned is not null && given is not null && !pinned.Equals(given) && !replacing)
        {
            throw new CommandFailedException($"Another organisation key is pinned ({pinned.Fingerprint}); refusing to switch organisations. After a key rotation: --replace-org-key.");
        }

        var key = (replacing ? given : pinned ?? given) ?? throw CommandFailedException.Usage("The first install needs the organisation's key: --org-key <base64>.");
        if (!System.IO.File.Exists(settings.File) || new FileInfo(settings.File).Length > SignedReviewerBundle.MaxFileLength)
        {
            throw new CommandFailedException($"{settings.File} does not exist or is too large to be a bundle.");
        }

        // A rotated key signs the next epoch: the installed bundle, under the old key, still sets the floor.
        var previous = ReadInstalled(home, replacing ? pinned! : key);
        var verification = SignedReviewerBundle.Verify(System.IO.File.ReadAllText(settings.File), key, Now, previous?.Bundle.Epoch ?? 0,
            previous?.Hash ?? default);
        if (!verification.IsValid)
        {
            throw new CommandFailedException($"The bundle is refused: {verification.Failure}. Nothing was installed.");
        }

        home.EnsureExists();
        AtomicFile.WriteText(home.OrganisationPinFile, key.ToBase64() + "\n");
        AtomicFile.WriteText(home.ReviewerBundleFile, verification.Bundle.ToFileText() + "\n");
        var bundle = verification.Bundle.Bundle;
        if (settings.Json)
        {
            WriteJson(new { bundle.Organisation, bundle.Epoch, verification.Bundle.Fingerprint, Reviewers = bundle.Reviewers.Select(r => r.Id) });
            return ExitCodes.Ok;
        }

        Line($"Installed the reviewer bundle of [bold]{E(bundle.Organisation)}[/], epoch {bundle.Epoch}, fingerprint [bold]{verification.Bundle.Fingerprint}[/].");
        Line($"Reviewers: {E(string.Join(", ", bundle.Reviewers.Select(r => r.Id)))}");
        return ExitCodes.Ok;
    }

    /// <summary>The installed bundle, still verified against the pinned key (its expiry does not matter here).</summary>
    public static SignedReviewerBundle? ReadInstalled(ConsoleHome home, Ed25519PublicKey organisationKey)
    {
        ArgumentNullException.ThrowIfNull(home);
        if (!System.IO.File.Exists(home.ReviewerBundleFile))
        {
            return null;
        }

        var verification = SignedReviewerBundle.Verify(System.IO.File.ReadAllText(home.ReviewerBundleFile).Trim(), organisationKey, DateTimeOffset.MinValue);
        return verification.IsValid ? verification.Bundle : throw new CommandFailedException($"{home.ReviewerBundleFile} is damaged: install the bundle again.");
    }
}
