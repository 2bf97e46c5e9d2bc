using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.RegularExpressions;
using SafeIntake.Crypto;
using Sodium;

namespace SafeIntake.Review.Console.Home;

/// <summary>
/// A reviewer's public keys as <c>keys init</c> writes them (<c>&lt;id&gt;.pub.json</c>) and <c>org add-reviewer</c>
/// reads them: id, name, X25519 and Ed25519 keys in base64, and a fingerprint to compare by voice or on paper.
/// </summary>
public sealed partial record ReviewerPublicFile(string Id, string Name, X25519PublicKey EncryptionKey, Ed25519PublicKey SigningKey)
{
    private const int MaxFileLength = 64 * 1024;

    /// <summary>first 16 bytes of BLAKE2b-256(x25519 ‖ ed25519), in 8 groups of 4 hex digits (docs/spec/vault-v1.md §6).</summary>
    public string Fingerprint =>
        Fingerprints.Format(GenericHash.Hash([.. EncryptionKey.Bytes, .. SigningKey.Bytes], null, 32));

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]{0,63}\z", RegexOptions.CultureInvariant)]
    public static partial Regex IdPattern();

    public static bool IsValidName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.EnumerateRunes().Count() <= ReviewerBundle.MaxNameLength && !name.Any(char.IsControl);

    public BundleReviewer ToBundleReviewer() => new(Id, Name, EncryptionKey, SigningKey);

    public string ToJson() => JsonSerializer.Serialize(
        new Dictionary<string, string>
        {
            ["id"] = Id,
            ["name"] = Name,
            ["x25519"] = EncryptionKey.ToBase64(),
            ["ed25519"] = SigningKey.ToBase64(),
            ["fingerprint"] = Fingerprint,
        },
        JsonOutput.Indented) + "\n";

    /// <summary>Reads and checks a public key file; a fingerprint that does not match the keys means the file was altered.</summary>
    public static bool TryRead(string path, [NotNullWhen(true)] out ReviewerPublicFile? file, out string problem)
    {
        file = null;
        problem = "";
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                problem = $"{path} does not exist.";
                return false;
            }

            if (info.Length > MaxFileLength)
            {
                problem = $"{path} is too large to be a reviewer key file.";
                return false;
            }

            using var document = JsonDocument.Parse(File.ReadAllBytes(path), StrictJson.DocumentOptions(4));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || StrictJson.GetString(root, "id") is not { } id || !IdPattern().IsMatch(id)
                || StrictJson.GetString(root, "name") is not { } name || !IsValidName(name)
                || !X25519PublicKey.TryParseBase64(StrictJson.GetString(root, "x25519"), out var x25519)
                || !Ed25519PublicKey.TryParseBase64(StrictJson.GetString(root, "ed25519"), out var ed25519))
            {
                problem = $"{path} is not a reviewer key file (it needs id, name, x25519 and ed25519).";
                return false;
            }

            var candidate = new ReviewerPublicFile(id, name, x25519, ed25519);
            if (StrictJson.GetString(root, "fingerprint") is { } fingerprint && fingerprint != candidate.Fingerprint)
            {
                problem = $"{path}: the fingerprint does not match the keys; the file was altered. Ask the reviewer for a new copy.";
                return false;
            }

            file = candidate;
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            problem = $"{path} is not a reviewer key file (not valid JSON, or unreadable).";
            return false;
        }
    }
}
