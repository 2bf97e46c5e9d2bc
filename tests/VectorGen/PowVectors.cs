using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SafeIntake.VectorGen;

/// <summary>
/// Proof-of-work vectors (docs/spec/intake-api.md, "Proof of work", scheme pbkdf2-sha256), computed here from the
/// spec's formula with .NET's PBKDF2, not with the server's code, so the server's and the page's verifiers are
/// both checked against a third computation.
/// </summary>
internal static class PowVectors
{
    public static void WriteAll(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        const string Token = "CfDJ8Nx-vector_token";
        Write(folder, "one-iteration", "a single iteration, nonce 0", Token, 0, 1, "0");
        Write(folder, "utf8-token", "the token is hashed as UTF-8", "tök€n/✓", 0, 3, "7");
        Write(folder, "nonce-above-2-32", "the nonce is a big-endian u64, here above 2^32", Token, 0, 2, (1UL << 40 | 5).ToString(CultureInfo.InvariantCulture));
        var found = Smallest(Token, 8, 4000);
        Write(folder, "default-solved", "the default work (8 bits, 4000 iterations): the smallest nonce that meets it", Token, 8, 4000, found.ToString(CultureInfo.InvariantCulture));
        var missed = Enumerable.Range(0, 1000).Select(n => (ulong)n).First(n => ZeroBits(Trial(Token, n, 4000)) < 8);
        Write(folder, "default-not-met", "a nonce whose trial has fewer than 8 leading zero bits", Token, 8, 4000, missed.ToString(CultureInfo.InvariantCulture));
        Write(folder, "leading-zero", "a nonce with a leading zero is not canonical decimal", Token, 0, 1, "07");
        Write(folder, "nonce-too-large", "a nonce of 2^53 or more is refused", Token, 0, 1, (1UL << 53).ToString(CultureInfo.InvariantCulture));
        Write(folder, "nonce-not-a-number", "a nonce must be decimal digits only", Token, 0, 1, "+1");
    }

    private static void Write(string folder, string name, string description, string token, int difficulty, int iterations, string nonce)
    {
        var canonical = nonce.Length is > 0 and <= 16 && nonce.All(char.IsAsciiDigit) && (nonce == "0" || nonce[0] != '0') &&
            ulong.Parse(nonce, CultureInfo.InvariantCulture) < (1UL << 53);
        var headers = new List<(string, string)> { ("description", description) };
        if (!canonical)
        {
            headers.AddRange([("expect", "PowFailure"), ("scheme", "pbkdf2-sha256"), ("token", token), ("difficulty", Str(difficulty)), ("iterations", Str(iterations)), ("nonce", nonce)]);
        }
        else
        {
            var trial = Trial(token, ulong.Parse(nonce, CultureInfo.InvariantCulture), iterations);
            var bits = ZeroBits(trial);
            headers.AddRange([("expect", bits >= difficulty ? "success" : "PowFailure"), ("scheme", "pbkdf2-sha256"), ("token", token),
                ("difficulty", Str(difficulty)), ("iterations", Str(iterations)), ("nonce", nonce), ("trial", Program.Hex(trial)), ("leading-zero-bits", Str(bits))]);
        }

        Program.WriteVector(folder, name, headers, "");
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static ulong Smallest(string token, int difficulty, int iterations)
    {
        for (ulong n = 0; ; n++)
        {
            if (ZeroBits(Trial(token, n, iterations)) >= difficulty)
            {
                return n;
            }
        }
    }

    // PBKDF2-HMAC-SHA-256(P = "SafeIntake/v2 pow" ‖ 0x00 ‖ UTF-8(token), S = u64be(nonce), iterations, 32).
    private static byte[] Trial(string token, ulong nonce, int iterations)
    {
        var password = Encoding.UTF8.GetBytes("SafeIntake/v2 pow\0" + token);
        var salt = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(salt, nonce);
        return Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);
    }

    private static int ZeroBits(byte[] hash)
    {
        var bits = 0;
        foreach (var b in hash)
        {
            for (var mask = 0x80; mask != 0; mask >>= 1)
            {
                if ((b & mask) != 0)
                {
                    return bits;
                }

                bits++;
            }
        }

        return bits;
    }
}
