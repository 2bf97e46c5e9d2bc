using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Sodium;

namespace SafeIntake.Crypto;

/// <summary>The outcome names of the spec's vectors (docs/spec/envelope-v1.md §9).</summary>
public enum OpenStatus
{
    Success,
    HeaderFailure,
    NoMatchingKey,
    MacFailure,
    PayloadFailure,
}

/// <summary>
/// The result of opening an envelope. Every failure looks alike to whoever sent it; <see cref="Detail"/> names
/// the rule that fired, for the console's own log only.
/// </summary>
public sealed record OpenResult(OpenStatus Status, EnvelopeManifest? Manifest, ReadOnlyMemory<byte> BundleHash, ReadOnlyMemory<byte> Nonce, string Detail)
{
    [MemberNotNullWhen(true, nameof(Manifest))]
    public bool IsSuccess => Status == OpenStatus.Success && Manifest is not null;

    internal static OpenResult Fail(OpenStatus status, string detail, EnvelopeHeader? header = null) =>
        new(status, null, header?.BundleHash.ToArray() ?? default, header?.Nonce.ToArray() ?? default, detail);
}

/// <summary>
/// Receives what an envelope releases, chunk by chunk. Everything is provisional until
/// <see cref="EnvelopeOpener.Open"/> returns success (§2.5): discard it on failure.
/// </summary>
public abstract class EnvelopeSink
{
    public virtual void OnManifest(EnvelopeManifest manifest) { }

    public abstract void OnAttachmentData(int index, ReadOnlySpan<byte> data);
}

/// <summary>Keeps attachments in memory: for replies and tests, not for witness uploads.</summary>
public sealed class MemoryEnvelopeSink : EnvelopeSink
{
    private readonly List<MemoryStream> _attachments = [];

    public IReadOnlyList<byte[]> Attachments => _attachments.Select(a => a.ToArray()).ToList();

    public override void OnManifest(EnvelopeManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        _attachments.Clear();
        _attachments.AddRange(manifest.Attachments.Select(_ => new MemoryStream()));
    }

    public override void OnAttachmentData(int index, ReadOnlySpan<byte> data) => _attachments[index].Write(data);
}

/// <summary>Opens envelope v1 with one or more X25519 secret keys, streaming (docs/spec/envelope-v1.md §2, §3, §9).</summary>
public static class EnvelopeOpener
{
    public static OpenResult Open(Stream envelope, IReadOnlyList<X25519SecretKey> keys, EnvelopeSink? sink = null, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(keys);
        try
        {
            return OpenCore(envelope, keys, sink ?? new DiscardSink(), progress);
        }
        catch (IOException)
        {
            return OpenResult.Fail(OpenStatus.PayloadFailure, "read error");
        }
    }

    private static OpenResult OpenCore(Stream envelope, IReadOnlyList<X25519SecretKey> keys, EnvelopeSink sink, IProgress<long>? progress)
    {
        if (!EnvelopeHeader.TryRead(envelope, out var header))
        {
            return OpenResult.Fail(OpenStatus.HeaderFailure, "header shape (rules 1-6)");
        }

        var fileKey = FindFileKey(header, keys);
        if (fileKey is null)
        {
            return OpenResult.Fail(OpenStatus.NoMatchingKey, "no stanza opened (rule 7)", header);
        }

        byte[]? payloadKey = null;
        try
        {
            var expectedMac = EnvelopeFormat.ComputeHeaderMac(fileKey, header.AuthenticatedBytes);
            if (!CryptographicOperations.FixedTimeEquals(expectedMac, header.HeaderMac))
            {
                return OpenResult.Fail(OpenStatus.MacFailure, "header MAC (rule 8)", header);
            }

            payloadKey = EnvelopeFormat.DerivePayloadKey(fileKey, header.Nonce);
            var payload = new PayloadReader(sink);
            var failure = ReadChunks(envelope, payloadKey, header.HeaderMac.ToArray(), payload, progress, header.Length);
            return failure is null
                ? new OpenResult(OpenStatus.Success, payload.Manifest, header.BundleHash.ToArray(), header.Nonce.ToArray(), "")
                : OpenResult.Fail(OpenStatus.PayloadFailure, failure, header);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
            if (payloadKey is not null)
            {
                CryptographicOperations.ZeroMemory(payloadKey);
            }
        }
    }

    private static byte[]? FindFileKey(EnvelopeHeader header, IReadOnlyList<X25519SecretKey> keys)
    {
        for (var i = 0; i < header.RecipientCount; i++)
        {
            foreach (var key in keys)
            {
                if (key.TryOpenStanza(header.Stanza(i)) is { Length: EnvelopeFormat.FileKeyLength } fileKey)
                {
                    return fileKey;
                }
            }
        }

        return null;
    }

