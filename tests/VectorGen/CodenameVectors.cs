using SafeIntake.Crypto;

namespace SafeIntake.VectorGen;

/// <summary>Codename vectors (docs/spec/envelope-v1.md §6): normalisation, the check digit, derived keys.</summary>
internal static class CodenameVectors
{
    public static void WriteAll(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        // A fixed codename: 39 digits from a test key, then its Damm check digit.
        var body = string.Concat(Program.TestKey("codename").Concat(Program.TestKey("codename 2")).Where(b => b < 250).Take(39).Select(b => (char)('0' + (b % 10))));
        var digits = body + (char)('0' + Codename.DammCheckDigit(body));
        var grouped = Codename.Format(digits);
        var fullWidth = string.Concat(grouped.Select(c => c is >= '0' and <= '9' ? (char)(c - '0' + '\uFF10') : '\u3000'));

        Success(folder, "grouped", "eight groups of five, spaces", grouped, digits);
        Success(folder, "plain", "forty digits, no separators", digits, digits);
        Success(folder, "full-width", "full-width digits and ideographic spaces", fullWidth, digits);
        Success(folder, "hyphens", "groups joined by hyphens and an en dash", grouped.Replace(' ', '-').Insert(5, "\u2013")[..^0].Remove(6, 1), digits);

        var wrongDigit = digits[..10] + (char)('0' + ((digits[10] - '0' + 1) % 10)) + digits[11..];
        var swapIndex = Enumerable.Range(0, 39).First(i => digits[i] != digits[i + 1]);
        var swapped = digits[..swapIndex] + digits[swapIndex + 1] + digits[swapIndex] + digits[(swapIndex + 2)..];
        Failure(folder, "one-digit-wrong", "the eleventh digit changed", wrongDigit);
        Failure(folder, "adjacent-swap", "two adjacent digits swapped", swapped);
        Failure(folder, "too-short", "39 digits", digits[..39]);
        Failure(folder, "too-long", "41 digits", digits + "0");
        Failure(folder, "letter", "a letter O for a zero", "O" + digits[1..]);
        Failure(folder, "empty", "nothing typed", "");
    }

    private static void Success(string folder, string name, string description, string text, string expectedDigits)
    {
        if (Codename.Normalize(text) != expectedDigits || !Codename.TryDeriveKeys(text, out var keys))
        {
            throw new InvalidOperationException($"codename {name}: did not normalise");
        }

        using (keys)
        {
            Program.WriteVector(folder, name,
            [
                ("description", description), ("expect", "success"), ("codename", text), ("normalized", expectedDigits),
                ("reply-public-key", keys.ReplyKey.PublicKey.ToHex()), ("mailbox-public-key", keys.MailboxKey.PublicKey.ToHex()), ("mailbox-id", keys.MailboxId),
            ], "");
        }
    }

    private static void Failure(string folder, string name, string description, string text)
    {
        if (Codename.Normalize(text) is not null)
        {
            throw new InvalidOperationException($"codename {name}: unexpectedly valid");
        }

        Program.WriteVector(folder, name, [("description", description), ("expect", "CodenameFailure"), ("codename", text)], "");
    }
}
