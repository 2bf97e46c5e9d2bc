using System.Security.Cryptography;
using SafeIntake.Review.Console;
using SafeIntake.Review.Console.Attachments;

namespace SafeIntake.Review.Console.Tests.Attachments;

public sealed class MetadataReportTests
{
    private static MetadataFindings Read(byte[] bytes) => MetadataReport.Read(new MemoryStream(bytes));

    private static string Value(MetadataFindings findings, string group, string nameContains) =>
        findings.Findings.First(f => f.Group == group && f.Name.Contains(nameContains, StringComparison.Ordinal)).Value;

    [Fact]
    public void Read_JpegWithExif_FindsGpsDeviceAuthorAndTimestamps()
    {
        var findings = Read(TestImages.JpegWithExif());

        Assert.Null(findings.Error);
        Assert.Equal("JPEG", findings.FileType);
        Assert.Equal("22.31925, 114.1694", Value(findings, MetadataReport.Gps, "Position"));
        Assert.Equal("N", Value(findings, MetadataReport.Gps, "GPS Latitude Ref"));
        Assert.Contains(findings.Findings, f => f is { Group: MetadataReport.Gps, Name: "GPS Latitude" } && f.Value.StartsWith("22°", StringComparison.Ordinal));
        Assert.Contains(findings.Findings, f => f is { Group: MetadataReport.Gps, Name: "GPS Longitude" } && f.Value.StartsWith("114°", StringComparison.Ordinal));
        Assert.Equal("Canon", Value(findings, MetadataReport.Device, "Make"));
        Assert.Equal("Canon EOS R5", Value(findings, MetadataReport.Device, "Model"));
        Assert.Equal("012345678901", Value(findings, MetadataReport.Device, "Serial"));
        Assert.Equal("Jane Witness", Value(findings, MetadataReport.Author, "Artist"));
        Assert.Equal("2026:11:20 14:31:07", Value(findings, MetadataReport.Timestamps, "Date/Time Original"));
        Assert.DoesNotContain(findings.Findings, f => f.Group == MetadataReport.Other);
    }

    [Fact]
    public void Read_JpegWithThumbnail_ReportsTheThumbnail()
    {
        var findings = Read(TestImages.JpegWithExif(thumbnail: true));

        Assert.Contains(findings.Findings, f => f.Group == MetadataReport.Other && f.Name == "Thumbnail");
    }

    [Fact]
    public void Read_JpegWithoutMetadata_FindsNothing()
    {
        var findings = Read(TestImages.MinimalJpeg());

        Assert.Null(findings.Error);
        Assert.Equal("JPEG", findings.FileType);
        Assert.Empty(findings.Findings);
    }

    [Fact]
    public void Read_PngWithTextChunks_FindsAuthorAndOthers()
    {
        var findings = Read(TestImages.PngWithText(("Author", "Jane Witness"), ("Creation Time", "2026-11-20"), ("Comment", "taken at the gate")));

        Assert.Null(findings.Error);
        Assert.Equal("PNG", findings.FileType);
        Assert.Equal("Jane Witness", Value(findings, MetadataReport.Author, "Author"));
        Assert.Equal("2026-11-20", Value(findings, MetadataReport.Timestamps, "Creation Time"));
        Assert.Equal("taken at the gate", Value(findings, MetadataReport.Other, "Comment"));
    }

    [Fact]
    public void Read_ValuesWithTerminalEscapesAndBidi_AreStripped()
    {
        var findings = Read(TestImages.JpegWithExif(artist: "\u001b[2J\u001b]0;pwned\u0007Jane\u202Eenaj\u009b31m\r\nWitness"));

        var artist = Value(findings, MetadataReport.Author, "Artist");
        Assert.Equal("[2J ]0;pwned Janeenaj 31m Witness", artist);
        Assert.All(findings.Findings, f => Assert.DoesNotContain(f.Value + f.Name, c => char.IsControl(c) || c is '\u202E'));
    }

