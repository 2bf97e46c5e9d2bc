using System.Buffers.Binary;
using System.Text;

namespace SafeIntake.Review.Console.Tests.Attachments;

/// <summary>One TIFF IFD entry: tag, field type (1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL), count, value bytes.</summary>
public sealed record TiffEntry(ushort Tag, ushort Type, uint Count, byte[] Value)
{
    public static TiffEntry Ascii(ushort tag, string text)
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes(text), 0];
        return new(tag, 2, (uint)bytes.Length, bytes);
    }

    public static TiffEntry Bytes(ushort tag, params byte[] bytes) => new(tag, 1, (uint)bytes.Length, bytes);

    public static TiffEntry Short16(ushort tag, ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return new(tag, 3, 1, bytes);
    }

    public static TiffEntry Long32(ushort tag, uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new(tag, 4, 1, bytes);
    }

    public static TiffEntry Rationals(ushort tag, params (uint Numerator, uint Denominator)[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8 * i), values[i].Numerator);
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8 * i + 4), values[i].Denominator);
        }

        return new(tag, 5, (uint)values.Length, bytes);
    }
}

/// <summary>
/// Builds image files byte by byte, so the metadata tests need no binary fixtures: a big-endian TIFF/Exif block
/// (TIFF 6.0 §2, Exif 2.32 §4.6) inside a JPEG APP1 segment, and a PNG with text chunks (PNG spec §11.3.4).
/// </summary>
public static class TestImages
{
    public const ushort Make = 0x010F;
    public const ushort Model = 0x0110;
    public const ushort Software = 0x0131;
    public const ushort Artist = 0x013B;
    public const ushort Copyright = 0x8298;
    public const ushort ExifPointer = 0x8769;
    public const ushort GpsPointer = 0x8825;
    public const ushort DateTimeOriginal = 0x9003;
    public const ushort BodySerialNumber = 0xA431;

    /// <summary>A JPEG whose Exif says: Canon EOS R5 serial 012345678901, Artist Jane Witness, 2026-11-20 14:31:07, 22.3193 N 114.1694 E.</summary>
    public static byte[] JpegWithExif(string artist = "Jane Witness", bool thumbnail = false) => Jpeg(Tiff(
        [TiffEntry.Ascii(Make, "Canon"), TiffEntry.Ascii(Model, "Canon EOS R5"), TiffEntry.Ascii(Artist, artist)],
        [TiffEntry.Ascii(DateTimeOriginal, "2026:11:20 14:31:07"), TiffEntry.Ascii(BodySerialNumber, "012345678901")],
        [
            TiffEntry.Bytes(0x0000, 2, 3, 0, 0),
            TiffEntry.Ascii(0x0001, "N"),
            TiffEntry.Rationals(0x0002, (22, 1), (19, 1), (930, 100)),
            TiffEntry.Ascii(0x0003, "E"),
            TiffEntry.Rationals(0x0004, (114, 1), (10, 1), (984, 100)),
        ],
        thumbnail ? MinimalJpeg() : null));

    /// <summary>SOI, an APP1 "Exif" segment around <paramref name="tiff"/>, a 1×1 SOF0, EOI.</summary>
    public static byte[] Jpeg(byte[] tiff)
    {
        var app1 = new List<byte> { 0xFF, 0xE1 };
        app1.AddRange(BigEndian16(2 + 6 + tiff.Length));
        app1.AddRange("Exif\0\0"u8.ToArray());
        app1.AddRange(tiff);
        return [0xFF, 0xD8, .. app1, .. Sof0(), 0xFF, 0xD9];
    }

    public static byte[] MinimalJpeg() => [0xFF, 0xD8, .. Sof0(), 0xFF, 0xD9];

