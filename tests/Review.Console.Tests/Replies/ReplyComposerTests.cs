using System.Text;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Security;
using SafeIntake.Review.Console.Replies;
using SafeIntake.Review.Console.Tests.Support;

namespace SafeIntake.Review.Console.Tests.Replies;

/// <summary>
/// <see cref="ReplyComposer"/>: a reply the witness's codename opens, the whole team can read, and the server and the
/// page accept as signed by its reviewer for that mailbox only (envelope-v1.md §7.2).
/// </summary>
public sealed class ReplyComposerTests : IDisposable
{
    private const string Text = "Thank you. Are you safe now? 多謝你嘅舉報 🙏";
    private static readonly DateOnly Sent = new(2026, 11, 26);

    private readonly ReviewerIdentity _alice = ReviewerIdentity.Generate();
    private readonly ReviewerIdentity _bob = ReviewerIdentity.Generate();
    private readonly OrganisationSigningKey _org = OrganisationSigningKey.Generate();
    private readonly CodenameKeys _codename = Witness.Codename();
    private readonly SignedReviewerBundle _bundle;
    private readonly byte[] _report;

    public ReplyComposerTests()
    {
        _bundle = SignBundle(_alice.ToBundleEntry("alice", "Alice Chan"), _bob.ToBundleEntry("bob", "Bob Lee"));
        _report = ReportManifest(_codename);
    }

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
        _org.Dispose();
        _codename.Dispose();
    }

    [Fact]
    public void Compose_OpensWithTheCodenameReplyKey_AndTheManifestSaysReplyTextReviewerAndSent()
    {
        var reply = ReplyComposer.Compose(_report, Text, Sent, "alice", _alice, _bundle);

        var manifest = Open(reply.Envelope, _codename.ReplyKey);
        Assert.Equal("reply", manifest.Kind);
        Assert.Equal(Text, manifest.Root.GetProperty("text").GetString());
        Assert.Equal("alice", manifest.Root.GetProperty("reviewer").GetString());
        Assert.Equal("2026-11-26", manifest.Root.GetProperty("sent").GetString());
        Assert.Equal("dotnet/1", manifest.Root.GetProperty("sealedBy").GetString());
        Assert.Empty(manifest.Attachments);
        Assert.Equal(_codename.MailboxKey.PublicKey, reply.Mailbox);
    }

    [Fact]
    public void Compose_OpensWithEveryReviewerOfTheBundle_AndNamesTheBundle()
    {
        var reply = ReplyComposer.Compose(_report, Text, Sent, "alice", _alice, _bundle);

        Assert.Equal(Text, Open(reply.Envelope, _alice.EncryptionKey).Root.GetProperty("text").GetString());
        Assert.Equal(Text, Open(reply.Envelope, _bob.EncryptionKey).Root.GetProperty("text").GetString());
        Assert.True(EnvelopeHeader.TryParse(reply.Envelope, out var header));
        Assert.Equal(3, header.RecipientCount);
        Assert.True(header.BundleHash.SequenceEqual(_bundle.Hash.Span));
    }

    [Fact]
    public void Compose_SendersEncryptionKeyNotInTheBundle_IsAddedSoTheSenderCanReadTheThread()
    {
        using var listed = X25519SecretKey.Generate();
        var bundle = SignBundle(new BundleReviewer("alice", "Alice Chan", listed.PublicKey, _alice.SigningKey.PublicKey), _bob.ToBundleEntry("bob", "Bob Lee"));

        var reply = ReplyComposer.Compose(_report, Text, Sent, "alice", _alice, bundle);

        Assert.True(EnvelopeHeader.TryParse(reply.Envelope, out var header));
        Assert.Equal(4, header.RecipientCount);
        Assert.Equal(Text, Open(reply.Envelope, _alice.EncryptionKey).Root.GetProperty("text").GetString());
        Assert.Equal(Text, Open(reply.Envelope, listed).Root.GetProperty("text").GetString());
    }

    [Fact]
    public void Compose_WitnessReplyKeyIsAReviewersKey_SealsItOnce()
    {
        // The witness chooses replyTo.x25519; repeating a reviewer's key must not break sealing (rule 6: no twin stanzas).
        var report = ManifestWithReplyTo(new JsonObject
        {
            ["x25519"] = _bob.EncryptionKey.PublicKey.ToBase64(),
            ["ed25519"] = _codename.MailboxKey.PublicKey.ToBase64(),
            ["sig"] = Convert.ToBase64String(new byte[64]),
        });

        var reply = ReplyComposer.Compose(report, Text, Sent, "alice", _alice, _bundle);

        Assert.True(EnvelopeHeader.TryParse(reply.Envelope, out var header));
        Assert.Equal(2, header.RecipientCount);
    }

    [Fact]
    public void Compose_Signature_VerifiesForThisMailboxOnly_AndNotAfterABitFlip()
    {
        using var other = Witness.Codename();
        var reply = ReplyComposer.Compose(_report, Text, Sent, "alice", _alice, _bundle);
        var signer = _alice.SigningKey.PublicKey;

        Assert.Equal(Witness.Hash(reply.Envelope), reply.EnvelopeHash);
        Assert.True(Signatures.VerifyReply(signer, _codename.MailboxKey.PublicKey, reply.EnvelopeHash, reply.Signature));
        Assert.False(Signatures.VerifyReply(signer, other.MailboxKey.PublicKey, reply.EnvelopeHash, reply.Signature));
        Assert.False(Signatures.VerifyReply(_bob.SigningKey.PublicKey, _codename.MailboxKey.PublicKey, reply.EnvelopeHash, reply.Signature));
        foreach (var position in new[] { 10, 100, reply.Envelope.Length / 2, reply.Envelope.Length - 1 })
        {
            var flipped = (byte[])reply.Envelope.Clone();
            flipped[position] ^= 0x01;
            Assert.False(Signatures.VerifyReply(signer, _codename.MailboxKey.PublicKey, Witness.Hash(flipped), reply.Signature), $"bit flipped at {position}");
        }
    }

    [Fact]
    public void Compose_IsAcceptedByTheServersReplyVerifier()
    {
        // ReplyVerifier.cs is compiled into this project from src/Intake.Web (it needs only SafeIntake.Crypto).
        var reply = ReplyComposer.Compose(_report, Text, Sent, "alice", _alice, _bundle);

        Assert.True(ReplyVerifier.TryReadClaim(_bundle.Bundle, reply.Mailbox.ToBase64(), "alice", Convert.ToBase64String(reply.Signature), out var claim));
        Assert.Equal(ReplyVerifier.SignatureBase64Length, claim.Signature.Length);
        var verification = ReplyVerifier.Verify(claim, reply.Envelope, 16L << 20);
        Assert.True(verification.IsValid, verification.Failure.ToString());
        Assert.Equal(reply.EnvelopeHash, verification.Reply.EnvelopeHash);
    }

    [Fact]
    public void Compose_ReportWithoutReplyTo_IsRefused_TheWitnessChoseNoCodename()
    {
        var report = Open(Witness.Report(_alice.EncryptionKey.PublicKey, "no codename"), _alice.EncryptionKey).Utf8Json.ToArray();

        var refusal = Assert.Throws<CommandFailedException>(() => ReplyComposer.Compose(report, Text, Sent, "alice", _alice, _bundle));
        Assert.Contains("the witness chose no codename, so this report cannot receive replies", refusal.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ExitCodes.Failure, refusal.ExitCode);
    }

    [Fact]
    public void Compose_ReplyToNull_IsRefused_TheWitnessChoseNoCodename()
    {
        var refusal = Assert.Throws<CommandFailedException>(() => ReplyComposer.Compose(ManifestWithReplyTo(null), Text, Sent, "alice", _alice, _bundle));
        Assert.Contains("chose no codename", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\r\n\t")]
    [InlineData("\u3000")] // ideographic space, as an IME may type
    public void Compose_EmptyOrWhitespaceText_IsRefused(string text)
    {
        var refusal = Assert.Throws<CommandFailedException>(() => ReplyComposer.Compose(_report, text, Sent, "alice", _alice, _bundle));
        Assert.Contains("empty", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_TextOverTheLimit_IsRefused_AndAtTheLimitIsSealed()
    {
        var refusal = Assert.Throws<CommandFailedException>(() =>
            ReplyComposer.Compose(_report, new string('x', ReplyComposer.MaxTextLength + 1), Sent, "alice", _alice, _bundle));
        Assert.Contains("20000", refusal.Message, StringComparison.Ordinal);

        // The worst case for size: every character escaped in the manifest JSON.
        var longest = new string('\u0001', ReplyComposer.MaxTextLength);
        var reply = ReplyComposer.Compose(_report, longest, Sent, "alice", _alice, _bundle);
        Assert.Equal(longest, Open(reply.Envelope, _codename.ReplyKey).Root.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("lone high")]
    [InlineData("lone low")]
    [InlineData("half an emoji at the end")]
    [InlineData("pair reversed")]
    public void Compose_TextNotWellFormedUtf16_IsRefused(string fault)
    {
        // Built here, not in InlineData: xunit carries theory data as UTF-8, which turns a lone surrogate into U+FFFD.
        var text = fault switch
        {
            "lone high" => "before \uD800 after",
            "lone low" => "\uDC00",
            "half an emoji at the end" => "ends with \uD83D",
            _ => "\uDE4F\uD83D",
        };

        var refusal = Assert.Throws<CommandFailedException>(() => ReplyComposer.Compose(_report, text, Sent, "alice", _alice, _bundle));
        Assert.Contains("surrogate", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x25519 short")]
    [InlineData("x25519 missing")]
    [InlineData("ed25519 not canonical")]
    [InlineData("ed25519 a number")]
    [InlineData("not an object")]
    [InlineData("escaped lone surrogate")]
    public void Compose_MalformedReplyToKeys_IsRefused(string fault)
    {
        var x25519 = _codename.ReplyKey.PublicKey.ToBase64();
        var ed25519 = _codename.MailboxKey.PublicKey.ToBase64();
        var json = fault switch
        {
            "x25519 short" => $"{{\"x25519\":\"{x25519[..40]}\",\"ed25519\":\"{ed25519}\"}}",
            "x25519 missing" => $"{{\"ed25519\":\"{ed25519}\"}}",
            "ed25519 not canonical" => $"{{\"x25519\":\"{x25519}\",\"ed25519\":\"{ed25519[..4]}    {ed25519[4..]}\"}}",
            "ed25519 a number" => $"{{\"x25519\":\"{x25519}\",\"ed25519\":42}}",
            "not an object" => $"\"{ed25519}\"",
            _ => $"{{\"x25519\":\"\\udc00\",\"ed25519\":\"{ed25519}\"}}",
        };
        var report = Encoding.UTF8.GetBytes($"{{\"v\":1,\"kind\":\"report\",\"lang\":\"en\",\"replyTo\":{json},\"attachments\":[]}}");

        var refusal = Assert.Throws<CommandFailedException>(() => ReplyComposer.Compose(report, Text, Sent, "alice", _alice, _bundle));
        // A lone surrogate anywhere now fails the manifest itself (envelope-v1.md §1), before replyTo is read.
        Assert.Contains(fault == "escaped lone surrogate" ? "manifest is malformed" : "replyTo", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_MalformedOrNonReportManifest_IsRefused()
    {
        Assert.Throws<CommandFailedException>(() => ReplyComposer.Compose("{\"v\":1,\"kind\":\"report\"}"u8, Text, Sent, "alice", _alice, _bundle));
        var followUp = EnvelopeManifest.Build("follow-up", new JsonObject { ["text"] = "more" }, []);
        var refusal = Assert.Throws<CommandFailedException>(() => ReplyComposer.Compose(followUp, Text, Sent, "alice", _alice, _bundle));
        Assert.Contains("not a report", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("carol")] // not in the bundle
    [InlineData("bob")] // in the bundle, but this keyfile is alice's
    public void Compose_SenderNotThisReviewerOfTheBundle_IsRefused(string reviewerId)
    {
        var refusal = Assert.Throws<CommandFailedException>(() => ReplyComposer.Compose(_report, Text, Sent, reviewerId, _alice, _bundle));
        Assert.Contains("not a reviewer of the current bundle", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_BundleOf64Reviewers_IsRefused_ForTheWitnessLeavesNoRoom()
    {
        var others = Enumerable.Range(1, 63).Select(_ => ReviewerIdentity.Generate()).ToList();
        try
        {
            var bundle = SignBundle([_alice.ToBundleEntry("alice", "Alice Chan"), .. others.Select((r, i) => r.ToBundleEntry($"r{i}", $"Reviewer {i}"))]);

            var refusal = Assert.Throws<CommandFailedException>(() => ReplyComposer.Compose(_report, Text, Sent, "alice", _alice, bundle));
            Assert.Contains("at most 63 reviewers", refusal.Message, StringComparison.Ordinal);
        }
        finally
        {
            others.ForEach(r => r.Dispose());
        }
    }

    private static EnvelopeManifest Open(byte[] envelope, X25519SecretKey key)
    {
        using var stream = new MemoryStream(envelope);
        var opened = EnvelopeOpener.Open(stream, [key], new MemoryEnvelopeSink());
        Assert.True(opened.IsSuccess, opened.Detail);
        return opened.Manifest!;
    }

    private static byte[] ManifestWithReplyTo(JsonObject? replyTo) =>
        EnvelopeManifest.Build("report", new JsonObject { ["lang"] = "en", ["replyTo"] = replyTo }, []);

    /// <summary>The manifest as the vault keeps it: sealed by the witness with a codename, opened by a reviewer.</summary>
    private byte[] ReportManifest(CodenameKeys codename) =>
        Open(Witness.Report(_alice.EncryptionKey.PublicKey, "the officer took the phone", codename), _alice.EncryptionKey).Utf8Json.ToArray();

    private SignedReviewerBundle SignBundle(params BundleReviewer[] reviewers) => _org.SignBundle(new ReviewerBundle
    {
        Organisation = "Test organisation",
        OrganisationKey = _org.PublicKey,
        Epoch = 1,
        Issued = DateTimeOffset.UtcNow.AddDays(-1),
        Expires = DateTimeOffset.UtcNow.AddDays(60),
        Reviewers = reviewers,
    });
}
