using System.Text;
using SafeIntake.Crypto;
using Sodium;

namespace SafeIntake.Review.Console.Transfer;

/// <summary>
/// The two signatures of docs/spec/export-bundle-v1.md: the server's over an export manifest and the reviewer's over
/// an outbox body. SafeIntake.Crypto has no helper for these contexts yet, so the console builds the message here
/// (context ‖ 0x00 ‖ bytes, as every signature in envelope-v1.md §7) and calls libsodium directly.
/// </summary>
public static class TransferSignatures
{
    public const string ExportContext = "SafeIntake/v1 export";
    public const string OutboxContext = "SafeIntake/v1 outbox";
    public const int SignatureLength = 64;

    public static byte[] Message(string context, ReadOnlySpan<byte> content) => [.. Encoding.ASCII.GetBytes(context), 0x00, .. content];

    public static bool Verify(string context, ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature, Ed25519PublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (signature.Length != SignatureLength)
        {
            return false;
        }

        try
        {
            return PublicKeyAuth.VerifyDetached(signature.ToArray(), Message(context, content), key.ToArray());
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    public static byte[] Sign(string context, ReadOnlySpan<byte> content, Ed25519SecretKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Sign(Message(context, content));
    }
}
