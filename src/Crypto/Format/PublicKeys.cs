using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace SafeIntake.Crypto;

/// <summary>A 32-byte public key; immutable, compared in constant time.</summary>
public abstract class PublicKey32 : IEquatable<PublicKey32>
{
    public const int Length = 32;
    private readonly byte[] _bytes;

    private protected PublicKey32(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    public ReadOnlySpan<byte> Bytes => _bytes;

    public byte[] ToArray() => (byte[])_bytes.Clone();

    public string ToBase64() => Convert.ToBase64String(_bytes);

    public string ToHex() => Convert.ToHexStringLower(_bytes);

    public bool Equals(PublicKey32? other) =>
        other is not null && other.GetType() == GetType() && CryptographicOperations.FixedTimeEquals(_bytes, other._bytes);

    public override bool Equals(object? obj) => Equals(obj as PublicKey32);

    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);

    public override string ToString() => ToBase64();

    private protected static bool TryDecode(string? base64, out byte[] bytes)
    {
        return StrictBase64.TryDecode(base64, out bytes) && bytes.Length == Length;
    }
}

/// <summary>An X25519 public key: a recipient of envelopes.</summary>
public sealed class X25519PublicKey : PublicKey32
{
    private X25519PublicKey(ReadOnlySpan<byte> bytes) : base(bytes) { }

    public static X25519PublicKey Import(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Length ? new X25519PublicKey(bytes) : throw Error.KeyLength(nameof(bytes), Length);

    public static bool TryImport(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out X25519PublicKey? key)
    {
        key = bytes.Length == Length ? new X25519PublicKey(bytes) : null;
        return key is not null;
    }

    public static bool TryParseBase64(string? base64, [NotNullWhen(true)] out X25519PublicKey? key)
    {
        key = TryDecode(base64, out var bytes) ? new X25519PublicKey(bytes) : null;
        return key is not null;
    }
}

/// <summary>An Ed25519 public key: an organisation, a reviewer's signing key, a witness's mailbox, the server.</summary>
public sealed class Ed25519PublicKey : PublicKey32
{
    private Ed25519PublicKey(ReadOnlySpan<byte> bytes) : base(bytes) { }

    public static Ed25519PublicKey Import(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Length ? new Ed25519PublicKey(bytes) : throw Error.KeyLength(nameof(bytes), Length);

    public static bool TryImport(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out Ed25519PublicKey? key)
    {
        key = bytes.Length == Length ? new Ed25519PublicKey(bytes) : null;
        return key is not null;
    }

    public static bool TryParseBase64(string? base64, [NotNullWhen(true)] out Ed25519PublicKey? key)
    {
        key = TryDecode(base64, out var bytes) ? new Ed25519PublicKey(bytes) : null;
        return key is not null;
    }

    /// <summary>Fingerprint for people: the first 16 bytes of BLAKE2b-256 of the key in 8 groups of 4 hex digits.</summary>
    public string Fingerprint => Fingerprints.Format(Primitives.Blake2b256(Bytes));
}

/// <summary>How hashes are shown to people for comparison (docs/spec/envelope-v1.md §4.4).</summary>
public static class Fingerprints
{
    public static string Format(ReadOnlySpan<byte> hash)
    {
        if (hash.Length < 16)
        {
            throw Error.Argument(nameof(hash), "A fingerprint needs at least 16 bytes.");
        }

        var hex = Convert.ToHexStringLower(hash[..16]);
        return string.Join(' ', Enumerable.Range(0, 8).Select(i => hex.Substring(i * 4, 4)));
    }
}
