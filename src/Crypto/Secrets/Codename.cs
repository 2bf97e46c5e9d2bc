using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace SafeIntake.Crypto;

/// <summary>
/// The witness's codename: 39 random decimal digits and a Damm check digit, shown as 8 groups of 5
/// (docs/spec/envelope-v1.md §6). 129.5 bits: no stretching needed, nothing to brute-force.
/// </summary>
public static class Codename
{
    public const int DigitCount = 40;
    public const string ReplyKeyContext = "SafeIntake/v1 codename x25519";
    public const string MailboxKeyContext = "SafeIntake/v1 codename ed25519";

    // The standard order-10 weakly totally anti-symmetric quasigroup of H. M. Damm (2004).
    private static readonly byte[,] DammTable =
    {
        { 0, 3, 1, 7, 5, 9, 8, 6, 4, 2 },
        { 7, 0, 9, 2, 1, 5, 4, 8, 6, 3 },
        { 4, 2, 0, 6, 8, 7, 1, 3, 5, 9 },
        { 1, 7, 5, 0, 9, 8, 3, 4, 2, 6 },
        { 6, 1, 2, 3, 0, 4, 5, 9, 7, 8 },
        { 3, 6, 7, 4, 2, 0, 9, 5, 8, 1 },
        { 5, 8, 6, 9, 7, 2, 0, 1, 3, 4 },
        { 8, 9, 4, 5, 3, 6, 2, 0, 1, 7 },
        { 9, 4, 3, 8, 6, 1, 7, 2, 0, 5 },
        { 2, 5, 8, 1, 4, 3, 6, 7, 9, 0 },
    };

    public static string Generate()
    {
        var digits = new StringBuilder(DigitCount);
        while (digits.Length < DigitCount - 1)
        {
            foreach (var b in Primitives.Random(32))
            {
                // Rejection sampling: 250 is the largest multiple of 10 below 256, so every digit is uniform.
                if (b < 250 && digits.Length < DigitCount - 1)
                {
                    digits.Append((char)('0' + (b % 10)));
                }
            }
        }

        digits.Append((char)('0' + DammCheckDigit(digits.ToString())));
        return Format(digits.ToString());
    }

    /// <summary>The Damm check digit of a string of ASCII digits.</summary>
    public static int DammCheckDigit(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        var interim = 0;
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                throw Error.Argument(nameof(digits), "Only ASCII digits have a Damm check digit.");
            }

            interim = DammTable[interim, c - '0'];
        }

        return interim;
    }

    /// <summary>8 groups of 5 digits separated by spaces.</summary>
    public static string Format(string normalized)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        return string.Join(' ', Enumerable.Range(0, normalized.Length / 5).Select(i => normalized.Substring(i * 5, 5)));
    }

    /// <summary>
    /// Full-width digits become ASCII, spaces and hyphens go, anything else is refused; the result must be
    /// 40 digits with a valid check digit (§6.2). Null means "mistyped", which the page says as such.
    /// </summary>
    public static string? Normalize(string? text)
    {
        if (text is null || text.Length > 200)
        {
            return null;
        }

        var digits = new StringBuilder(DigitCount);
        foreach (var c in text)
        {
            if (c is >= '0' and <= '9')
            {
                digits.Append(c);
            }
            else if (c is >= '\uFF10' and <= '\uFF19')
            {
                digits.Append((char)('0' + (c - '\uFF10')));
            }
            else if (c is not (' ' or '\u3000' or '\t' or '\n' or '\r' or '-' or (>= '\u2010' and <= '\u2015') or '\uFF0D'))
            {
                return null;
            }
        }

        var result = digits.ToString();
        return result.Length == DigitCount && DammCheckDigit(result) == 0 ? result : null;
    }

    public static bool TryDeriveKeys(string? text, [NotNullWhen(true)] out CodenameKeys? keys)
    {
        keys = null;
        if (Normalize(text) is not { } normalized)
        {
            return false;
        }

        var material = Encoding.ASCII.GetBytes(normalized);
        var replySecret = Primitives.Blake2b256(Encoding.ASCII.GetBytes(ReplyKeyContext), material);
        var mailboxSeed = Primitives.Blake2b256(Encoding.ASCII.GetBytes(MailboxKeyContext), material);
        try
        {
            keys = new CodenameKeys(X25519SecretKey.Import(replySecret), Ed25519SecretKey.Import(mailboxSeed));
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
            CryptographicOperations.ZeroMemory(replySecret);
            CryptographicOperations.ZeroMemory(mailboxSeed);
        }
    }
}

/// <summary>The keys a codename derives: replies are sealed to <see cref="ReplyKey"/>; <see cref="MailboxKey"/> proves the mailbox.</summary>
public sealed class CodenameKeys(X25519SecretKey replyKey, Ed25519SecretKey mailboxKey) : IDisposable
{
    public X25519SecretKey ReplyKey { get; } = replyKey;

    public Ed25519SecretKey MailboxKey { get; } = mailboxKey;

    public string MailboxId => Signatures.MailboxId(MailboxKey.PublicKey);

    public byte[] SignReplyKeys(ReadOnlySpan<byte> envelopeNonce) => MailboxKey.Sign(Signatures.ReplyKeysMessage(ReplyKey.PublicKey, envelopeNonce));

    public byte[] SignFollowUp(ReadOnlySpan<byte> envelopeHash) => MailboxKey.Sign(Signatures.FollowUpMessage(MailboxKey.PublicKey, envelopeHash));

    public byte[] SignChallenge(ReadOnlySpan<byte> challenge) => MailboxKey.Sign(Signatures.ChallengeMessage(challenge));

    public void Dispose()
    {
        ReplyKey.Dispose();
        MailboxKey.Dispose();
    }
}
