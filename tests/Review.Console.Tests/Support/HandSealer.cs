using System.Buffers.Binary;
using System.Text;
using SafeIntake.Crypto;
using Sodium;

namespace SafeIntake.Review.Console.Tests.Support;

/// <summary>
/// Seals a single-chunk envelope from hand-made plaintext, following envelope-v1.md §2 formula by formula, so tests
/// can send what <see cref="EnvelopeSealer"/> refuses to make (a manifest that lies about its attachments).
/// </summary>
public static class HandSealer
{
    /// <summary>As <see cref="Seal"/>, but zero-padded to pad(L) and cut into 64 KiB chunks, so only the manifest is wrong.</summary>
    public static byte[] SealPadded(X25519PublicKey recipient, byte[] bundleHash, byte[] manifest)
    {
        var fileKey = SodiumCore.GetRandomBytes(32);
        var nonce = SodiumCore.GetRandomBytes(16);
        byte[] header = [.. "SafeIntk"u8, 1, 1, .. nonce, .. bundleHash, 0, 1, .. SealedPublicKeyBox.Create(fileKey, recipient.ToArray())];
        var macKey = GenericHash.Hash(Encoding.ASCII.GetBytes("SafeIntake/v1 header"), fileKey, 32);
        var headerMac = GenericHash.Hash(header, macKey, 32);
        var payloadKey = GenericHash.Hash([.. Encoding.ASCII.GetBytes("SafeIntake/v1 payload"), .. nonce], fileKey, 32);
        var plaintext = new byte[Padding.Pad(4L + manifest.Length)];
        BinaryPrimitives.WriteUInt32BigEndian(plaintext, (uint)manifest.Length);
        manifest.CopyTo(plaintext, 4);
        var output = new List<byte>([.. header, .. headerMac]);
        const int ChunkLength = 64 * 1024;
        for (var at = 0; at < plaintext.Length; at += ChunkLength)
        {
            var length = Math.Min(ChunkLength, plaintext.Length - at);
            var last = at + length == plaintext.Length;
            output.AddRange(SecretAeadXChaCha20Poly1305.Encrypt(plaintext.AsSpan(at, length).ToArray(), ChunkNonce((ulong)(at / ChunkLength), last), payloadKey, headerMac));
        }

        return [.. output];
    }

    /// <summary>counter ‖ last-chunk flag (envelope-v1.md §2.4): u64 at bytes 15..22, the flag in byte 23.</summary>
    private static byte[] ChunkNonce(ulong index, bool last)
    {
        var nonce = new byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(15, 8), index);
        nonce[23] = last ? (byte)1 : (byte)0;
        return nonce;
    }

    public static byte[] Seal(X25519PublicKey recipient, byte[] bundleHash, byte[] manifest, byte[] body)
    {
        var fileKey = SodiumCore.GetRandomBytes(32);
        var nonce = SodiumCore.GetRandomBytes(16);
        byte[] header = [.. "SafeIntk"u8, 1, 1, .. nonce, .. bundleHash, 0, 1, .. SealedPublicKeyBox.Create(fileKey, recipient.ToArray())];
        var macKey = GenericHash.Hash(Encoding.ASCII.GetBytes("SafeIntake/v1 header"), fileKey, 32);
        var headerMac = GenericHash.Hash(header, macKey, 32);
        var payloadKey = GenericHash.Hash([.. Encoding.ASCII.GetBytes("SafeIntake/v1 payload"), .. nonce], fileKey, 32);

        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, (uint)manifest.Length);
        byte[] plaintext = [.. prefix, .. manifest, .. body];
        var chunkNonce = new byte[24];
        chunkNonce[23] = 1; // chunk 0, last
        var chunk = SecretAeadXChaCha20Poly1305.Encrypt(plaintext, chunkNonce, payloadKey, headerMac);
        return [.. header, .. headerMac, .. chunk];
    }
}
