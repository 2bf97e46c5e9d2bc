using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Sodium;

namespace SafeIntake.Crypto;

/// <summary>What a keyfile holds.</summary>
public enum KeyfileKind : byte
{
    Reviewer = 1,
    Organisation = 2,
}

/// <summary>Argon2id cost: passes and memory in bytes.</summary>
public sealed record Argon2Parameters(uint Passes, ulong MemoryBytes)
{
    public const uint MinPasses = 3;
    public const uint MaxPasses = 32;
    public const ulong MinMemoryBytes = 64UL * 1024 * 1024;
    // Sodium.Core takes the memory limit as an Int32, so 1 GiB (libsodium's "sensitive") is the ceiling.
    public const ulong MaxMemoryBytes = 1024UL * 1024 * 1024;

    /// <summary>Defaults for new keyfiles: 3 passes over 256 MiB (libsodium's "moderate").</summary>
    public static Argon2Parameters Default { get; } = new(3, 256UL * 1024 * 1024);

    /// <summary>The floor every keyfile is checked against on load (§5).</summary>
    public static Argon2Parameters Minimum { get; } = new(MinPasses, MinMemoryBytes);

    public bool IsAcceptable => Passes is >= MinPasses and <= MaxPasses && MemoryBytes is >= MinMemoryBytes and <= MaxMemoryBytes;
}

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
/// The passphrase-protected keyfile of docs/spec/envelope-v1.md §5: Argon2id (always ARGON2ID13, 32-byte output,
/// never Sodium.Core's Argon2i/16-byte defaults) into XChaCha20-Poly1305 with the whole header as associated data,
/// so lowering the cost parameters in the file breaks the tag.
/// </summary>
public static class Keyfile
{
    private static ReadOnlySpan<byte> Magic => "SafeIKey"u8;
    private const byte Version = 1;
    private const byte Algorithm = 1;
    private const int SaltLength = 16;
    public const int HeaderLength = 8 + 1 + 1 + 1 + 4 + 8 + SaltLength + Primitives.AeadNonceLength; // 63

    public static byte[] Create(ReviewerIdentity identity, string passphrase, Argon2Parameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var secret = Primitives.Concat(identity.EncryptionKey.Export(), identity.SigningKey.ExportSeed());
        return Seal(KeyfileKind.Reviewer, secret, passphrase, parameters ?? Argon2Parameters.Default);
    }

    public static byte[] Create(OrganisationSigningKey organisation, string passphrase, Argon2Parameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        return Seal(KeyfileKind.Organisation, organisation.Key.ExportSeed(), passphrase, parameters ?? Argon2Parameters.Default);
    }

    /// <summary>Opens a keyfile. Parameters are checked before Argon2id runs, so a hostile file cannot make us burn 1 TB.</summary>
    public static KeyfileOpenResult Open(ReadOnlySpan<byte> file, string passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        var failed = new KeyfileOpenResult(null, null);
        if (file.Length < HeaderLength || !file[..8].SequenceEqual(Magic) || file[8] != Version || file[10] != Algorithm
            || file[9] is not ((byte)KeyfileKind.Reviewer or (byte)KeyfileKind.Organisation))
        {
            return failed;
        }

        var kind = (KeyfileKind)file[9];
        var parameters = new Argon2Parameters(BinaryPrimitives.ReadUInt32BigEndian(file.Slice(11, 4)), BinaryPrimitives.ReadUInt64BigEndian(file.Slice(15, 8)));
        if (!parameters.IsAcceptable || file.Length != HeaderLength + SecretLength(kind) + Primitives.AeadTagLength)
        {
            return failed;
        }

        var key = DeriveKey(passphrase, file.Slice(23, SaltLength).ToArray(), parameters);
        byte[]? secret = null;
        try
        {
            secret = SecretAeadXChaCha20Poly1305.Decrypt(file[HeaderLength..].ToArray(), file.Slice(39, Primitives.AeadNonceLength).ToArray(), key, file[..HeaderLength].ToArray());
            return kind == KeyfileKind.Reviewer
                ? new KeyfileOpenResult(new ReviewerIdentity(X25519SecretKey.Import(secret.AsSpan(0, 32)), Ed25519SecretKey.Import(secret.AsSpan(32, 32))), null)
                : new KeyfileOpenResult(null, new OrganisationSigningKey(Ed25519SecretKey.Import(secret)));
        }
        catch (CryptographicException)
        {
            return failed;
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

    /// <summary>The kind a keyfile claims, without opening it; null if it is not a keyfile.</summary>
    public static KeyfileKind? PeekKind(ReadOnlySpan<byte> file) =>
        file.Length >= HeaderLength && file[..8].SequenceEqual(Magic) && file[9] is 1 or 2 ? (KeyfileKind)file[9] : null;

    private static int SecretLength(KeyfileKind kind) => kind == KeyfileKind.Reviewer ? 64 : 32;

    private static byte[] Seal(KeyfileKind kind, byte[] secret, string passphrase, Argon2Parameters parameters)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        if (!parameters.IsAcceptable)
        {
            throw Error.OutOfRange(nameof(parameters), "Argon2id parameters are below the minimum or above the maximum of §5.");
        }

        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        header[8] = Version;
        header[9] = (byte)kind;
        header[10] = Algorithm;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(11, 4), parameters.Passes);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(15, 8), parameters.MemoryBytes);
        var salt = Primitives.Random(SaltLength);
        salt.CopyTo(header, 23);
        Primitives.Random(Primitives.AeadNonceLength).CopyTo(header, 39);

        var key = DeriveKey(passphrase, salt, parameters);
        try
        {
            return Primitives.Concat(header, SecretAeadXChaCha20Poly1305.Encrypt(secret, header[39..], key, header));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] DeriveKey(string passphrase, byte[] salt, Argon2Parameters parameters)
    {
        var password = Encoding.UTF8.GetBytes(passphrase.Normalize(NormalizationForm.FormC));
        try
        {
            // Sodium.Core's order is (ops, memory, output length); its defaults (Argon2i, 16 bytes) are never used.
            return PasswordHash.ArgonHashBinary(password, salt, parameters.Passes, checked((int)parameters.MemoryBytes), 32, PasswordHash.ArgonAlgorithm.Argon_2ID13);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }
    }
}
