using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Sodium;

namespace SafeIntake.Crypto;

/// <summary>The result of opening a keyfile: one failure for a wrong passphrase, a tampered file or bad parameters.</summary>
public sealed class KeyfileOpenResult : IDisposable
{
    internal KeyfileOpenResult(ReviewerIdentity? reviewer, OrganisationSigningKey? organisation)
    {
        Reviewer = reviewer;
        Organisation = organisation;
    }

    [MemberNotNullWhen(true, nameof(Reviewer))]
    public bool IsReviewer => Reviewer is not null;

    [MemberNotNullWhen(true, nameof(Organisation))]
    public bool IsOrganisation => Organisation is not null;

    public bool IsSuccess => IsReviewer || IsOrganisation;

    public ReviewerIdentity? Reviewer { get; }

    public OrganisationSigningKey? Organisation { get; }

    public void Dispose()
    {
        Reviewer?.Dispose();
        Organisation?.Dispose();
    }
}

/// <summary>
/// The passphrase-protected keyfile of docs/spec/envelope-v1.md §5: Argon2id (always ARGON2ID13, 32-byte output)
/// into XChaCha20-Poly1305 with the whole header as associated data, so lowering the cost parameters in the file
/// breaks the tag. The layout and sealing are in <see cref="KeyfileFormat"/>.
/// </summary>
public static class Keyfile
{
    public static byte[] Create(ReviewerIdentity identity, string passphrase, Argon2Parameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var secret = Primitives.Concat(identity.EncryptionKey.Export(), identity.SigningKey.ExportSeed());
        try
        {
            return KeyfileFormat.Seal(KeyfileKind.Reviewer, secret, passphrase, parameters ?? Argon2Parameters.Default);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public static byte[] Create(OrganisationSigningKey organisation, string passphrase, Argon2Parameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        var seed = organisation.Key.ExportSeed();
        try
        {
            return KeyfileFormat.Seal(KeyfileKind.Organisation, seed, passphrase, parameters ?? Argon2Parameters.Default);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Opens a keyfile. Parameters are checked before Argon2id runs, so a hostile file cannot make us burn 1 TB.</summary>
    public static KeyfileOpenResult Open(ReadOnlySpan<byte> file, string passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        if (KeyfileFormat.ReadHeader(file) is not var (kind, parameters))
        {
            return new KeyfileOpenResult(null, null);
        }

        var header = file[..KeyfileFormat.HeaderLength].ToArray();
        var key = KeyfileFormat.DeriveKey(passphrase, header[23..39], parameters);
        byte[]? secret = null;
        try
        {
            secret = SecretAeadXChaCha20Poly1305.Decrypt(file[KeyfileFormat.HeaderLength..].ToArray(), header[39..], key, header);
            return kind == KeyfileKind.Reviewer
                ? new KeyfileOpenResult(new ReviewerIdentity(X25519SecretKey.Import(secret.AsSpan(0, 32)), Ed25519SecretKey.Import(secret.AsSpan(32, 32))), null)
                : new KeyfileOpenResult(null, new OrganisationSigningKey(Ed25519SecretKey.Import(secret)));
        }
        catch (CryptographicException)
        {
            return new KeyfileOpenResult(null, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            if (secret is not null)
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }
    }

    /// <summary>The kind a keyfile claims, without opening it; null if it is not a valid keyfile.</summary>
    public static KeyfileKind? PeekKind(ReadOnlySpan<byte> file) => KeyfileFormat.ReadHeader(file)?.Kind;
}