    /// <summary>Reads sealed chunks with one byte of look-ahead to learn which is last (§2.4). Null on success.</summary>
    private static string? ReadChunks(Stream input, byte[] payloadKey, byte[] headerMac, PayloadReader payload, IProgress<long>? progress, long consumed)
    {
        var buffer = new byte[EnvelopeFormat.SealedChunkLength];
        var lookAhead = -1;
        for (ulong index = 0; ; index++)
        {
            var length = 0;
            if (lookAhead >= 0)
            {
                buffer[0] = (byte)lookAhead;
                length = 1;
            }

            length += input.ReadAtLeast(buffer.AsSpan(length), buffer.Length - length, throwOnEndOfStream: false);
            if (length == 0)
            {
                return "no payload (rule 9)";
            }

            var isFinal = length < buffer.Length || (lookAhead = input.ReadByte()) == -1;
            if (length <= Primitives.AeadTagLength)
            {
                return "short chunk (rule 11)";
            }

            byte[] plaintext;
            try
            {
                plaintext = SecretAeadXChaCha20Poly1305.Decrypt(buffer[..length], EnvelopeFormat.ChunkNonce(index, isFinal), payloadKey, headerMac);
            }
            catch (CryptographicException)
            {
                return $"chunk {index} does not authenticate (rules 10-12)";
            }

            var error = payload.Feed(plaintext);
            CryptographicOperations.ZeroMemory(plaintext);
            if (error is not null)
            {
                return error;
            }

            consumed += length;
            progress?.Report(consumed);
            if (isFinal)
            {
                return payload.Finish();
            }
        }
    }

    private sealed class DiscardSink : EnvelopeSink
    {
        public override void OnAttachmentData(int index, ReadOnlySpan<byte> data) { }
    }

    /// <summary>Walks the plaintext: length prefix, manifest, attachments, zero padding (§3, rules 13–17).</summary>
    private sealed class PayloadReader(EnvelopeSink sink)
    {
        private readonly byte[] _prefix = new byte[4];
        private byte[]? _manifestBytes;
        private int _filled;
        private int _attachment;
        private long _attachmentRemaining;
        private long _total;
        private long _expectedTotal = long.MaxValue;

        public EnvelopeManifest? Manifest { get; private set; }

        public string? Feed(ReadOnlySpan<byte> data)
        {
            _total += data.Length;
            if (_total > _expectedTotal)
            {
                return "payload longer than pad(L) (rule 16)";
            }

            while (!data.IsEmpty)
            {
                var error = Manifest is null ? FeedHead(ref data) : FeedBody(ref data);
                if (error is not null)
                {
                    return error;
                }
            }

            return null;
        }

        public string? Finish() =>
            Manifest is null ? "payload ends inside the manifest (rule 13)"
            : _attachment < Manifest.Attachments.Count ? "attachments exceed the payload (rule 15)"
            : _total != _expectedTotal ? "payload length is not pad(L) (rule 16)"
            : null;

        private string? FeedHead(ref ReadOnlySpan<byte> data)
        {
            if (_manifestBytes is null)
            {
                var take = Math.Min(4 - _filled, data.Length);
                data[..take].CopyTo(_prefix.AsSpan(_filled));
                _filled += take;
                data = data[take..];
                if (_filled < 4)
                {
                    return null;
                }

                var length = BinaryPrimitives.ReadUInt32BigEndian(_prefix);
                if (length is < EnvelopeManifest.MinLength or > EnvelopeManifest.MaxLength)
                {
                    return "manifest length out of range (rule 13)";
                }

                _manifestBytes = new byte[length];
                _filled = 0;
            }

            var part = Math.Min(_manifestBytes.Length - _filled, data.Length);
            data[..part].CopyTo(_manifestBytes.AsSpan(_filled));
            _filled += part;
            data = data[part..];
            if (_filled < _manifestBytes.Length)
            {
                return null;
            }

            if (!EnvelopeManifest.TryParse(_manifestBytes, out var manifest))
            {
                return "manifest breaks §3.2 (rule 14)";
            }

            Manifest = manifest;
            _expectedTotal = Padding.Pad(manifest.ContentLength);
            if (_total > _expectedTotal)
            {
                return "payload longer than pad(L) (rule 16)";
            }

            sink.OnManifest(manifest);
            _attachment = -1;
            NextAttachment();
            return null;
        }

        private string? FeedBody(ref ReadOnlySpan<byte> data)
        {
            if (_attachment < Manifest!.Attachments.Count)
            {
                var take = (int)Math.Min(_attachmentRemaining, data.Length);
                sink.OnAttachmentData(_attachment, data[..take]);
                _attachmentRemaining -= take;
                data = data[take..];
                if (_attachmentRemaining == 0)
                {
                    NextAttachment();
                }

                return null;
            }

            var nonZero = data.IndexOfAnyExcept((byte)0) >= 0;
            data = [];
            return nonZero ? "non-zero padding (rule 17)" : null;
        }

        private void NextAttachment()
        {
            // Skip empty attachments so a zero-size one never waits for bytes.
            do
            {
                _attachment++;
                _attachmentRemaining = _attachment < Manifest!.Attachments.Count ? Manifest.Attachments[_attachment].Size : 0;
            }
            while (_attachment < Manifest.Attachments.Count && _attachmentRemaining == 0);
        }
    }
}