    [Fact]
    public void Read_LongValue_IsCutTo200Characters()
    {
        var findings = Read(TestImages.JpegWithExif(artist: new string('A', 5000)));

        var artist = Value(findings, MetadataReport.Author, "Artist");
        Assert.Equal(MetadataReport.MaxValueLength + 1, artist.Length);
        Assert.EndsWith("A…", artist, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GarbageBytes_ReturnsAnErrorNotAnException()
    {
        var findings = Read(RandomNumberGenerator.GetBytes(4096));

        Assert.Equal(MetadataReport.Unreadable, findings.Error);
        Assert.Null(findings.FileType);
        Assert.Empty(findings.Findings);
    }

    [Fact]
    public void Read_EmptyFile_ReturnsAnError()
    {
        Assert.Equal(MetadataReport.Unreadable, Read([]).Error);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(30)]
    [InlineData(100)]
    [InlineData(160)]
    public void Read_TruncatedJpeg_ReturnsAnErrorNotAnException(int length)
    {
        var jpeg = TestImages.JpegWithExif();
        Assert.True(length < jpeg.Length - 20);

        var findings = Read(jpeg[..length]);

        Assert.NotNull(findings.Error);
    }

    [Fact]
    public void Read_ExifPointingOutsideTheSegment_DoesNotThrow()
    {
        // IFD0 claims 65535 entries and a GPS IFD at offset 0xFFFFFFF0.
        byte[] tiff = [(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0xFF, 0xFF, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xF0];

        var findings = Read(TestImages.Jpeg(tiff));

        Assert.NotNull(findings.Error);
    }

    [Fact]
    public void Read_RandomDamageToARealJpeg_NeverThrows()
    {
        var jpeg = TestImages.JpegWithExif(thumbnail: true);
        for (var i = 0; i < 300; i++)
        {
            var copy = jpeg.ToArray();
            var position = RandomNumberGenerator.GetInt32(2, copy.Length);
            copy[position] = (byte)RandomNumberGenerator.GetInt32(256);

            var findings = Read(copy);

            Assert.All(findings.Findings, f => Assert.DoesNotContain(f.Value, char.IsControl));
        }
    }

    /// <summary>
    /// A JPEG that never ends, served slowly: one comment segment after another, a few hundred bytes per read, as a
    /// parser led through a crafted file would go on reading. It counts reads, and whether two ever overlapped.
    /// </summary>
    private sealed class EndlessJpeg(bool slow = true) : Stream
    {
        private const int Segment = 2 + 65535;
        private int inside;

        public int Reads;
        public bool Overlapped;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => long.MaxValue;
        public override long Position { get; set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Overlapped |= Interlocked.Increment(ref inside) > 1;
            Interlocked.Increment(ref Reads);
            if (slow)
            {
                Thread.Sleep(1);
            }

            var n = slow ? Math.Min(count, 256) : count;
            for (var i = 0; i < n; i++, Position++)
            {
                buffer[offset + i] = Position switch
                {
                    0 => 0xFF,
                    1 => 0xD8,
                    _ => ((Position - 2) % Segment) switch { 0 => 0xFF, 1 => 0xFE, 2 or 3 => 0xFF, _ => (byte)'A' },
                };
            }

            Interlocked.Decrement(ref inside);
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) =>
            Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => Position + offset, _ => throw new NotSupportedException() };

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void Read_WithBudget_AFileThatNeverEnds_GivesUpWithinTheBudgetAndSaysSo()
    {
        var budget = TimeSpan.FromMilliseconds(500);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var findings = MetadataReport.Read(new EndlessJpeg(), budget);

        Assert.InRange(clock.Elapsed, budget, budget + TimeSpan.FromSeconds(3));
        Assert.Equal("metadata could not be read within 0.5 s; the file may carry metadata", findings.Error);
        Assert.Empty(findings.Findings);
        Assert.Null(findings.FileType);
    }

    [Fact]
    public void Read_WithBudget_PastTheBudget_TheAbandonedReadNeverTouchesTheStreamAgain()
    {
        // A vault stream decrypts through the vault's one database connection: the caller goes on using the vault the
        // moment Read returns, so a read still running behind it would race the connection.
        var stream = new EndlessJpeg();

        MetadataReport.Read(stream, TimeSpan.FromMilliseconds(300));
        var reads = stream.Reads;
        Thread.Sleep(400);

        Assert.True(reads > 10, $"the reader should have been reading ({reads} reads)");
        Assert.Equal(reads, stream.Reads);
        Assert.False(stream.Overlapped);
    }

    [Fact]
    public void Read_WithBudget_AParserThatHoardsWhatItReads_IsStoppedAtTheMemoryBudget()
    {
        // Every comment segment is kept by the parser: read fast, the endless JPEG would take gigabytes within 10 s.
        var stream = new EndlessJpeg(slow: false);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var findings = MetadataReport.Read(stream, TimeSpan.FromSeconds(30), memoryBudget: 16L << 20);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"stopped by the clock, not the memory budget ({clock.Elapsed})");
        Assert.Equal("metadata could not be read within 16 MiB of memory; the file may carry metadata", findings.Error);
        Assert.InRange(stream.Position, 4L << 20, 64L << 20); // read a while, stopped near the budget
        Assert.Empty(findings.Findings);
    }

    [Fact]
    public void Read_WithBudget_AnOrdinaryFile_ReadsAsWithout()
    {
        var findings = MetadataReport.Read(new MemoryStream(TestImages.JpegWithExif()), MetadataReport.Budget);

        Assert.Null(findings.Error);
        Assert.Equal("JPEG", findings.FileType);
        Assert.Equal("Canon", Value(findings, MetadataReport.Device, "Make"));
    }

    [Fact]
    public void Within_AFailureInsideTheBudget_ReachesTheCaller()
    {
        // A damaged vault copy (CommandFailedException from VaultAttachmentStream) must still stop the command.
        var e = Assert.Throws<CommandFailedException>(() => MetadataReport.Within(() => throw new CommandFailedException("vault damaged"), TimeSpan.FromSeconds(5)));

        Assert.Equal("vault damaged", e.Message);
    }
}
