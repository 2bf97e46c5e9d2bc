using System.Diagnostics;
using System.IO.Pipelines;
using SafeIntake.Crypto;

namespace SafeIntake.StreamProbe;

/// <summary>
/// Seals an attachment of N pseudo-random bytes to a fresh key and opens it again through a 1 MiB pipe,
/// hashing both sides. Prints: size, peak RSS in bytes (VmHWM), whether the hashes match, seconds.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var size = args.Length > 0 ? long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1L << 30;
        using var reader = X25519SecretKey.Generate();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        var clock = Stopwatch.StartNew();

        var source = new PatternStream(size);
        var seal = Task.Run(() =>
        {
            using var output = pipe.Writer.AsStream();
            EnvelopeSealer.Seal(new SealRequest
            {
                Recipients = [reader.PublicKey],
                BundleHash = new byte[32],
                Kind = "report",
                Attachments = [new SealAttachment("big.bin", "application/octet-stream", size, source)],
            }, output);
        });

        var sink = new HashingSink();
        var open = Task.Run(() =>
        {
            using var input = pipe.Reader.AsStream();
            return EnvelopeOpener.Open(input, [reader], sink);
        });

        await seal;
        var result = await open;
        var matches = result.IsSuccess && sink.Hash().AsSpan().SequenceEqual(source.Hash());
        Console.WriteLine($"size={size} peak_rss={PeakRss()} ok={matches} seconds={clock.Elapsed.TotalSeconds:F1}");
        return matches ? 0 : 1;
    }

    private static long PeakRss()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    private sealed class HashingSink : EnvelopeSink
    {
        private readonly System.Security.Cryptography.IncrementalHash _hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);

        public override void OnAttachmentData(int index, ReadOnlySpan<byte> data) => _hash.AppendData(data);

        public byte[] Hash() => _hash.GetHashAndReset();
    }

    /// <summary>A read-only stream of deterministic bytes that hashes what it hands out.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private readonly System.Security.Cryptography.IncrementalHash _hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public byte[] Hash() => _hash.GetHashAndReset();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = unchecked((byte)((_position + i) * 2654435761L >> 13));
            }

            _hash.AppendData(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
