using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Transfer;

namespace SafeIntake.Review.Console.Tests.Support;

/// <summary>One sequence number of a test export.</summary>
public sealed class ExportEntryBuilder
{
    public long Sequence { get; set; }

    public string? Omitted { get; set; }

    public string Id { get; set; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public string Kind { get; set; } = "report";

    public byte[] Envelope { get; set; } = [];

    public string? Mailbox { get; set; }

    public string? Signature { get; set; }

    public string? ReviewerId { get; set; }

    /// <summary>The day the server received it, yyyy-MM-dd.</summary>
    public string Day { get; set; } = "2026-11-25";

    /// <summary>The bundle hash the manifest lists; the test witnesses' fixed one unless a test seals under another.</summary>
    public byte[]? BundleHash { get; set; }
}

/// <summary>
/// Builds an export bundle the way docs/spec/export-bundle-v1.md §2 says the server does: magic, u32 manifest length,
/// manifest, the server's Ed25519 signature, the envelopes back to back. Tests then damage it in one precise way.
/// </summary>
public sealed class ExportBuilder : IDisposable
{
    public Ed25519SecretKey ServerKey { get; } = Ed25519SecretKey.Generate();

    public string Reviewer { get; set; } = "alice";

    public List<ExportEntryBuilder> Entries { get; } = [];

    public long? From { get; set; }

    public long? To { get; set; }

    public string ServerKeyBase64 => ServerKey.PublicKey.ToBase64();

    public ExportEntryBuilder Add(string kind, byte[] envelope, string? mailbox = null, string? signature = null, string? reviewerId = null)
    {
        var entry = new ExportEntryBuilder
        {
            Sequence = NextSequence(),
            Kind = kind,
            Envelope = envelope,
            Mailbox = mailbox,
            Signature = signature,
            ReviewerId = reviewerId,
        };
        Entries.Add(entry);
        return entry;
    }

    public ExportEntryBuilder Report(ReviewerKeys reviewer, string what, CodenameKeys? codename = null) =>
        Add("report", Witness.Report(reviewer.EncryptionKey, what, codename), codename?.MailboxKey.PublicKey.ToBase64());

    public ExportEntryBuilder FollowUp(ReviewerKeys reviewer, CodenameKeys codename, string text)
    {
        var envelope = Witness.FollowUp(reviewer.EncryptionKey, text);
        return Add("follow-up", envelope, codename.MailboxKey.PublicKey.ToBase64(), Convert.ToBase64String(codename.SignFollowUp(Witness.Hash(envelope))));
    }

    public void Omit(string reason) => Entries.Add(new ExportEntryBuilder { Sequence = NextSequence(), Omitted = reason });

    public byte[] Manifest()
    {
        var items = new JsonArray();
        foreach (var e in Entries)
        {
            items.Add(e.Omitted is not null
                ? new JsonObject { ["seq"] = e.Sequence, ["state"] = "omitted", ["reason"] = e.Omitted }
                : new JsonObject
                {
                    ["seq"] = e.Sequence,
                    ["state"] = "included",
                    ["id"] = e.Id,
                    ["kind"] = e.Kind,
                    ["day"] = e.Day,
                    ["size"] = e.Envelope.Length,
                    ["hash"] = Convert.ToHexStringLower(Witness.Hash(e.Envelope)),
                    ["bundle"] = Convert.ToHexStringLower(e.BundleHash ?? Witness.BundleHash),
                    ["mailbox"] = e.Mailbox,
                    ["signature"] = e.Signature,
                    ["reviewerId"] = e.ReviewerId,
                });
        }

        var manifest = new JsonObject
        {
            ["type"] = "safeintake-export",
            ["v"] = 1,
            ["server"] = ServerKeyBase64,
            ["reviewer"] = Reviewer,
            ["created"] = "2026-11-26",
            ["from"] = From ?? (Entries.Count > 0 ? Entries[0].Sequence : 1),
            ["to"] = To ?? (Entries.Count > 0 ? Entries[^1].Sequence : 0),
            ["items"] = items,
        };
        return Encoding.UTF8.GetBytes(manifest.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    public byte[] Build(Ed25519SecretKey? signWith = null) => Assemble(Manifest(), signWith ?? ServerKey);

    public static byte[] Assemble(byte[] manifest, Ed25519SecretKey key)
    {
        var signature = key.Sign(Signatures.ExportMessage(manifest));
        return [.. ExportBundle.Magic, .. Length(manifest), .. manifest, .. signature];
    }

    /// <summary>Writes the bundle (header from <see cref="Build"/>, then the envelopes) to a file and returns its path.</summary>
    public string WriteTo(string folder, string name = "export.bundle", Ed25519SecretKey? signWith = null)
    {
        var path = Path.Combine(folder, name);
        using var file = File.Create(path);
        file.Write(Build(signWith));
        foreach (var e in Entries.Where(e => e.Omitted is null))
        {
            file.Write(e.Envelope);
        }

        return path;
    }

    /// <summary>Offset of the first item's bytes in the file <see cref="WriteTo"/> writes.</summary>
    public long ItemsOffset(Ed25519SecretKey? signWith = null) => Build(signWith).Length;

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public void Dispose() => ServerKey.Dispose();

    private static byte[] Length(byte[] manifest)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)manifest.Length);
        return length;
    }

    private long NextSequence() => Entries.Count == 0 ? (From ?? 1) : Entries[^1].Sequence + 1;
}
