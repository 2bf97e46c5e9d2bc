using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Sodium;

namespace SafeIntake.Crypto;

/// <summary>An attachment to seal: its declared size must be exactly what <see cref="Content"/> yields.</summary>
public sealed record SealAttachment(string Name, string Type, long Size, Stream Content);

/// <summary>What to seal and to whom.</summary>
public sealed record SealRequest
{
    public required IReadOnlyList<X25519PublicKey> Recipients { get; init; }

    /// <summary>BLAKE2b-256 of the signed reviewer bundle the recipients came from (§4.4).</summary>
    public required ReadOnlyMemory<byte> BundleHash { get; init; }

    public required string Kind { get; init; }

    /// <summary>Application members of the manifest (form fields, language, …).</summary>
    public JsonObject? Members { get; init; }

    /// <summary>Members that must be computed from the envelope nonce, such as <c>replyTo</c> (§7.1).</summary>
    public Func<ReadOnlyMemory<byte>, JsonObject>? NonceBoundMembers { get; init; }

    public IReadOnlyList<SealAttachment> Attachments { get; init; } = [];
}

/// <summary>The envelope written: its size and header nonce.</summary>
public sealed record SealResult(long Length, ReadOnlyMemory<byte> Nonce);

/// <summary>
/// Seals a payload to a set of X25519 public keys (docs/spec/envelope-v1.md §2–3). Needs no secret and
/// streams: memory stays at one 64 KiB chunk whatever the attachments' size.
/// </summary>
public static class EnvelopeSealer
{
    public static SealResult Seal(SealRequest request, Stream output, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var fileKey = Primitives.Random(EnvelopeFormat.FileKeyLength);
        try
        {
            return Seal(request, output, fileKey, Primitives.Random(EnvelopeFormat.NonceLength), progress);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
    }

    /// <summary>Seals with a caller-chosen file key and nonce: for test vectors only.</summary>
    internal static SealResult Seal(SealRequest request, Stream output, byte[] fileKey, byte[] nonce, IProgress<long>? progress)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        Validate(request);

        var members = request.Members?.DeepClone().AsObject() ?? [];
        if (request.NonceBoundMembers is { } bound)
        {
            foreach (var (name, value) in bound(nonce))
            {
                members[name] = value?.DeepClone();
            }
        }

        var entries = request.Attachments.Select(a => new AttachmentEntry(a.Name, a.Type, a.Size)).ToList();
        var manifest = EnvelopeManifest.Build(request.Kind, members, entries);
        var contentLength = 4L + manifest.Length + entries.Sum(e => e.Size);
        var payloadLength = Padding.Pad(contentLength);

        var stanzas = request.Recipients.Select(r => SealedPublicKeyBox.Create(fileKey, r.ToArray())).ToArray();
        var header = BuildHeader(fileKey, nonce, request.BundleHash.Span, stanzas);
        output.Write(header);

        var payloadKey = EnvelopeFormat.DerivePayloadKey(fileKey, nonce);
        try
        {
            var chunks = new ChunkSealer(payloadKey, header.AsSpan(header.Length - EnvelopeFormat.MacLength).ToArray(), payloadLength, output, progress);
            Span<byte> prefix = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(prefix, (uint)manifest.Length);
            chunks.Write(prefix);
            chunks.Write(manifest);
            foreach (var attachment in request.Attachments)
            {
                chunks.CopyFrom(attachment.Content, attachment.Size);
            }

            chunks.WriteZeros(payloadLength - contentLength);
            chunks.Complete();
            return new SealResult(header.Length + chunks.SealedLength, nonce);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payloadKey);
        }
    }

    /// <summary>Magic, version, suite, nonce, bundle hash, count, stanzas and the keyed header MAC (§2.1–2.2).</summary>
    internal static byte[] BuildHeader(byte[] fileKey, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> bundleHash, IReadOnlyList<byte[]> stanzas,
        int? declaredCount = null, byte version = EnvelopeFormat.Version, byte suite = EnvelopeFormat.Suite)
    {
        var authenticated = Primitives.Concat([
            EnvelopeFormat.FixedHeader(nonce, bundleHash, declaredCount ?? stanzas.Count, version, suite),
            .. stanzas]);
        return Primitives.Concat(authenticated, EnvelopeFormat.ComputeHeaderMac(fileKey, authenticated));
    }

    private static void Validate(SealRequest request)
    {
        if (request.Recipients is null || request.Recipients.Count is < EnvelopeFormat.MinRecipients or > EnvelopeFormat.MaxRecipients)
        {
            throw Error.Argument(nameof(request), $"An envelope needs {EnvelopeFormat.MinRecipients} to {EnvelopeFormat.MaxRecipients} recipients.");
        }

        if (request.BundleHash.Length != EnvelopeFormat.BundleHashLength)
        {
            throw Error.Argument(nameof(request), "The bundle hash must be 32 bytes.");
        }

        if (request.Recipients.Distinct().Count() != request.Recipients.Count)
        {
            throw Error.Argument(nameof(request), "A recipient is listed twice.");
        }
    }

    /// <summary>Cuts the payload into 64 KiB chunks; the total is known up front, so is the last chunk.</summary>
    private sealed class ChunkSealer(byte[] payloadKey, byte[] headerMac, long payloadLength, Stream output, IProgress<long>? progress)
    {
        private readonly byte[] _buffer = new byte[EnvelopeFormat.ChunkLength];
        private int _buffered;
        private long _written;
        private ulong _index;

        public long SealedLength { get; private set; }

        public void Write(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                var take = Math.Min(data.Length, _buffer.Length - _buffered);
                data[..take].CopyTo(_buffer.AsSpan(_buffered));
                _buffered += take;
                data = data[take..];
                FlushIfFull();
            }
        }

        public void CopyFrom(Stream content, long size)
        {
            var remaining = size;
            while (remaining > 0)
            {
                var want = (int)Math.Min(remaining, _buffer.Length - _buffered);
                var read = content.Read(_buffer, _buffered, want);
                if (read == 0)
                {
                    throw Error.Operation("An attachment stream ended before its declared size.");
                }

                _buffered += read;
                remaining -= read;
                FlushIfFull();
            }

            if (content.CanSeek ? content.Position != content.Length : content.ReadByte() != -1)
            {
                throw Error.Operation("An attachment stream holds more than its declared size.");
            }
        }

        public void WriteZeros(long count)
        {
            while (count > 0)
            {
                var take = (int)Math.Min(count, _buffer.Length - _buffered);
                _buffer.AsSpan(_buffered, take).Clear();
                _buffered += take;
                count -= take;
                FlushIfFull();
            }
        }

        public void Complete()
        {
            if (_buffered > 0)
            {
                Flush();
            }

            if (_written != payloadLength)
            {
                throw Error.Operation("The payload did not reach its padded length.");
            }

            CryptographicOperations.ZeroMemory(_buffer);
        }

        private void FlushIfFull()
        {
            if (_buffered == _buffer.Length)
            {
                Flush();
            }
        }

        private void Flush()
        {
            var isFinal = _written + _buffered == payloadLength;
            if (_written + _buffered > payloadLength)
            {
                throw Error.Operation("The payload overran its padded length.");
            }

            var sealedChunk = EnvelopeFormat.SealChunk(payloadKey, headerMac, _index, isFinal, _buffer.AsSpan(0, _buffered));
            output.Write(sealedChunk);
            SealedLength += sealedChunk.Length;
            _written += _buffered;
            _buffered = 0;
            _index++;
            progress?.Report(_written);
        }
    }
}
