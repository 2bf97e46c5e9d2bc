using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sodium;

namespace SafeIntake.Review.Console.Vault;

/// <summary>
/// Keyed BLAKE2b-256 of normalised search tokens (docs/spec/vault-v1.md §4): the vault can find reports by word
/// without holding the words; without index_key the hashes cannot be tested against a dictionary.
/// </summary>
public sealed class BlindIndex : IDisposable
{
    private readonly byte[] _key;
    private bool _disposed;

    public BlindIndex(byte[] key) => _key = key ?? throw new ArgumentNullException(nameof(key));

    public byte[] Hash(string token)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var bytes = Encoding.UTF8.GetBytes(token);
        try
        {
            return GenericHash.Hash(bytes, _key, 32);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    public IReadOnlyList<byte[]> HashAll(IEnumerable<string?> texts) =>
        Tokenizer.Tokens(texts).Select(Hash).ToList();

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        _disposed = true;
    }
}

/// <summary>
/// Splits text into search tokens: NFKC, lower-cased (invariant culture); runs of letters and digits outside CJK
/// scripts are words (2 characters or more); every CJK character is a token and so is every pair of adjacent CJK
/// characters, so a search for a two-character word such as 警察 matches without a dictionary.
/// </summary>
public static class Tokenizer
{
    public const int MinimumWordLength = 2;
    public const int MaximumWordLength = 64;

    public static IReadOnlySet<string> Tokens(IEnumerable<string?> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            if (!string.IsNullOrEmpty(text))
            {
                AddTokens(text, tokens);
            }
        }

        return tokens;
    }

    public static bool IsCjk(Rune rune) => rune.Value switch
    {
        >= 0x3040 and <= 0x30FF => true,   // Hiragana, Katakana
        >= 0x3400 and <= 0x4DBF => true,   // CJK Extension A
        >= 0x4E00 and <= 0x9FFF => true,   // CJK Unified Ideographs
        >= 0xAC00 and <= 0xD7AF => true,   // Hangul syllables
        >= 0xF900 and <= 0xFAFF => true,   // CJK Compatibility Ideographs
        >= 0x20000 and <= 0x323AF => true, // CJK Extensions B–H
        _ => false,
    };

    private static void AddTokens(string text, HashSet<string> tokens)
    {
        string normalised;
        try
        {
            normalised = text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            // Ill-formed UTF-16 (a lone surrogate) cannot be normalised; index what can be.
            normalised = text.ToLowerInvariant();
        }

        var word = new StringBuilder();
        Rune? previousCjk = null;
        foreach (var rune in normalised.EnumerateRunes())
        {
            if (IsCjk(rune))
            {
                FlushWord(word, tokens);
                var single = rune.ToString();
                tokens.Add(single);
                if (previousCjk is { } previous)
                {
                    tokens.Add(previous.ToString() + single);
                }

                previousCjk = rune;
            }
            else if (Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                previousCjk = null;
                word.Append(rune.ToString());
            }
            else
            {
                previousCjk = null;
                FlushWord(word, tokens);
            }
        }

        FlushWord(word, tokens);
    }

    private static void FlushWord(StringBuilder word, HashSet<string> tokens)
    {
        var length = word.Length == 0 ? 0 : word.ToString().EnumerateRunes().Count();
        if (length is >= MinimumWordLength and <= MaximumWordLength)
        {
            tokens.Add(word.ToString());
        }

        word.Clear();
    }
}
