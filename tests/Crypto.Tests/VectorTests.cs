namespace SafeIntake.Crypto.Tests;

/// <summary>Every committed vector must produce its expected outcome in the .NET implementation.</summary>
public sealed class VectorTests
{
    public static TheoryData<string> Envelopes => VectorFile.Names("envelope");
    public static TheoryData<string> Bundles => VectorFile.Names("bundle");
    public static TheoryData<string> Codenames => VectorFile.Names("codename");

    [Fact]
    public void Vectors_CoverEveryRule_AtLeastThirtyEnvelopeCases()
    {
        var files = Directory.GetFiles(TestPaths.TestData("envelope"), "*.txt");
        Assert.True(files.Length >= 30, $"only {files.Length} envelope vectors");
        var outcomes = files.Select(f => VectorFile.Read(f).Expect).ToHashSet();
        Assert.Equal(["HeaderFailure", "MacFailure", "NoMatchingKey", "PayloadFailure", "success"], outcomes.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void Envelope_Vector_HasExpectedOutcome(string name)
    {
        var vector = VectorFile.Load("envelope", name);
        var keys = vector.All("identity").Select(hex => X25519SecretKey.Import(Convert.FromHexString(hex))).ToList();
        var sink = new MemoryEnvelopeSink();

        var result = EnvelopeOpener.Open(new MemoryStream(vector.BodyBase64()), keys, sink);

        Assert.Equal(vector.Expect, result.Status == OpenStatus.Success ? "success" : result.Status.ToString());
        if (result.IsSuccess)
        {
            Assert.Equal(vector.One("bundle-hash"), Convert.ToHexStringLower(result.BundleHash.Span));
            Assert.Equal(vector.One("manifest"), Convert.ToBase64String(result.Manifest.Utf8Json));
            var expected = vector.All("attachment").ToList();
            Assert.Equal(expected, sink.Attachments.Select(a => $"{a.Length} {Convert.ToHexStringLower(Primitives.Blake2b256(a))}"));
        }
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public void Bundle_Vector_HasExpectedOutcome(string name)
    {
        var vector = VectorFile.Load("bundle", name);
        var pinned = Ed25519PublicKey.Import(Convert.FromHexString(vector.One("org-key")));
        var now = DateTimeOffset.FromUnixTimeSeconds(long.Parse(vector.One("now"), System.Globalization.CultureInfo.InvariantCulture));
        var seen = long.Parse(vector.One("seen-epoch"), System.Globalization.CultureInfo.InvariantCulture);

        var result = SignedReviewerBundle.Verify(vector.Body.TrimEnd('\n'), pinned, now, seen);

        Assert.Equal(vector.Expect, result.IsValid ? "success" : "BundleFailure");
        if (result.IsValid)
        {
            Assert.Equal(vector.One("bundle-hash"), Convert.ToHexStringLower(result.Bundle.Hash.Span));
            Assert.Equal(vector.One("fingerprint"), result.Bundle.Fingerprint);
        }
        else
        {
            var reason = result.Failure switch
            {
                BundleFailureReason.Signature => "signature",
                BundleFailureReason.Expired => "expired",
                BundleFailureReason.RolledBack => "rollback",
                BundleFailureReason.OrganisationKey => "org-key",
                _ => "malformed",
            };
            Assert.Equal(vector.One("reason"), reason);
        }
    }

    [Theory]
    [MemberData(nameof(Codenames))]
    public void Codename_Vector_HasExpectedOutcome(string name)
    {
        var vector = VectorFile.Load("codename", name);

        var ok = Codename.TryDeriveKeys(vector.One("codename"), out var keys);

        Assert.Equal(vector.Expect, ok ? "success" : "CodenameFailure");
        if (ok)
        {
            using (keys)
            {
                Assert.Equal(vector.One("normalized"), Codename.Normalize(vector.One("codename")));
                Assert.Equal(vector.One("reply-public-key"), keys!.ReplyKey.PublicKey.ToHex());
                Assert.Equal(vector.One("mailbox-public-key"), keys.MailboxKey.PublicKey.ToHex());
                Assert.Equal(vector.One("mailbox-id"), keys.MailboxId);
            }
        }
    }
}
