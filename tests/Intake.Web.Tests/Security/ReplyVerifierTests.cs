using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Security;

namespace SafeIntake.Intake.Web.Tests.Security;

/// <summary>
/// <see cref="ReplyVerifier"/> without HTTP: the one check behind <c>POST /api/v1/replies</c> and the outbox's replies,
/// attacked the ways a compromised transfer machine or server could (envelope-v1.md §7.2).
/// </summary>
public sealed class ReplyVerifierTests : IDisposable
{
    private const long MaxBytes = 16L << 20;

    private readonly ReviewerIdentity _demo = ReviewerIdentity.Generate();
    private readonly ReviewerIdentity _bob = ReviewerIdentity.Generate();
    private readonly ReviewerIdentity _outsider = ReviewerIdentity.Generate();
    private readonly CodenameKeys _witness = Witnesses.NewCodenameKeys();
    private readonly CodenameKeys _otherWitness = Witnesses.NewCodenameKeys();
    private readonly ReviewerBundle _bundle;
    private readonly byte[] _reply;

    public ReplyVerifierTests()
    {
        _bundle = new ReviewerBundle
        {
            Organisation = "Test organisation",
            OrganisationKey = _outsider.SigningKey.PublicKey,
            Epoch = 1,
            Issued = DateTimeOffset.UtcNow.AddDays(-1),
            Expires = DateTimeOffset.UtcNow.AddDays(60),
            Reviewers = [_demo.ToBundleEntry("demo", "Demo"), _bob.ToBundleEntry("bob", "Bob")],
        };
        _reply = WitnessClient.Seal([_witness.ReplyKey.PublicKey, _demo.EncryptionKey.PublicKey], new byte[32], "reply",
            new JsonObject { ["text"] = "Thank you. Are you safe now?", ["reviewer"] = "demo" }, [("note.txt", new byte[70_000])]);
    }

    [Fact]
    public void Verify_GenuineReply_ReturnsTheClaimHeaderAndHashOfEveryByte()
    {
        var claim = Claim(Sign(_demo, _witness, _reply));

        var result = ReplyVerifier.Verify(claim, _reply, MaxBytes);

        Assert.True(result.IsValid, result.Failure.ToString());
        Assert.Same(claim, result.Reply.Claim);
        Assert.Equal(WitnessClient.EnvelopeHash(_reply), result.Reply.EnvelopeHash);
        Assert.Equal(2, result.Reply.Header.RecipientCount);
    }

    [Theory]
    [InlineData(10)] // header nonce: the server does not check the header MAC, only the signature tells
    [InlineData(100)] // a recipient stanza
    [InlineData(5_000)] // the payload
    [InlineData(-1)] // the last byte of padding
    public void Verify_EnvelopeBitFlippedAfterSigning_ReturnsSignatureFailure(int position)
    {
        var claim = Claim(Sign(_demo, _witness, _reply));
        var tampered = (byte[])_reply.Clone();
        tampered[position < 0 ? tampered.Length + position : position] ^= 0x01;

        Assert.Equal(ReplyFailure.SignatureFailure, ReplyVerifier.Verify(claim, tampered, MaxBytes).Failure);
    }

    [Fact]
    public void Verify_MagicBitFlipped_ReturnsHeaderFailure()
    {
        var tampered = (byte[])_reply.Clone();
        tampered[0] ^= 0x01;

        Assert.Equal(ReplyFailure.HeaderFailure, ReplyVerifier.Verify(Claim(Sign(_demo, _witness, tampered)), tampered, MaxBytes).Failure);
    }

    [Fact]
    public void Verify_SignatureForAnotherMailbox_ReturnsSignatureFailure()
    {
        // Signed for the other witness, presented for this one: a server moving a reply between mailboxes.
        var claim = Claim(Sign(_demo, _otherWitness, _reply));

        Assert.Equal(ReplyFailure.SignatureFailure, ReplyVerifier.Verify(claim, _reply, MaxBytes).Failure);
    }

    [Fact]
    public void Verify_SignedByAnotherReviewerOfTheBundle_ReturnsSignatureFailure()
    {
        // Bob signed, the claim says demo: one reviewer cannot speak in another's name.
        var claim = Claim(Sign(_bob, _witness, _reply));

        Assert.Equal(ReplyFailure.SignatureFailure, ReplyVerifier.Verify(claim, _reply, MaxBytes).Failure);
    }

