using System.Buffers.Binary;
using System.Security.Cryptography;
using SafeIntake.Crypto;
using Sodium;

namespace SafeIntake.Review.Console.Transfer;

/// <summary>Why a whole export bundle was refused (docs/spec/export-bundle-v1.md §2, "a reader MUST reject").</summary>
public enum ExportFailure
{
    None,
    NotABundle,
    Truncated,
    WrongServerKey,
    Signature,
    Malformed,
    NonContiguous,
    TrailingData,
    Reordered,
    Unreadable,
}

/// <summary>The outcome of <see cref="ExportBundle.Verify"/>: the bundle, or why it was refused and (for gaps) which numbers.</summary>
public sealed record ExportVerification(ExportFailure Failure, string Message, ExportBundle? Bundle, IReadOnlyList<long> Sequences)
{
    public bool IsValid => Failure == ExportFailure.None && Bundle is not null;

    internal static ExportVerification Refuse(ExportFailure failure, string message, IReadOnlyList<long>? sequences = null) =>
        new(failure, message, null, sequences ?? []);
}

/// <summary>One included envelope and where its bytes are in the file.</summary>
public sealed record ExportEntry(ExportItem Item, long Offset);

/// <summary>
/// An export bundle file whose structure has been verified: magic, manifest length, the server's signature under the
/// pinned key, the manifest's shape, contiguous sequence numbers, exact length (no truncation, no trailing data),
/// and every item hashed once. Verification needs no secret, so <c>fetch</c> runs it on the online machine too.
/// </summary>
public sealed class ExportBundle
{
    public const int MagicLength = 8;
    public const int MaxManifestLength = 64 * 1024 * 1024;
    public static ReadOnlySpan<byte> Magic => "SIExprt1"u8;

    private ExportBundle(string path, ExportManifest manifest, IReadOnlyList<ExportEntry> entries, IReadOnlySet<string> mismatched)
    {
        Path = path;
        Manifest = manifest;
        Entries = entries;
        HashMismatches = mismatched;
    }

    public string Path { get; }

    public ExportManifest Manifest { get; }

    public IReadOnlyList<ExportEntry> Entries { get; }

    /// <summary>Ids of items whose bytes do not hash to the manifest's hash: they are quarantined, never opened.</summary>
    public IReadOnlySet<string> HashMismatches { get; }

    public long ItemBytes => Entries.Sum(e => e.Item.Size);

