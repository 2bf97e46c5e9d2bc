namespace SafeIntake.Crypto.Tests;

public sealed class SignatureTests
{
    private static CodenameKeys Witness()
    {
        Assert.True(Codename.TryDeriveKeys(Codename.Generate(), out var keys));
        return keys;
    }

    [Fact]
    public void Reply_VerifiesOnlyForItsMailboxAndEnvelope()
    {
        using var reviewer = ReviewerIdentity.Generate();
        using var witness = Witness();
        using var other = Witness();
        var envelope = EnvelopeTests.Seal([witness.ReplyKey.PublicKey, reviewer.EncryptionKey.PublicKey], [1, 2, 3]);
        var hash = Signatures.EnvelopeHash(new MemoryStream(envelope));
        var signature = reviewer.SignReply(witness.MailboxKey.PublicKey, hash);

        Assert.True(Signatures.VerifyReply(reviewer.SigningKey.PublicKey, witness.MailboxKey.PublicKey, hash, signature));
        Assert.False(Signatures.VerifyReply(reviewer.SigningKey.PublicKey, other.MailboxKey.PublicKey, hash, signature));
        envelope[^1] ^= 1;
        Assert.False(Signatures.VerifyReply(reviewer.SigningKey.PublicKey, witness.MailboxKey.PublicKey, Signatures.EnvelopeHash(new MemoryStream(envelope)), signature));
    }

    [Fact]
    public void Signatures_DoNotCrossPurposes()
    {
        using var witness = Witness();
        var hash = Primitives.Blake2b256("x"u8);
        var followUp = witness.SignFollowUp(hash);

        Assert.True(Signatures.VerifyFollowUp(witness.MailboxKey.PublicKey, hash, followUp));
        Assert.False(Signatures.VerifyReply(witness.MailboxKey.PublicKey, witness.MailboxKey.PublicKey, hash, followUp));
        Assert.False(Signatures.VerifyChallenge(witness.MailboxKey.PublicKey, [.. witness.MailboxKey.PublicKey.Bytes, .. hash], followUp));
    }

    [Fact]
    public void ReplyKeys_BindTheEnvelopeNonce()
    {
        using var witness = Witness();
        var nonce = Primitives.Random(16);
        var signature = witness.SignReplyKeys(nonce);

        Assert.True(Signatures.VerifyReplyKeys(witness.MailboxKey.PublicKey, witness.ReplyKey.PublicKey, nonce, signature));
        Assert.False(Signatures.VerifyReplyKeys(witness.MailboxKey.PublicKey, witness.ReplyKey.PublicKey, Primitives.Random(16), signature));
        Assert.False(Signatures.VerifyChallenge(witness.MailboxKey.PublicKey, nonce, signature.AsSpan(0, 63)));
    }
}
