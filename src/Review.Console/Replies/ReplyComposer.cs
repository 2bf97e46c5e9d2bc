using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;

namespace SafeIntake.Review.Console.Replies;

/// <summary>A reply ready for an outbox or <c>POST /api/v1/replies</c>: the envelope and its §7.2 signature.</summary>
public sealed record ComposedReply(Ed25519PublicKey Mailbox, byte[] Envelope, byte[] EnvelopeHash, byte[] Signature);

/// <summary>
/// Seals and signs a reviewer's reply to a witness (envelope-v1.md §3.2, §7.2): to the witness's reply key and to
/// every reviewer of the bundle, so the whole team sees the thread, with the reviewer's day signed inside.
/// </summary>
public static class ReplyComposer
{
    /// <summary>
    /// 20,000 UTF-16 code units (what <see cref="string.Length"/> and a browser's <c>maxlength</c> count): a message,
    /// not a document. Even with every unit escaped as <c>\uXXXX</c> that is 120 KB of manifest, far under the
    /// 1 MiB manifest limit and the server's <c>MaxReplyBytes</c> (16 MiB by default).
    /// </summary>
    public const int MaxTextLength = 20_000;

    public const string SealedBy = "dotnet/1";

    /// <summary>An envelope header holds 1 ≤ N ≤ 64 stanzas (envelope-v1.md §2.1).</summary>
    private const int MaxRecipients = 64;

    /// <summary>
    /// Composes a reply to the report whose manifest is <paramref name="reportManifestJson"/>: the whole manifest
    /// JSON as the witness sealed it (the vault keeps it); its <c>replyTo</c> {x25519, ed25519, sig} was already
    /// verified at import (§7.1). Throws <see cref="CommandFailedException"/> with what to do when it cannot.
    /// </summary>
    public static ComposedReply Compose(ReadOnlySpan<byte> reportManifestJson, string text, DateOnly sent, string reviewerId,
        ReviewerIdentity reviewer, SignedReviewerBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(reviewerId);
        ArgumentNullException.ThrowIfNull(reviewer);
        ArgumentNullException.ThrowIfNull(bundle);

        CheckText(text);
        var (replyKey, mailbox) = ReadReplyTo(reportManifestJson);

        // The server and the witness's page accept the reply only under this id's key in the bundle (§7.2).
        if (bundle.Bundle.FindReviewer(reviewerId) is not { } entry || !entry.SigningKey.Equals(reviewer.SigningKey.PublicKey))
        {
            throw new CommandFailedException(
                $"'{reviewerId}' with this keyfile's signing key is not a reviewer of the current bundle, so the server and the witness would refuse the reply. Check --home, or ask the organisation to list this keyfile's reviewer.pub.json.");
        }

        // The witness chose the reply key: it may repeat a reviewer's key, which must not become a second stanza.
        var recipients = new List<X25519PublicKey> { replyKey };
        recipients.AddRange(bundle.Bundle.Reviewers.Select(r => r.EncryptionKey));
        recipients.Add(reviewer.EncryptionKey.PublicKey);
        recipients = [.. recipients.Distinct()];
        if (recipients.Count > MaxRecipients)
        {
            throw new CommandFailedException(
                $"The bundle has {bundle.Bundle.Reviewers.Count} reviewers; with the witness that is more than the {MaxRecipients} keys an envelope can be sealed to. A bundle that receives replies can list at most {MaxRecipients - 1} reviewers.");
        }

        using var envelope = new MemoryStream();
        EnvelopeSealer.Seal(new SealRequest
        {
            Recipients = recipients,
            BundleHash = bundle.Hash,
            Kind = "reply",
            Members = new JsonObject
            {
                ["text"] = text,
                ["reviewer"] = reviewerId,
                // Signed with the rest, so the day the witness sees is the reviewer's, not the server's.
                ["sent"] = sent.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["sealedBy"] = SealedBy,
            },
        }, envelope);

        var bytes = envelope.ToArray();
        envelope.Position = 0;
        var hash = Signatures.EnvelopeHash(envelope);
        return new ComposedReply(mailbox, bytes, hash, reviewer.SignReply(mailbox, hash));
    }

    private static void CheckText(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CommandFailedException("The reply is empty: write the message to the witness.");
        }

        if (text.Length > MaxTextLength)
        {
            throw new CommandFailedException(
                $"The reply is {text.Length.ToString(CultureInfo.InvariantCulture)} characters; at most {MaxTextLength.ToString(CultureInfo.InvariantCulture)} fit. Shorten it or send it as two replies.");
        }

        // A lone surrogate has no UTF-8 form: the manifest would carry U+FFFD or fail, not what was written.
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out var consumed) != OperationStatus.Done)
            {
                throw new CommandFailedException(
                    $"The reply contains a broken character (a lone UTF-16 surrogate) at position {(text.Length - rest.Length).ToString(CultureInfo.InvariantCulture)}: retype or re-paste the text around it.");
            }

            rest = rest[consumed..];
        }
    }

    private static (X25519PublicKey ReplyKey, Ed25519PublicKey Mailbox) ReadReplyTo(ReadOnlySpan<byte> reportManifestJson)
    {
        if (!EnvelopeManifest.TryParse(reportManifestJson, out var manifest))
        {
            throw new CommandFailedException("The report's manifest is malformed: the vault may be damaged. Re-import the report from an export bundle.");
        }

        if (manifest.Kind != "report")
        {
            throw new CommandFailedException($"That is a {manifest.Kind}, not a report: a reply goes to the mailbox of the case's report.");
        }

        if (!manifest.Root.TryGetProperty("replyTo", out var replyTo) || replyTo.ValueKind == JsonValueKind.Null)
        {
            throw new CommandFailedException("The witness chose no codename, so this report cannot receive replies.");
        }

        return replyTo.ValueKind == JsonValueKind.Object
            && X25519PublicKey.TryParseBase64(Text(replyTo, "x25519"), out var replyKey)
            && Ed25519PublicKey.TryParseBase64(Text(replyTo, "ed25519"), out var mailbox)
                ? (replyKey, mailbox)
                : throw new CommandFailedException("The report's reply keys (replyTo) are malformed, so it cannot receive replies. The import should have quarantined it: re-import the report.");
    }

    private static string? Text(JsonElement parent, string name)
    {
        try
        {
            return parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            // GetString() on an escaped lone surrogate, which parses.
            return null;
        }
    }
}
