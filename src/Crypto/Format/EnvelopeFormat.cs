using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Sodium;

namespace SafeIntake.Crypto;

/// <summary>The constants and key schedule of envelope v1 (docs/spec/envelope-v1.md §2).</summary>
internal static class EnvelopeFormat
{
    public static ReadOnlySpan<byte> Magic => "SafeIntk"u8;
    public const byte Version = 1;
    public const byte Suite = 1;
    public const int NonceLength = 16;
    public const int BundleHashLength = 32;
    public const int FixedHeaderLength = 8 + 1 + 1 + NonceLength + BundleHashLength + 2; // 60
    public const int StanzaLength = 32 + Primitives.SealOverhead;                      // 80
    public const int MacLength = 32;
    public const int MinRecipients = 1;
    public const int MaxRecipients = 64;
    public const int FileKeyLength = 32;
    public const int ChunkLength = 64 * 1024;
    public const int SealedChunkLength = ChunkLength + Primitives.AeadTagLength;

    public const string HeaderContext = "SafeIntake/v1 header";
    public const string PayloadContext = "SafeIntake/v1 payload";

    public static int HeaderLength(int recipientCount) => FixedHeaderLength + (StanzaLength * recipientCount) + MacLength;

    public static byte[] DeriveMacKey(byte[] fileKey) => Primitives.Blake2b256(Encoding.ASCII.GetBytes(HeaderContext), fileKey);

    public static byte[] DerivePayloadKey(byte[] fileKey, ReadOnlySpan<byte> nonce) =>
        Primitives.Blake2b256(Primitives.Concat(Encoding.ASCII.GetBytes(PayloadContext), nonce.ToArray()), fileKey);

    /// <summary>header_mac = BLAKE2b-256(key = K_mac, msg = header without the MAC) (§2.2).</summary>
    public static byte[] ComputeHeaderMac(byte[] fileKey, ReadOnlySpan<byte> headerWithoutMac)
    {
        var macKey = DeriveMacKey(fileKey);
        try
        {
            return Primitives.Blake2b256(headerWithoutMac, macKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    /// <summary>15 zero bytes ‖ u64(index) ‖ last-chunk flag: position and finality are authenticated (STREAM).</summary>
    public static byte[] ChunkNonce(ulong index, bool isFinal)
    {
        var nonce = new byte[Primitives.AeadNonceLength];
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(15, 8), index);
        nonce[23] = isFinal ? (byte)1 : (byte)0;
        return nonce;
    }

    public static byte[] SealChunk(byte[] payloadKey, byte[] headerMac, ulong index, bool isFinal, ReadOnlySpan<byte> plaintext) =>
        SecretAeadXChaCha20Poly1305.Encrypt(plaintext.ToArray(), ChunkNonce(index, isFinal), payloadKey, headerMac);

    /// <summary>Writes the header fields before the stanzas (60 bytes).</summary>
    public static byte[] FixedHeader(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> bundleHash, int count, byte version = Version, byte suite = Suite)
    {
        var fixedHeader = new byte[FixedHeaderLength];
        Magic.CopyTo(fixedHeader);
        fixedHeader[8] = version;
        fixedHeader[9] = suite;
        nonce.CopyTo(fixedHeader.AsSpan(10, NonceLength));
        bundleHash.CopyTo(fixedHeader.AsSpan(26, BundleHashLength));
        BinaryPrimitives.WriteUInt16BigEndian(fixedHeader.AsSpan(58, 2), checked((ushort)count));
        return fixedHeader;
    }
}
