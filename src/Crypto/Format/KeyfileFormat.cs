using System.Buffers.Binary;
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

/// <summary>
/// The keyfile layout of docs/spec/envelope-v1.md §5 and the one-way half of it: sealing secret bytes under a
/// passphrase. Opening a keyfile (and so holding a key) is in SafeIntake.Crypto.Secrets. The intake server's demo
/// mode uses this to write the demo reviewer's keyfile for the console.
/// </summary>
public static class KeyfileFormat
{
    internal static ReadOnlySpan<byte> Magic => "SafeIKey"u8;
    internal const byte Version = 1;
    internal const byte Algorithm = 1;
    internal const int SaltLength = 16;
    public const int HeaderLength = 8 + 1 + 1 + 1 + 4 + 8 + SaltLength + Primitives.AeadNonceLength; // 63

    public static int SecretLength(KeyfileKind kind) => kind == KeyfileKind.Reviewer ? 64 : 32;

    /// <summary>Seals <paramref name="secret"/> (x25519 ‖ ed25519 seed, or an ed25519 seed) into a keyfile.</summary>
    public static byte[] Seal(KeyfileKind kind, ReadOnlySpan<byte> secret, string passphrase, Argon2Parameters parameters)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.IsAcceptable)
        {
            throw Error.OutOfRange(nameof(parameters), "Argon2id parameters are below the minimum or above the maximum of §5.");
        }

        if (secret.Length != SecretLength(kind))
        {
            throw Error.Argument(nameof(secret), $"A {kind} keyfile holds {SecretLength(kind)} secret bytes.");
        }

        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        header[8] = Version;
        header[9] = (byte)kind;
        header[10] = Algorithm;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(11, 4), parameters.Passes);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(15, 8), parameters.MemoryBytes);
        Primitives.Random(SaltLength).CopyTo(header, 23);
        Primitives.Random(Primitives.AeadNonceLength).CopyTo(header, 39);

        var key = DeriveKey(passphrase, header[23..39], parameters);
        var plaintext = secret.ToArray();
        try
        {
            return Primitives.Concat(header, SecretAeadXChaCha20Poly1305.Encrypt(plaintext, header[39..], key, header));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The kind and parameters a keyfile claims, or null when its fixed fields break §5.</summary>
    public static (KeyfileKind Kind, Argon2Parameters Parameters)? ReadHeader(ReadOnlySpan<byte> file)
    {
        if (file.Length < HeaderLength || !file[..8].SequenceEqual(Magic) || file[8] != Version || file[10] != Algorithm
            || file[9] is not ((byte)KeyfileKind.Reviewer or (byte)KeyfileKind.Organisation))
        {
            return null;
        }

        var kind = (KeyfileKind)file[9];
        var parameters = new Argon2Parameters(BinaryPrimitives.ReadUInt32BigEndian(file.Slice(11, 4)), BinaryPrimitives.ReadUInt64BigEndian(file.Slice(15, 8)));
        return parameters.IsAcceptable && file.Length == HeaderLength + SecretLength(kind) + Primitives.AeadTagLength
            ? (kind, parameters)
            : null;
    }

    internal static byte[] DeriveKey(string passphrase, byte[] salt, Argon2Parameters parameters)
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