    /// <summary>Verifies the bundle at <paramref name="path"/>; <paramref name="progress"/> gets the bytes hashed so far.</summary>
    public static ExportVerification Verify(string path, Ed25519PublicKey pinnedServerKey, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(pinnedServerKey);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return VerifyCore(path, file, pinnedServerKey, progress);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ExportVerification.Refuse(ExportFailure.Unreadable, $"{path} cannot be read: {FileErrors.Describe(e)}");
        }
    }

    /// <summary>A read-only stream over one item's bytes in <paramref name="file"/>.</summary>
    public static Stream OpenItem(FileStream file, ExportEntry entry)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(entry);
        file.Position = entry.Offset;
        return new BoundedReadStream(file, entry.Item.Size);
    }

    private static ExportVerification VerifyCore(string path, FileStream file, Ed25519PublicKey pinned, IProgress<long>? progress)
    {
        Span<byte> head = stackalloc byte[MagicLength + 4];
        if (file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length || !head[..MagicLength].SequenceEqual(Magic))
        {
            return ExportVerification.Refuse(ExportFailure.NotABundle, "This is not a SafeIntake export bundle (wrong magic).");
        }

        var manifestLength = BinaryPrimitives.ReadUInt32BigEndian(head[MagicLength..]);
        if (manifestLength is < 2 or > MaxManifestLength)
        {
            return ExportVerification.Refuse(ExportFailure.Malformed, "The manifest length is out of range.");
        }

        if (file.Length < head.Length + manifestLength + Signatures.Length)
        {
            return ExportVerification.Refuse(ExportFailure.Truncated, "The file ends before the manifest and its signature do: it is truncated.");
        }

        var manifestBytes = new byte[manifestLength];
        var signature = new byte[Signatures.Length];
        file.ReadExactly(manifestBytes);
        file.ReadExactly(signature);

        if (!Signatures.VerifyExport(pinned, manifestBytes, signature))
        {
            // A manifest naming another server explains the failure better than "bad signature" alone.
            return ExportManifest.TryParse(manifestBytes, out var claimed, out _) && !claimed.Server.Equals(pinned)
                ? ExportVerification.Refuse(ExportFailure.WrongServerKey,
                    $"The bundle was signed by server key {claimed.Server.Fingerprint}, not the pinned key {pinned.Fingerprint}.")
                : ExportVerification.Refuse(ExportFailure.Signature, "The server's signature does not verify under the pinned key: the bundle was altered.");
        }

        if (!ExportManifest.TryParse(manifestBytes, out var manifest, out var problem))
        {
            return ExportVerification.Refuse(ExportFailure.Malformed, $"The signed manifest is malformed: {problem}.");
        }

        if (!manifest.Server.Equals(pinned))
        {
            return ExportVerification.Refuse(ExportFailure.WrongServerKey, "The manifest names another server key than the pinned one.");
        }

        if (manifest.ContiguityProblems() is { Count: > 0 } gaps)
        {
            return ExportVerification.Refuse(ExportFailure.NonContiguous,
                $"The sequence numbers {manifest.From}–{manifest.To} are not contiguous; missing or out of place: {Ranges.Format(gaps)}.", gaps);
        }

        var offset = head.Length + manifestLength + Signatures.Length;
        var entries = new List<ExportEntry>();
        foreach (var item in manifest.Included)
        {
            // Sizes are at most 2^53 each and the offset stays at most the file's length, so the sum cannot overflow.
            if (offset > file.Length)
            {
                break;
            }

            entries.Add(new ExportEntry(item, offset));
            offset += item.Size;
        }

        if (file.Length < offset)
        {
            return ExportVerification.Refuse(ExportFailure.Truncated, $"The file is {offset - file.Length} bytes shorter than its manifest says: it is truncated.");
        }

        if (file.Length > offset)
        {
            return ExportVerification.Refuse(ExportFailure.TrailingData, $"{file.Length - offset} bytes follow the last item: data was appended.");
        }

        return HashItems(path, file, manifest, entries, progress);
    }

    private static ExportVerification HashItems(string path, FileStream file, ExportManifest manifest, List<ExportEntry> entries, IProgress<long>? progress)
    {
        // One hash may be listed twice (a witness uploaded the same bytes twice); the first sequence stands for it.
        var byHash = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            byHash.TryAdd(Convert.ToHexStringLower(e.Item.Hash), e.Item.Sequence);
        }

        var mismatched = new HashSet<string>(StringComparer.Ordinal);
        long done = 0;
        var buffer = new byte[1 << 20];
        foreach (var entry in entries)
        {
            using var item = OpenItem(file, entry);
            var hash = Hash(item, buffer);
            if (!CryptographicOperations.FixedTimeEquals(hash, entry.Item.Hash))
            {
                // The bytes of another listed item in this place: the items were reordered, which only tampering does.
                if (byHash.TryGetValue(Convert.ToHexStringLower(hash), out var other))
                {
                    return ExportVerification.Refuse(ExportFailure.Reordered,
                        $"Item {entry.Item.Sequence} holds the bytes of item {other}: the items were reordered.", [entry.Item.Sequence, other]);
                }

                mismatched.Add(entry.Item.Id);
            }

            done += entry.Item.Size;
            progress?.Report(done);
        }

        return new ExportVerification(ExportFailure.None, "", new ExportBundle(path, manifest, entries, mismatched), []);
    }

    /// <summary>BLAKE2b-256 of a stream, as the manifest's <c>hash</c> (envelope_hash of envelope-v1.md §7.2).</summary>
    public static byte[] Hash(Stream stream) => Hash(stream, new byte[1 << 16]);

    private static byte[] Hash(Stream stream, byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var algorithm = new GenericHash.GenericHashAlgorithm((byte[]?)null, 32);
        int read;
        while ((read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
        {
            algorithm.TransformBlock(buffer, 0, read, null, 0);
        }

        algorithm.TransformFinalBlock([], 0, 0);
        return algorithm.Hash!;
    }
}

/// <summary>Reads at most a given number of bytes from the current position of an inner stream, which it does not own.</summary>
public sealed class BoundedReadStream(Stream inner, long length) : Stream
{
    private readonly long _length = length;
    private long _remaining = length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _length - _remaining;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_remaining <= 0)
        {
            return 0;
        }

        var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        _remaining -= read;
        return read;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Hashes (BLAKE2b-256) everything read through it.</summary>
public sealed class HashingReadStream(Stream inner) : Stream
{
    private readonly GenericHash.GenericHashAlgorithm _hash = new((byte[]?)null, 32);
    private byte[]? _result;
    private byte[] _scratch = [];

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    /// <summary>The hash of what was read; call once, after the last read.</summary>
    public byte[] Finish()
    {
        if (_result is null)
        {
            _hash.TransformFinalBlock([], 0, 0);
            _result = _hash.Hash!;
        }

        return _result;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        if (read > 0)
        {
            _hash.TransformBlock(buffer, offset, read, null, 0);
        }

        return read;
    }

    public override int Read(Span<byte> buffer)
    {
        // Ciphertext only passes through here, so one reused scratch buffer needs no zeroing.
        if (_scratch.Length < buffer.Length)
        {
            _scratch = new byte[buffer.Length];
        }

        var read = Read(_scratch, 0, buffer.Length);
        _scratch.AsSpan(0, read).CopyTo(buffer);
        return read;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Sequence numbers for people: "3, 7–9, 12".</summary>
public static class Ranges
{
    public static string Format(IEnumerable<long> numbers)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        var sorted = numbers.Distinct().Order().ToList();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            parts.Add(i == j ? $"{sorted[i]}" : $"{sorted[i]}–{sorted[j]}");
            i = j + 1;
        }

        return string.Join(", ", parts);
    }
}
