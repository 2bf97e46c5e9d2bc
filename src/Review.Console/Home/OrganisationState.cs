using System.Text.Json;
using SafeIntake.Crypto;

namespace SafeIntake.Review.Console.Home;

/// <summary>
/// The organisation's working state next to its keyfile (<c>org/state.json</c>): its name, the reviewers the next bundle
/// will list, and the epoch and hash of the last bundle signed. Public information: nothing here is secret.
/// </summary>
public sealed class OrganisationState
{
    public required string Name { get; set; }

    public long Epoch { get; set; }

    public string? LastBundleHash { get; set; }

    /// <summary>True when reviewers changed after the last bundle was signed.</summary>
    public bool ChangedSinceSigned { get; set; }

    public List<ReviewerEntry> Reviewers { get; set; } = [];

    public sealed class ReviewerEntry
    {
        public required string Id { get; set; }

        public required string Name { get; set; }

        public required string X25519 { get; set; }

        public required string Ed25519 { get; set; }
    }

    public static OrganisationState Load(ConsoleHome home)
    {
        ArgumentNullException.ThrowIfNull(home);
        if (!File.Exists(home.OrganisationStateFile) || !File.Exists(home.OrganisationKeyfile))
        {
            throw new CommandFailedException($"No organisation in {home.OrganisationFolder}. Create one with: safeintake-review org init --name <organisation>");
        }

        try
        {
            var state = JsonSerializer.Deserialize<OrganisationState>(File.ReadAllBytes(home.OrganisationStateFile), JsonOutput.Compact);
            return state?.Reviewers is not null && state.Reviewers.TrueForAll(r => r is not null && r.ToReviewer() is not null)
                ? state
                : throw new JsonException();
        }
        catch (JsonException)
        {
            throw new CommandFailedException($"{home.OrganisationStateFile} is damaged: restore it from your backup.");
        }
    }

    public void Save(ConsoleHome home)
    {
        ArgumentNullException.ThrowIfNull(home);
        AtomicFile.WriteText(home.OrganisationStateFile, JsonSerializer.Serialize(this, JsonOutput.Indented) + "\n");
    }

    public IReadOnlyList<BundleReviewer> BundleReviewers() => Reviewers.Select(r => r.ToReviewer()!).ToList();

    public static ReviewerEntry Entry(ReviewerPublicFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new ReviewerEntry { Id = file.Id, Name = file.Name, X25519 = file.EncryptionKey.ToBase64(), Ed25519 = file.SigningKey.ToBase64() };
    }
}

internal static class ReviewerEntryExtensions
{
    public static BundleReviewer? ToReviewer(this OrganisationState.ReviewerEntry entry) =>
        X25519PublicKey.TryParseBase64(entry.X25519, out var x) && Ed25519PublicKey.TryParseBase64(entry.Ed25519, out var e)
            ? new BundleReviewer(entry.Id, entry.Name, x, e)
            : null;
}
