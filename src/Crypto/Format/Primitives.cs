using System.Security.Cryptography;
using Sodium;

namespace SafeIntake.Crypto;

/// <summary>Thin wrappers over the libsodium primitives the spec names (docs/spec/envelope-v1.md §1).</summary>
internal static class Primitives
{
    public const int HashLength = 32;
    public const int AeadKeyLength = 32;
    public const int AeadNonceLength = 24;
    public const int AeadTagLength = 16;
    public const int SealOverhead = 48;
    public const int SignatureLength = 64;

    /// <summary>BLAKE2b-256 (RFC 7693) of <paramref name="message"/>, keyed when <paramref name="key"/> is given.</summary>
    public static byte[] Blake2b256(ReadOnlySpan<byte> message, byte[]? key = null) =>
        GenericHash.Hash(message.ToArray(), key, HashLength);

    public static byte[] Concat(params ReadOnlySpan<byte[]> parts)
    {
        var length = 0;
        foreach (var part in parts)
        {
            length += part.Length;
        }

        var result = new byte[length];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }

    public static byte[] Random(int length) => SodiumCore.GetRandomBytes(length);

    /// <summary>Context string bytes followed by a 0x00 separator, the prefix of every signature input (§7).</summary>
    public static byte[] SignaturePrefix(string context) => Concat(System.Text.Encoding.ASCII.GetBytes(context), [0x00]);

    public static bool VerifyDetached(ReadOnlySpan<byte> signature, byte[] message, Ed25519PublicKey key)
    {
        if (signature.Length != SignatureLength)
        {
            return false;
        }

        try
        {
            return PublicKeyAuth.VerifyDetached(signature.ToArray(), message, key.ToArray());
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
