using System.Security.Cryptography;
using System.Text;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Home;
using SafeIntake.Review.Console.Triage;
using SafeIntake.Review.Console.Vault;
using Spectre.Console;

namespace SafeIntake.Review.Console.Commands;

/// <summary>
/// An unlocked reviewer and the open vault: what every triage command needs. Unlocking happens once per session
/// (once per command, or once for the whole interactive <c>review</c>); disposing zeroes the keys.
/// </summary>
public sealed class VaultSession : IDisposable
{
    private VaultSession(ConsoleHome home, ReviewerPublicFile reviewer, ReviewerIdentity identity, VaultStore vault, SignedReviewerBundle? bundle)
    {
        Home = home;
        Reviewer = reviewer;
        Identity = identity;
        Vault = vault;
        Bundle = bundle;
        TrustedKeys = TrustedKeysOf(reviewer, bundle);
    }

    /// <summary>Reviewer id → Ed25519 key: everyone in <paramref name="bundle"/>, and this reviewer with their own key.</summary>
    public static IReadOnlyDictionary<string, Ed25519PublicKey> TrustedKeysOf(ReviewerPublicFile reviewer, SignedReviewerBundle? bundle)
    {
        ArgumentNullException.ThrowIfNull(reviewer);
        var keys = new Dictionary<string, Ed25519PublicKey>(StringComparer.Ordinal);
        foreach (var r in bundle?.Bundle.Reviewers ?? [])
        {
            keys[r.Id] = r.SigningKey;
        }

        keys[reviewer.Id] = reviewer.SigningKey;
        return keys;
    }

    /// <summary>The organisation's bundle installed in <paramref name="home"/>, when one is (verified against the pinned key).</summary>
    public static SignedReviewerBundle? InstalledBundle(ConsoleHome home)
    {
        ArgumentNullException.ThrowIfNull(home);
        return home.PinnedOrganisationKey() is { } organisation ? BundleInstallCommand.ReadInstalled(home, organisation) : null;
    }

    public ConsoleHome Home { get; }

    public ReviewerPublicFile Reviewer { get; }

    public ReviewerIdentity Identity { get; }

    public VaultStore Vault { get; }

    /// <summary>The organisation's installed reviewer bundle, when there is one (replies need it).</summary>
    public SignedReviewerBundle? Bundle { get; }

    /// <summary>Reviewer id → Ed25519 key: this reviewer and everyone in the installed bundle.</summary>
    public IReadOnlyDictionary<string, Ed25519PublicKey> TrustedKeys { get; }

    public AuditSigner Signer => new(Reviewer.Id, Identity.SigningKey);

    public CaseActions Actions(DateTimeOffset now) => new(Vault, Signer, now, TrustedKeys.Keys.ToHashSet(StringComparer.Ordinal));

    public static VaultSession Open(ConsoleHome home, Passphrases passphrases)
    {
        ArgumentNullException.ThrowIfNull(home);
        VaultStore.CheckFile(home.VaultFile);
        var (reviewer, identity) = home.UnlockReviewer(passphrases);
        try
        {
            var bundle = InstalledBundle(home);
            var vault = VaultStore.Open(home, reviewer.Id, identity.EncryptionKey);
            return new VaultSession(home, reviewer, identity, vault, bundle);
        }
        catch
        {
            identity.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Vault.Dispose();
        Identity.Dispose();
    }
}

/// <summary>
/// Where a note's or reply's text comes from: <c>--text</c>, <c>--text-file</c> (<c>-</c> = standard input), piped
/// standard input, or else the reviewer's editor on a draft in the console home that is overwritten and deleted after.
/// </summary>
public static class TextInput
{
    public const string Marker = "# ----- Write above this line. This line and everything below it are ignored. -----";

    public static string Read(string? text, string? textFile, ConsoleEnvironment environment, ConsoleHome home, string purpose, string context)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(home);
        if (text is not null)
        {
            return text;
        }

        if (textFile == "-" || (textFile is null && environment.InputRedirected()))
        {
            return environment.StandardInput().ReadToEnd();
        }

        if (textFile is not null)
        {
            return File.Exists(textFile) ? File.ReadAllText(textFile, Encoding.UTF8) : throw new CommandFailedException($"{textFile} does not exist.");
        }

        return FromEditor(environment, home, purpose, context);
    }

    /// <summary>The text from the reviewer's editor only (the interactive <c>review</c>, whose keyboard is standard input).</summary>
    public static string FromEditor(ConsoleEnvironment environment, ConsoleHome home, string purpose, string context)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(home);
        var editor = Editor.Choose(environment.GetVariable)
            ?? throw new CommandFailedException($"No editor found for the {purpose}: set $EDITOR, pass --text \"…\", or pipe the text in (… | safeintake-review …).");
        var drafts = Path.Combine(home.Root, "drafts");
        AtomicFile.CreatePrivateFolder(drafts);
        var path = Path.Combine(drafts, $"{purpose}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.txt");
        File.WriteAllText(path, $"\n{Marker}\n# {context.ReplaceLineEndings("\n# ")}\n", new UTF8Encoding(false));
        AtomicFile.RestrictToOwner(path);
        try
        {
            var exit = environment.RunEditor(editor, path);
            if (exit != 0)
            {
                throw new CommandFailedException($"The editor ({editor}) exited with {exit}: nothing was saved. Set $EDITOR to the editor you use.");
            }

            var written = File.ReadAllText(path, Encoding.UTF8).ReplaceLineEndings("\n");
            var end = written.IndexOf(Marker, StringComparison.Ordinal);
            return end >= 0 ? written[..end] : written;
        }
        finally
        {
            Shred(path);
        }
    }

    /// <summary>Overwrites a draft with zeros before deleting it, so the plaintext does not stay in the file's blocks.</summary>
    private static void Shred(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                var length = new FileInfo(path).Length;
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                    file.Write(new byte[length]);
                    file.Flush(flushToDisk: true);
                }

                File.Delete(path);
            }
        }
        catch (IOException)
        {
            // Best effort: the draft folder is the owner's only; the next run's drafts folder still holds it.
        }
    }
}

/// <summary>Spectre markup for the triage values, shared by tables and panels.</summary>
public static class TriageMarkup
{
    public static string Status(string status) => status switch
    {
        EnvelopeStatus.New => "[bold blue]new[/]",
        EnvelopeStatus.Triaged => "[cyan]triaged[/]",
        EnvelopeStatus.Investigating => "[yellow]investigating[/]",
        EnvelopeStatus.Closed => "[green]closed[/]",
        EnvelopeStatus.Rejected => "[grey]rejected[/]",
        _ => Markup.Escape(status),
    };

    public static string Severity(string? severity) => severity switch
    {
        "critical" => "[bold white on red]critical[/]",
        "high" => "[red]high[/]",
        "medium" => "[yellow]medium[/]",
        "low" => "[green]low[/]",
        null => "[grey]–[/]",
        _ => Markup.Escape(severity),
    };

    /// <summary>Attacker text for a table cell: one line, no control or invisible format characters, cut at <paramref name="max"/>.</summary>
    public static string Preview(string? text, int max)
    {
        var oneLine = UntrustedText.ForTerminal(text, keepNewlines: false);
        return Markup.Escape(oneLine.Length > max ? oneLine[..max] + "…" : oneLine);
    }

    /// <summary>Attacker text for a panel: lines kept, control characters (terminal escapes) and bidi overrides removed.</summary>
    public static string Block(string? text) => Markup.Escape(UntrustedText.ForTerminal(text, keepNewlines: true));
}