    [Fact]
    public void Verify_SignedByAKeyOutsideTheBundle_ReturnsSignatureFailure()
    {
        var claim = Claim(Sign(_outsider, _witness, _reply));

        Assert.Equal(ReplyFailure.SignatureFailure, ReplyVerifier.Verify(claim, _reply, MaxBytes).Failure);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("DEMO")]
    [InlineData("demo ")]
    public void TryReadClaim_ReviewerNotInTheBundle_ReturnsFalse(string? reviewerId)
    {
        var signature = Sign(_demo, _witness, _reply);

        Assert.False(ReplyVerifier.TryReadClaim(_bundle, _witness.MailboxKey.PublicKey.ToBase64(), reviewerId, signature, out var claim));
        Assert.Null(claim);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("empty")]
    [InlineData("short")]
    [InlineData("whitespace")]
    [InlineData("unused-bits")]
    public void TryReadClaim_MalformedMailboxKey_ReturnsFalse(string fault)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var key = _witness.MailboxKey.PublicKey.ToBase64();
        var mailbox = fault switch
        {
            "missing" => null,
            "empty" => "",
            "short" => key[..40],
            "whitespace" => key.Insert(4, "    "),
            // The 43rd character carries two unused bits; .NET's lenient decoder would accept a set one.
            _ => key[..42] + Alphabet[Alphabet.IndexOf(key[42], StringComparison.Ordinal) ^ 1] + "=",
        };

        Assert.False(ReplyVerifier.TryReadClaim(_bundle, mailbox, "demo", Sign(_demo, _witness, _reply), out _));
    }

    [Fact]
    public void TryReadClaim_NoSignature_ReturnsFalse()
    {
        Assert.False(ReplyVerifier.TryReadClaim(_bundle, _witness.MailboxKey.PublicKey.ToBase64(), "demo", null, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(59)] // shorter than the fixed header
    [InlineData(92 + 80)] // the fixed header and one of two stanzas
    public void Verify_TruncatedInsideTheHeader_ReturnsHeaderFailure(int length)
    {
        var truncated = _reply[..length];

        Assert.Equal(ReplyFailure.HeaderFailure, ReplyVerifier.Verify(Claim(Sign(_demo, _witness, truncated)), truncated, MaxBytes).Failure);
    }

    [Theory]
    [InlineData(92 + 160)] // the header alone
    [InlineData(-1)]
    public void Verify_TruncatedAfterSigning_ReturnsSignatureFailure(int length)
    {
        var claim = Claim(Sign(_demo, _witness, _reply));
        var truncated = _reply[..(length < 0 ? _reply.Length + length : length)];

        Assert.Equal(ReplyFailure.SignatureFailure, ReplyVerifier.Verify(claim, truncated, MaxBytes).Failure);
    }

    [Fact]
    public void Verify_OneByteOverTheLimit_ReturnsTooLarge_AndAtTheLimitVerifies()
    {
        var claim = Claim(Sign(_demo, _witness, _reply));

        Assert.Equal(ReplyFailure.TooLarge, ReplyVerifier.Verify(claim, _reply, _reply.Length - 1).Failure);
        Assert.True(ReplyVerifier.Verify(claim, _reply, _reply.Length).IsValid);
    }

    [Fact]
    public void Verify_OversizeGarbage_ReturnsTooLarge_BeforeLookingAtTheHeader()
    {
        var garbage = new byte[1025];

        Assert.Equal(ReplyFailure.TooLarge, ReplyVerifier.Verify(Claim(Sign(_demo, _witness, garbage)), garbage, 1024).Failure);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(65)]
    public void Verify_SignatureOfWrongLength_ReturnsSignatureFailure(int length)
    {
        var genuine = _demo.SignReply(_witness.MailboxKey.PublicKey, WitnessClient.EnvelopeHash(_reply));
        var signature = new byte[length];
        genuine.AsSpan(0, Math.Min(length, genuine.Length)).CopyTo(signature);

        Assert.Equal(ReplyFailure.SignatureFailure, ReplyVerifier.Verify(Claim(Convert.ToBase64String(signature)), _reply, MaxBytes).Failure);
    }

    [Theory]
    [InlineData("not base64 at all")]
    [InlineData("====")]
    public void Verify_SignatureNotBase64_ReturnsSignatureFailure(string signature)
    {
        Assert.Equal(ReplyFailure.SignatureFailure, ReplyVerifier.Verify(Claim(signature), _reply, MaxBytes).Failure);
    }

    [Fact]
    public void Verify_FollowUpSignatureOverTheSameEnvelope_ReturnsSignatureFailure()
    {
        // The same key and bytes under another §7.2 context: a signature for one purpose never serves another.
        var hash = WitnessClient.EnvelopeHash(_reply);
        var followUp = _demo.SigningKey.Sign(Signatures.FollowUpMessage(_witness.MailboxKey.PublicKey, hash));

        Assert.Equal(ReplyFailure.SignatureFailure, ReplyVerifier.Verify(Claim(Convert.ToBase64String(followUp)), _reply, MaxBytes).Failure);
    }

    public void Dispose()
    {
        _demo.Dispose();
        _bob.Dispose();
        _outsider.Dispose();
        _witness.Dispose();
        _otherWitness.Dispose();
    }

    private static string Sign(ReviewerIdentity reviewer, CodenameKeys mailbox, byte[] envelope) =>
        Convert.ToBase64String(reviewer.SignReply(mailbox.MailboxKey.PublicKey, WitnessClient.EnvelopeHash(envelope)));

    private ReplyClaim Claim(string signature)
    {
        Assert.True(ReplyVerifier.TryReadClaim(_bundle, _witness.MailboxKey.PublicKey.ToBase64(), "demo", signature, out var claim));
        return claim;
    }
}