    /// <summary>"MM" TIFF: IFD0 (with pointers to the Exif and GPS IFDs), then those IFDs, then IFD1 with a thumbnail.</summary>
    public static byte[] Tiff(IReadOnlyList<TiffEntry> ifd0, IReadOnlyList<TiffEntry> exif, IReadOnlyList<TiffEntry> gps, byte[]? thumbnail)
    {
        var first = ifd0.ToList();
        if (exif.Count > 0)
        {
            first.Add(TiffEntry.Long32(ExifPointer, 0));
        }

        if (gps.Count > 0)
        {
            first.Add(TiffEntry.Long32(GpsPointer, 0));
        }

        List<TiffEntry> ifd1 = thumbnail is null ? [] : [TiffEntry.Short16(0x0103, 6), TiffEntry.Long32(0x0201, 0), TiffEntry.Long32(0x0202, (uint)thumbnail.Length)];
        const int o0 = 8;
        var oExif = o0 + Size(first);
        var oGps = oExif + Size(exif);
        var o1 = oGps + Size(gps);
        var oThumb = o1 + Size(ifd1);
        first = first.Select(e => e.Tag == ExifPointer ? TiffEntry.Long32(ExifPointer, (uint)oExif) : e.Tag == GpsPointer ? TiffEntry.Long32(GpsPointer, (uint)oGps) : e).ToList();
        ifd1 = ifd1.Select(e => e.Tag == 0x0201 ? TiffEntry.Long32(0x0201, (uint)oThumb) : e).ToList();

        var output = new List<byte> { (byte)'M', (byte)'M', 0, 42, 0, 0, 0, o0 };
        WriteIfd(output, first, o0, ifd1.Count > 0 ? o1 : 0);
        WriteIfd(output, exif, oExif, 0);
        WriteIfd(output, gps, oGps, 0);
        WriteIfd(output, ifd1, o1, 0);
        output.AddRange(thumbnail ?? []);
        return [.. output];
    }

    /// <summary>A 1×1 greyscale PNG with one tEXt chunk per pair.</summary>
    public static byte[] PngWithText(params (string Keyword, string Text)[] texts)
    {
        var output = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        Chunk(output, "IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        foreach (var (keyword, text) in texts)
        {
            Chunk(output, "tEXt", [.. Encoding.Latin1.GetBytes(keyword), 0, .. Encoding.Latin1.GetBytes(text)]);
        }

        // One zlib-deflated scanline: filter byte 0, pixel 0.
        Chunk(output, "IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);
        Chunk(output, "IEND", []);
        return [.. output];
    }

    private static int Size(IReadOnlyList<TiffEntry> entries) =>
        entries.Count == 0 ? 0 : 2 + 12 * entries.Count + 4 + entries.Where(e => e.Value.Length > 4).Sum(e => (e.Value.Length + 1) & ~1);

    private static void WriteIfd(List<byte> output, IReadOnlyList<TiffEntry> entries, int offset, int next)
    {
        if (entries.Count == 0)
        {
            return;
        }

        Assert.Equal(offset, output.Count);
        var sorted = entries.OrderBy(e => e.Tag).ToList();
        var data = new List<byte>();
        var dataOffset = offset + 2 + 12 * sorted.Count + 4;
        output.AddRange(BigEndian16(sorted.Count));
        foreach (var e in sorted)
        {
            output.AddRange(BigEndian16(e.Tag));
            output.AddRange(BigEndian16(e.Type));
            output.AddRange(BigEndian32(e.Count));
            if (e.Value.Length <= 4)
            {
                output.AddRange(e.Value);
                output.AddRange(new byte[4 - e.Value.Length]);
            }
            else
            {
                output.AddRange(BigEndian32((uint)(dataOffset + data.Count)));
                data.AddRange(e.Value);
                if (e.Value.Length % 2 == 1)
                {
                    data.Add(0);
                }
            }
        }

        output.AddRange(BigEndian32((uint)next));
        output.AddRange(data);
    }

    private static byte[] Sof0() => [0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00];

    private static void Chunk(List<byte> output, string type, byte[] data)
    {
        output.AddRange(BigEndian32((uint)data.Length));
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        output.AddRange(typed);
        output.AddRange(BigEndian32(Crc32(typed)));
    }

    /// <summary>CRC-32 (ISO 3309) as PNG §5.3 defines it, bit by bit: tests only.</summary>
    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return crc ^ 0xFFFFFFFFu;
    }

    private static byte[] BigEndian16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }

    private static byte[] BigEndian32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }
}
