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
