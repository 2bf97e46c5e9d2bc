using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Sodium;

namespace SafeIntake.Intake.Web.Security;

public enum PowOutcome
{
    Accepted,
    Invalid,
    OverBudget,
}

/// <summary>
/// Hashcash-style proof of work for anonymous submissions (docs/spec/intake-api.md): an expiring token protected
/// with DataProtection, solved in the browser, accepted once. It costs a spammer CPU without tracking anyone. Issuing
/// keeps no state and spends no budget: the token carries its own id and expiry, authenticated.
/// </summary>
public sealed class ProofOfWork(IDataProtectionProvider protection, IMemoryCache replayCache, IOptions<IntakeOptions> options, TimeProvider time)
{
    public const string Context = "SafeIntake/v1 pow";
    private readonly IDataProtector _protector = protection.CreateProtector("SafeIntake.Pow.v1", ProcessInstance.Id);

    public sealed record Challenge(string Token, int Difficulty, DateOnly Expires);

    private sealed record Payload(string Id, long Expires, int Difficulty);

    public Challenge Issue()
    {
        var expires = time.GetUtcNow().AddMinutes(options.Value.PowLifetimeMinutes);
        var payload = new Payload(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), expires.ToUnixTimeSeconds(), options.Value.PowDifficulty);
        var token = WebEncoders(_protector.Protect(JsonSerializer.SerializeToUtf8Bytes(payload)));
        return new Challenge(token, payload.Difficulty, DateOnly.FromDateTime(expires.UtcDateTime));
    }

    /// <summary>
    /// Accepts a valid, unexpired token whose nonce meets its difficulty, once: <paramref name="charge"/> is asked for
    /// a token of the shared budget only after the work verifies, and a refused charge leaves the solution unused so
    /// the witness can send it again after <c>Retry-After</c>.
    /// </summary>
    public PowOutcome Redeem(string? token, string? nonce, Func<bool> charge)
    {
        ArgumentNullException.ThrowIfNull(charge);
        if (token is null || token.Length > 1024 || !ulong.TryParse(nonce, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            return PowOutcome.Invalid;
        }

        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(_protector.Unprotect(FromWebEncoding(token)));
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            return PowOutcome.Invalid;
        }

        var now = time.GetUtcNow();
        if (payload is null || payload.Expires <= now.ToUnixTimeSeconds() || !Meets(token, n, payload.Difficulty))
        {
            return PowOutcome.Invalid;
        }

        // Replay: the cache holds a used id until the token would have expired anyway. Only charged (budgeted)
        // solutions are recorded, so it holds at most a budget's worth per token lifetime, whatever a flood sends.
        var key = "pow:" + payload.Id;
        lock (replayCache)
        {
            if (replayCache.TryGetValue(key, out _))
            {
                return PowOutcome.Invalid;
            }

            if (!charge())
            {
                return PowOutcome.OverBudget;
            }

            replayCache.Set(key, true, DateTimeOffset.FromUnixTimeSeconds(payload.Expires));
        }

        return PowOutcome.Accepted;
    }

    /// <summary>BLAKE2b-256(context ‖ 0x00 ‖ token ‖ u64(nonce)) has at least <paramref name="difficulty"/> leading zero bits.</summary>
    public static bool Meets(string token, ulong nonce, int difficulty)
    {
        ArgumentNullException.ThrowIfNull(token);
        var tokenBytes = Encoding.UTF8.GetBytes(token);
        var message = new byte[Context.Length + 1 + tokenBytes.Length + 8];
        Encoding.ASCII.GetBytes(Context, message);
        tokenBytes.CopyTo(message, Context.Length + 1);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(message.Length - 8), nonce);
        var hash = GenericHash.Hash(message, (byte[]?)null, 32);
        return LeadingZeroBits(hash) >= difficulty;
    }

    public static int LeadingZeroBits(ReadOnlySpan<byte> hash)
    {
        var bits = 0;
        foreach (var b in hash)
        {
            if (b == 0)
            {
                bits += 8;
                continue;
            }

            return bits + System.Numerics.BitOperations.LeadingZeroCount((uint)b) - 24;
        }

        return bits;
    }

    private static string WebEncoders(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromWebEncoding(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }
}
