namespace SafeIntake.Crypto.Tests;

public sealed class BundleTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1780000000);

    internal static (OrganisationSigningKey Org, SignedReviewerBundle Bundle) MakeBundle(long epoch = 1, params ReviewerIdentity[] reviewers)
    {
        var org = OrganisationSigningKey.Generate();
        reviewers = reviewers.Length > 0 ? reviewers : [ReviewerIdentity.Generate()];
        var bundle = new ReviewerBundle
        {
            Organisation = "Test Org",
            OrganisationKey = org.PublicKey,
            Epoch = epoch,
            Issued = Now.AddDays(-1),
            Expires = Now.AddDays(30),
            Reviewers = reviewers.Select((r, i) => r.ToBundleEntry($"r{i}", $"Reviewer {i}")).ToList(),
        };
        return (org, org.SignBundle(bundle));
    }

    [Fact]
    public void Verify_SignedBundle_IsValid_AndHashIsStable()
    {
        var (org, signed) = MakeBundle();

        var result = SignedReviewerBundle.Verify(signed.ToFileText(), org.PublicKey, Now);

        Assert.True(result.IsValid);
        Assert.Equal(signed.Hash.ToArray(), result.Bundle.Hash.ToArray());
        Assert.Equal(signed.Bundle.Encode(), result.Bundle.Body.ToArray());
        Assert.Matches("^([0-9a-f]{4} ){7}[0-9a-f]{4}$", result.Bundle.Fingerprint);
    }

    [Fact]
    public void Verify_SameEpochDifferentBundle_IsRollback()
    {
        var (org, signed) = MakeBundle(epoch: 5);

        var result = SignedReviewerBundle.Verify(signed.ToFileText(), org.PublicKey, Now, highestSeenEpoch: 5, hashAtSeenEpoch: new byte[32]);

        Assert.Equal(BundleFailureReason.RolledBack, result.Failure);
        Assert.True(SignedReviewerBundle.Verify(signed.ToFileText(), org.PublicKey, Now, 5, signed.Hash).IsValid);
    }

    [Fact]
    public void Verify_OversizeFile_IsMalformedWithoutParsing()
    {
        var (org, _) = MakeBundle();

        var result = SignedReviewerBundle.Verify(new string('{', SignedReviewerBundle.MaxFileLength + 1), org.PublicKey, Now);

        Assert.Equal(BundleFailureReason.Malformed, result.Failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"format\":1}")]
    [InlineData("{\"format\":\"safeintake-signed-bundle/1\",\"body\":\"\",\"signature\":\"\"}")]
    public void Verify_MalformedJson_IsMalformed(string text)
    {
        var (org, _) = MakeBundle();

        Assert.Equal(BundleFailureReason.Malformed, SignedReviewerBundle.Verify(text, org.PublicKey, Now).Failure);
    }

    [Fact]
    public void SignBundle_ForAnotherOrganisation_ThrowsNamingTheParameter()
    {
        var (_, signed) = MakeBundle();
        using var other = OrganisationSigningKey.Generate();

        var error = Assert.Throws<ArgumentException>(() => other.SignBundle(signed.Bundle));
        Assert.Equal("bundle", error.ParamName);
    }

    [Fact]
    public void Encode_ReviewerNamesWithQuotesAndChinese_RoundTrip()
    {
        using var reviewer = ReviewerIdentity.Generate();
        var org = OrganisationSigningKey.Generate();
        var bundle = new ReviewerBundle
        {
            Organisation = "人權 \"Watch\" \\ org\u0001",
            OrganisationKey = org.PublicKey,
            Epoch = 2,
            Issued = Now,
            Expires = Now.AddDays(1),
            Reviewers = [reviewer.ToBundleEntry("a.b-c_d", "陳大文 😀")],
        };

        var result = SignedReviewerBundle.Verify(org.SignBundle(bundle).ToFileText(), org.PublicKey, Now);

        Assert.True(result.IsValid);
        Assert.Equal(bundle.Organisation, result.Bundle.Bundle.Organisation);
        Assert.Equal("陳大文 😀", result.Bundle.Bundle.Reviewers[0].Name);
        Assert.Contains("陳大文", System.Text.Encoding.UTF8.GetString(result.Bundle.Body), StringComparison.Ordinal);
    }
}
