using CsCheck;

namespace SafeIntake.Crypto.Tests;

public sealed class CodenameTests
{
    [Fact]
    public void Generate_IsEightGroupsOfFive_AndValid()
    {
        var codename = Codename.Generate();

        Assert.Matches("^([0-9]{5} ){7}[0-9]{5}$", codename);
        Assert.NotNull(Codename.Normalize(codename));
        Assert.NotEqual(codename, Codename.Generate());
    }

    [Fact]
    public void Normalize_AnySingleDigitError_IsDetected()
    {
        var digits = Codename.Normalize(Codename.Generate())!;
        Gen.Int[0, 39].Select(Gen.Int[1, 9]).Sample((position, delta) =>
        {
            var wrong = digits[..position] + (char)('0' + ((digits[position] - '0' + delta) % 10)) + digits[(position + 1)..];
            return Codename.Normalize(wrong) is null;
        });
    }

    [Fact]
    public void Normalize_AnyAdjacentSwap_IsDetected()
    {
        for (var trial = 0; trial < 20; trial++)
        {
            var digits = Codename.Normalize(Codename.Generate())!;
            for (var i = 0; i < 39; i++)
            {
                if (digits[i] != digits[i + 1])
                {
                    var swapped = digits[..i] + digits[i + 1] + digits[i] + digits[(i + 2)..];
                    Assert.Null(Codename.Normalize(swapped));
                }
            }
        }
    }

    [Fact]
    public void Generate_DigitsAreRoughlyUniform()
    {
        var counts = new int[10];
        for (var i = 0; i < 500; i++)
        {
            foreach (var c in Codename.Normalize(Codename.Generate())![..39])
            {
                counts[c - '0']++;
            }
        }

        // 19,500 digits: each count is 1950 ± 3σ (σ ≈ 42); a modulo bias of 256 mod 10 would show as +10 % on 0–5.
        Assert.All(counts, c => Assert.InRange(c, 1800, 2100));
    }

    [Fact]
    public void DeriveKeys_SameCodenameInAnyForm_SameKeys()
    {
        var codename = Codename.Generate();
        Assert.True(Codename.TryDeriveKeys(codename, out var a));
        Assert.True(Codename.TryDeriveKeys(codename.Replace(" ", "", StringComparison.Ordinal), out var b));
        using (a)
        using (b)
        {
            Assert.Equal(a.MailboxKey.PublicKey, b.MailboxKey.PublicKey);
            Assert.Equal(a.ReplyKey.PublicKey, b.ReplyKey.PublicKey);
            Assert.Matches("^[0-9a-f]{32}$", a.MailboxId);
        }
    }
}
