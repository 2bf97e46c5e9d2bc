using SafeIntake.Review.Console.Vault;

namespace SafeIntake.Review.Console.Tests.Vault;

public sealed class TokenizerTests
{
    [Fact]
    public void Tokens_LatinWords_AreLowerCasedAndSingleLettersDropped() =>
        Assert.Equal(["police", "at", "gate", "42"], Tokenizer.Tokens(["Police at a GATE, 42!"]).ToArray());

    [Fact]
    public void Tokens_Cjk_AreCharactersAndAdjacentPairs() =>
        Assert.Equal(["警", "察", "警察", "打", "察打"], Tokenizer.Tokens(["警察打"]).ToArray());

    [Fact]
    public void Tokens_MixedScripts_SplitAtTheBoundary() =>
        Assert.Equal(["mtr", "站"], Tokenizer.Tokens(["MTR站"]).ToArray());

    [Fact]
    public void Tokens_FullWidthLatin_NormalisesToAscii() =>
        Assert.Equal(["abc"], Tokenizer.Tokens(["ＡＢＣ"]).ToArray());

    [Fact]
    public void Tokens_LoneSurrogate_DoesNotThrow() =>
        Assert.Equal(["ab", "cd"], Tokenizer.Tokens(["ab\udc00cd"]).ToArray());
}
