using SafeIntake.Crypto;

namespace SafeIntake.Review.Console.Home;

/// <summary>
/// The console's home folder (<c>--home</c>, <c>SAFEINTAKE_HOME</c>, or <c>~/.safeintake</c>): the reviewer's keyfile
/// and public keys, the pinned server key, the vault and the outbox; an organisation's key and state under <c>org/</c>.
/// </summary>
public sealed class ConsoleHome
{
    private ConsoleHome(string root, string source)
    {
        Root = root;
        Source = source;
    }

    public string Root { get; }

    /// <summary>Where <see cref="Root"/> came from ("--home", "$SAFEINTAKE_HOME" or "the default"), for messages.</summary>
    public string Source { get; }

    /// <summary>
    /// The start of every "nothing here" message: the folder looked in, where that choice came from and how to look
    /// elsewhere, so a reviewer who forgot --home is not steered into creating a second identity.
    /// </summary>
    public string LookedIn(string what) =>
        $"No {what} in {Root} (the console home, from {Source}). If yours is in another folder, pass --home <folder> or set {ConsoleEnvironment.HomeVariable}.";

    public string ReviewerKeyfile => Path.Combine(Root, "reviewer.key");

    public string ReviewerPublicFile => Path.Combine(Root, "reviewer.pub.json");

    public string ServerKeyFile => Path.Combine(Root, "server.pub");

    /// <summary>The organisation key pinned by <c>bundle install</c>, to check replies signed by colleagues.</summary>
    public string OrganisationPinFile => Path.Combine(Root, "organisation.pub");

    public string ReviewerBundleFile => Path.Combine(Root, "reviewer-bundle.json");

    public string VaultFolder => Path.Combine(Root, "vault");

    public string VaultFile => Path.Combine(VaultFolder, "vault.db");

    public string OutboxFolder => Path.Combine(Root, "outbox");

    public string OrganisationFolder => Path.Combine(Root, "org");

    public string OrganisationKeyfile => Path.Combine(OrganisationFolder, "organisation.key");

    public string OrganisationPublicFile => Path.Combine(OrganisationFolder, "organisation.pub");

    public string OrganisationStateFile => Path.Combine(OrganisationFolder, "state.json");

    public static ConsoleHome Resolve(string? option, ConsoleEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var (root, source) = !string.IsNullOrWhiteSpace(option) ? (option, "--home")
            : environment.GetVariable(ConsoleEnvironment.HomeVariable) is { Length: > 0 } fromEnvironment ? (fromEnvironment, "$" + ConsoleEnvironment.HomeVariable)
            : (Path.Combine(environment.UserHome, ".safeintake"), "the default, ~/.safeintake");
        try
        {
            return new ConsoleHome(Path.GetFullPath(root), source);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw CommandFailedException.Usage($"{source}: '{root}' is not a usable folder path.");
        }
    }

    public void EnsureExists() => AtomicFile.CreatePrivateFolder(Root);

    public ReviewerPublicFile LoadReviewerPublic()
    {
        if (!File.Exists(ReviewerKeyfile) || !File.Exists(ReviewerPublicFile))
        {
            throw new CommandFailedException(LookedIn("reviewer identity")
                + " Only if you have no identity yet, create one with: safeintake-review keys init --id <id> --name <name>");
        }

        return Home.ReviewerPublicFile.TryRead(ReviewerPublicFile, out var file, out var problem)
            ? file
            : throw new CommandFailedException(problem);
    }

    /// <summary>Opens the reviewer keyfile: exit 3 for a wrong passphrase, exit 1 for a file that is not a valid keyfile.</summary>
    public (ReviewerPublicFile Public, ReviewerIdentity Identity) UnlockReviewer(Passphrases passphrases)
    {
        ArgumentNullException.ThrowIfNull(passphrases);
        var info = LoadReviewerPublic();
        var file = ReadKeyfile(ReviewerKeyfile, KeyfileKind.Reviewer);
        var opened = passphrases.Open($"Passphrase for reviewer [bold]{Spectre.Console.Markup.Escape(info.Id)}[/]", passphrase =>
        {
            var result = StartupTimings.Unlock(() => Keyfile.Open(file, passphrase));
            if (result.IsReviewer)
            {
                return result;
            }

            result.Dispose();
            return null;
        }, "Wrong passphrase, or the keyfile was altered. Nothing was changed.");

        var identity = opened.Reviewer!;
        if (!identity.EncryptionKey.PublicKey.Equals(info.EncryptionKey) || !identity.SigningKey.PublicKey.Equals(info.SigningKey))
        {
            identity.Dispose();
            throw new CommandFailedException($"{ReviewerPublicFile} does not match {ReviewerKeyfile}: restore both from your backup.");
        }

        return (info, identity);
    }

    /// <summary>Reads a keyfile and checks its fixed fields (kind, Argon2id parameters at or above the minimum) before Argon2id runs.</summary>
    public static byte[] ReadKeyfile(string path, KeyfileKind kind)
    {
        if (!File.Exists(path))
        {
            throw new CommandFailedException($"{path} does not exist.");
        }

        var bytes = new FileInfo(path).Length <= 4096 ? File.ReadAllBytes(path) : [];
        var header = KeyfileFormat.ReadHeader(bytes);
        if (header is null || header.Value.Kind != kind)
        {
            throw new CommandFailedException(
                $"{path} is not a valid {(kind == KeyfileKind.Reviewer ? "reviewer" : "organisation")} keyfile: it is damaged, "
                + "of another kind, or its Argon2id parameters are below the minimum (3 passes, 64 MiB). Restore it from your backup.");
        }

        return bytes;
    }

    public Ed25519PublicKey? PinnedServerKey() => ReadPinnedKey(ServerKeyFile);

    public Ed25519PublicKey? PinnedOrganisationKey() => ReadPinnedKey(OrganisationPinFile);

    public static Ed25519PublicKey? ReadPinnedKey(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        return new FileInfo(path).Length < 1024 && Ed25519PublicKey.TryParseBase64(File.ReadAllText(path).Trim(), out var key)
            ? key
            : throw new CommandFailedException($"{path} is damaged: pin the key again.");
    }
}
