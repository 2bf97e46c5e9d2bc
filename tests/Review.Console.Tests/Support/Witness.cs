using System.Text.Json.Nodes;
using SafeIntake.Crypto;

namespace SafeIntake.Review.Console.Tests.Support;

/// <summary>Plays the witness's browser: seals reports and follow-ups with <see cref="EnvelopeSealer"/>.</summary>
public static class Witness
{
    public static readonly byte[] BundleHash = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    public static byte[] Report(X25519PublicKey reviewer, string what, CodenameKeys? codename = null, params (string Name, byte[] Bytes)[] attachments) =>
        Report(reviewer, what, "en", null, codename, attachments);

    /// <summary>A report in the form language <paramref name="lang"/>, with a category.</summary>
    public static byte[] Report(X25519PublicKey reviewer, string what, string lang, string? category, CodenameKeys? codename = null,
        params (string Name, byte[] Bytes)[] attachments)
    {
        var request = new SealRequest
        {
            Recipients = [reviewer],
            BundleHash = BundleHash,
            Kind = "report",
            Members = new JsonObject
            {
                ["lang"] = lang,
                ["sealedBy"] = "dotnet/1",
                ["fields"] = new JsonObject { ["what"] = what, ["when"] = "yesterday evening", ["where"] = "the station", ["category"] = category },
            },
            NonceBoundMembers = codename is null ? null : nonce => new JsonObject
            {
                ["replyTo"] = new JsonObject
                {
                    ["x25519"] = codename.ReplyKey.PublicKey.ToBase64(),
                    ["ed25519"] = codename.MailboxKey.PublicKey.ToBase64(),
                    ["sig"] = Convert.ToBase64String(codename.SignReplyKeys(nonce.Span)),
                },
            },
            Attachments = attachments.Select(a => new SealAttachment(a.Name, "application/octet-stream", a.Bytes.Length, new MemoryStream(a.Bytes))).ToList(),
        };
        return Seal(request);
    }

    public static byte[] FollowUp(X25519PublicKey reviewer, string text) => Seal(new SealRequest
    {
        Recipients = [reviewer],
        BundleHash = BundleHash,
        Kind = "follow-up",
        Members = new JsonObject { ["lang"] = "en", ["sealedBy"] = "dotnet/1", ["text"] = text },
    });

    public static byte[] Reply(X25519PublicKey reviewer, X25519PublicKey witness, string reviewerId, string text) => Seal(new SealRequest
    {
        Recipients = [witness, reviewer],
        BundleHash = BundleHash,
        Kind = "reply",
        Members = new JsonObject { ["text"] = text, ["reviewer"] = reviewerId },
    });

    public static CodenameKeys Codename()
    {
        Assert.True(Crypto.Codename.TryDeriveKeys(Crypto.Codename.Generate(), out var keys));
        return keys;
    }

    public static byte[] Hash(byte[] envelope) => Signatures.EnvelopeHash(new MemoryStream(envelope));

    private static byte[] Seal(SealRequest request)
    {
        using var output = new MemoryStream();
        EnvelopeSealer.Seal(request, output);
        return output.ToArray();
    }
}
