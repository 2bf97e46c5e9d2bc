using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

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
/// keeps no state and spends no budget: the token carries its own id, expiry and work, authenticated.
/// Each trial is one PBKDF2-HMAC-SHA-256 call with many iterations, so a browser does it in native code
/// (WebCrypto) even without WebAssembly or a JIT (Tor Browser "Safer"), and a native attacker gains little (issue 12).
/// </summary>
public sealed class ProofOfWork(IDataProtectionProvider protection, IMemoryCache replayCache, IOptions<IntakeOptions> options, TimeProvider time)
{
    public const string Context = "SafeIntake/v2 pow";
    public const string Scheme = "pbkdf2-sha256";
    private readonly IDataProtector _protector = protection.CreateProtector("SafeIntake.Pow.v2", ProcessInstance.Id);

    public sealed record Challenge(string Token, int Difficulty, int Iterations, DateOnly Expires);

    private sealed record Payload(string Id, long Expires, int Difficulty, int Iterations);

    public Challenge Issue()
    {
        var expires = time.GetUtcNow().AddMinutes(options.Value.PowLifetimeMinutes);
        var payload = new Payload(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), expires.ToUnixTimeSeconds(),
            Math.Clamp(options.Value.PowDifficulty, 0, 64), Math.Clamp(options.Value.PowIterations, 1, MaxIterations));
        var token = WebEncoders(_protector.Protect(JsonSerializer.SerializeToUtf8Bytes(payload)));
        return new Challenge(token, payload.Difficulty, payload.Iterations, DateOnly.FromDateTime(expires.UtcDateTime));
    }

    /// <summary>
    /// Accepts a valid, unexpired token whose nonce meets its difficulty, once: <paramref name="charge"/> is asked for
    /// a token of the shared budget only after the work verifies, and a refused charge leaves the solution unused so
    /// the witness can send it again after <c>Retry-After</c>.
    /// </summary>
    public PowOutcome Redeem(string? token, string? nonce, Func<bool> charge)
    {
        ArgumentNullException.ThrowIfNull(charge);
        if (token is null || token.Length > 1024 || !TryParseNonce(nonce, out var n))
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
        var key = payload is null ? null : "pow:" + payload.Id;
        // A used token is refused before the trial is computed, so replaying one costs the server no PBKDF2.
        if (payload is null || key is null || payload.Expires <= now.ToUnixTimeSeconds() || payload.Iterations is < 1 or > MaxIterations ||
            replayCache.TryGetValue(key, out _) || !Meets(token, n, payload.Difficulty, payload.Iterations))
        {
            return PowOutcome.Invalid;
        }

        // Replay: the cache holds a used id until the token would have expired anyway. Only charged (budgeted)
        // solutions are recorded, so it holds at most a budget's worth per token lifetime, whatever a flood sends.
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

    /// <summary>A nonce is canonical decimal (no sign, no leading zero) below 2^53, as the page's JavaScript Numbers are.</summary>
    public static bool TryParseNonce(string? text, out ulong nonce)
    {
        nonce = 0;
        return text is { Length: > 0 and <= 16 } && (text == "0" || text[0] != '0') && text.All(char.IsAsciiDigit) &&
            ulong.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out nonce) &&
            nonce < MaxNonce;
    }

    /// <summary>2^53: nonces stay below it.</summary>
    public const ulong MaxNonce = 1UL << 53;

    /// <summary>Largest iteration count a token may carry (and the page accepts): one trial stays well under a second.</summary>
    public const int MaxIterations = 1_000_000;

    /// <summary>The trial for <paramref name="nonce"/> has at least <paramref name="difficulty"/> leading zero bits.</summary>
    public static bool Meets(string token, ulong nonce, int difficulty, int iterations) =>
        LeadingZeroBits(Trial(token, nonce, iterations)) >= difficulty;

    /// <summary>
    /// One trial: PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2) with password "SafeIntake/v2 pow" ‖ 0x00 ‖ UTF-8(token),
    /// salt u64be(nonce), <paramref name="iterations"/> iterations, 32 bytes out.
    /// </summary>
    public static byte[] Trial(string token, ulong nonce, int iterations)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        var tokenBytes = Encoding.UTF8.GetBytes(token);
        var password = new byte[Context.Length + 1 + tokenBytes.Length];
        Encoding.ASCII.GetBytes(Context, password);
        tokenBytes.CopyTo(password, Context.Length + 1);
        Span<byte> salt = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(salt, nonce);
        return Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);
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
