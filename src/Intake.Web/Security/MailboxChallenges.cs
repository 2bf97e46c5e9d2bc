using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Memory;
using SafeIntake.Crypto;

namespace SafeIntake.Intake.Web.Security;

/// <summary>
/// Mailbox proofs (envelope-v1.md §7.3): a fresh challenge bound to one mailbox key, valid five minutes, accepted
/// once, signed by the key the codename derives. The server keeps no session: the state travels in the token.
/// </summary>
public sealed class MailboxChallenges(IDataProtectionProvider protection, IMemoryCache replayCache, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly IDataProtector _protector = protection.CreateProtector("SafeIntake.Mailbox.v1", ProcessInstance.Id);

    private sealed record Payload(string Mailbox, string Challenge, long Expires);

    public (string Challenge, string Token) Issue(Ed25519PublicKey mailbox)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var challenge = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var payload = new Payload(mailbox.ToBase64(), challenge, time.GetUtcNow().Add(Lifetime).ToUnixTimeSeconds());
        return (challenge, Convert.ToBase64String(_protector.Protect(JsonSerializer.SerializeToUtf8Bytes(payload))));
    }

    public bool TryRedeem(Ed25519PublicKey mailbox, string? token, string? signatureBase64)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        Payload? payload;
        byte[] signature;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(_protector.Unprotect(Convert.FromBase64String(token ?? "")));
            if (!StrictBase64.TryDecode(signatureBase64, out signature))
            {
                return false;
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            return false;
        }

        if (payload is null || payload.Expires <= time.GetUtcNow().ToUnixTimeSeconds() || payload.Mailbox != mailbox.ToBase64()
            || !Signatures.VerifyChallenge(mailbox, Convert.FromBase64String(payload.Challenge), signature))
        {
            return false;
        }

        lock (replayCache)
        {
            var key = "mailbox:" + payload.Challenge;
            if (replayCache.TryGetValue(key, out _))
            {
                return false;
            }

            replayCache.Set(key, true, DateTimeOffset.FromUnixTimeSeconds(payload.Expires));
        }

        return true;
    }
}
