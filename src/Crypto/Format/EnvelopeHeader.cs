using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace SafeIntake.Crypto;

/// <summary>
/// The shape of an envelope header (docs/spec/envelope-v1.md §2.1, MUST-reject rules 1–6). Parsing needs no
/// secret: this is everything the intake server can check about a report, and all it needs to.
/// </summary>
public sealed class EnvelopeHeader
{
    private readonly byte[] _bytes;

    private EnvelopeHeader(byte[] bytes, int recipientCount)
    {
        _bytes = bytes;
        RecipientCount = recipientCount;
    }

    /// <summary>The smallest number of bytes that can hold a header (no stanza yet): 60.</summary>
    public const int MinimumPrefixLength = EnvelopeFormat.FixedHeaderLength;

    /// <summary>The largest header (64 recipients): 5212 bytes.</summary>
    public static int MaximumLength { get; } = EnvelopeFormat.HeaderLength(EnvelopeFormat.MaxRecipients);

    public int RecipientCount { get; }

    /// <summary>Total header length in bytes: 92 + 80·N.</summary>
    public int Length => _bytes.Length;

    public ReadOnlySpan<byte> Nonce => _bytes.AsSpan(10, EnvelopeFormat.NonceLength);

    public ReadOnlySpan<byte> BundleHash => _bytes.AsSpan(26, EnvelopeFormat.BundleHashLength);

    public ReadOnlySpan<byte> HeaderMac => _bytes.AsSpan(_bytes.Length - EnvelopeFormat.MacLength);

    /// <summary>The bytes the header MAC covers.</summary>
    internal ReadOnlySpan<byte> AuthenticatedBytes => _bytes.AsSpan(0, _bytes.Length - EnvelopeFormat.MacLength);

    internal ReadOnlySpan<byte> Stanza(int index) =>
        _bytes.AsSpan(EnvelopeFormat.FixedHeaderLength + (index * EnvelopeFormat.StanzaLength), EnvelopeFormat.StanzaLength);

    /// <summary>
    /// Parses the header at the start of <paramref name="envelopePrefix"/> (which may continue into the payload).
    /// Returns false for a malformed header or one that is not yet complete.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> envelopePrefix, [NotNullWhen(true)] out EnvelopeHeader? header)
    {
        header = null;
        if (!TryGetLength(envelopePrefix, out var length) || envelopePrefix.Length < length)
        {
            return false;
        }

        var count = (length - EnvelopeFormat.HeaderLength(0)) / EnvelopeFormat.StanzaLength;
        var bytes = envelopePrefix[..length].ToArray();
        if (HasDuplicateStanzas(bytes, count))
        {
            return false;
        }

        header = new EnvelopeHeader(bytes, count);
        return true;
    }

    /// <summary>
    /// From the first 60 bytes, the full header length, or false when the fixed fields already break a rule
    /// (magic, version, suite, recipient count) or fewer than 60 bytes are given.
    /// </summary>
    public static bool TryGetLength(ReadOnlySpan<byte> envelopePrefix, out int headerLength)
    {
        headerLength = 0;
        if (envelopePrefix.Length < EnvelopeFormat.FixedHeaderLength
            || !envelopePrefix[..8].SequenceEqual(EnvelopeFormat.Magic)
            || envelopePrefix[8] != EnvelopeFormat.Version
            || envelopePrefix[9] != EnvelopeFormat.Suite)
        {
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(envelopePrefix.Slice(58, 2));
        if (count is < EnvelopeFormat.MinRecipients or > EnvelopeFormat.MaxRecipients)
        {
            return false;
        }

        headerLength = EnvelopeFormat.HeaderLength(count);
        return true;
    }

    /// <summary>Reads exactly one header from <paramref name="input"/>; false on a short or malformed header.</summary>
    public static bool TryRead(Stream input, [NotNullWhen(true)] out EnvelopeHeader? header)
    {
        ArgumentNullException.ThrowIfNull(input);
        header = null;
        var buffer = new byte[MaximumLength];
        if (input.ReadAtLeast(buffer.AsSpan(0, MinimumPrefixLength), MinimumPrefixLength, throwOnEndOfStream: false) < MinimumPrefixLength
            || !TryGetLength(buffer, out var length))
        {
            return false;
        }

        var rest = length - MinimumPrefixLength;
        return input.ReadAtLeast(buffer.AsSpan(MinimumPrefixLength, rest), rest, throwOnEndOfStream: false) == rest
            && TryParse(buffer.AsSpan(0, length), out header);
    }

    private static bool HasDuplicateStanzas(byte[] bytes, int count)
    {
        // Rule 6: two stanzas with one ephemeral key are a replayed stanza, never an honest sender.
        var seen = new HashSet<string>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var ephemeral = bytes.AsSpan(EnvelopeFormat.FixedHeaderLength + (i * EnvelopeFormat.StanzaLength), 32);
            if (!seen.Add(Convert.ToHexString(ephemeral)))
            {
                return true;
            }
        }

        return false;
    }
}
