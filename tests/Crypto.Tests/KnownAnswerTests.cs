using Sodium;

namespace SafeIntake.Crypto.Tests;

/// <summary>Known answers for the primitives envelope v1 relies on, from their RFCs.</summary>
public sealed class KnownAnswerTests
{
    [Fact]
    public void Blake2b512_Abc_MatchesRfc7693AppendixA()
    {
        var hash = GenericHash.Hash("abc"u8.ToArray(), (byte[]?)null, 64);

        Assert.Equal("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923", Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void X25519_AlicePublicKey_MatchesRfc7748Section6_1()
    {
        using var alice = X25519SecretKey.Import(Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));

        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", alice.PublicKey.ToHex());
    }

    [Fact]
    public void Ed25519_Test1_MatchesRfc8032Section7_1()
    {
        using var key = Ed25519SecretKey.Import(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));

        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", key.PublicKey.ToHex());
        Assert.Equal("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            Convert.ToHexStringLower(key.Sign([])));
    }

    [Fact]
    public void XChaCha20Poly1305_MatchesDraftIrtfCfrgXChaChaA3_1()
    {
        var key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        var nonce = Convert.FromHexString("404142434445464748494a4b4c4d4e4f5051525354555657");
        var ad = Convert.FromHexString("50515253c0c1c2c3c4c5c6c7");
        var plaintext = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."u8.ToArray();

        var sealedBytes = SecretAeadXChaCha20Poly1305.Encrypt(plaintext, nonce, key, ad);

        Assert.Equal("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e" +
            "c0875924c1c7987947deafd8780acf49", Convert.ToHexStringLower(sealedBytes));
    }

    [Fact]
    public void Damm_CheckDigitOf572_Is4()
    {
        Assert.Equal(4, Codename.DammCheckDigit("572"));
        Assert.Equal(0, Codename.DammCheckDigit("5724"));
    }
}
