using System.Buffers.Binary;
using System.Text;
using Microsoft.Playwright;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// A real JPEG (drawn on a canvas by Chromium itself) and an Exif APP1 segment like a phone's: a GPS IFD with a
/// latitude and longitude, an ImageDescription and a UserComment carrying a canary.
/// </summary>
public static class TestPhoto
{
    /// <summary>22° 17′ 15.26598669″ N: rationals whose 24 big-endian bytes occur nowhere by chance.</summary>
    public static byte[] Latitude { get; } = Rationals((22, 1), (17, 1), (0x5AFE0C0D, 100_000_000));

    /// <summary>114° 10′ 19.5936478″ E.</summary>
    public static byte[] Longitude { get; } = Rationals((114, 1), (10, 1), (0x0BADC0DE, 10_000_000));

    /// <summary>A 480×320 JPEG rendered by the browser (canvas.toDataURL), with no metadata of its own.</summary>
    public static async Task<byte[]> RenderJpegAsync(IBrowser browser)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var context = await browser.NewContextAsync();
        try
        {
            var page = await context.NewPageAsync();
            var dataUrl = await page.EvaluateAsync<string>("""
                () => {
                  const c = document.createElement('canvas');
                  c.width = 480; c.height = 320;
                  const g = c.getContext('2d');
                  const sky = g.createLinearGradient(0, 0, 0, 320);
                  sky.addColorStop(0, '#1d4e89'); sky.addColorStop(1, '#f4a259');
                  g.fillStyle = sky; g.fillRect(0, 0, 480, 320);
                  g.fillStyle = '#2b2d42'; g.fillRect(40, 180, 120, 140); g.fillRect(200, 120, 90, 200); g.fillRect(330, 200, 110, 120);
                  g.fillStyle = '#ffd166';
                  for (let i = 0; i < 24; i++) g.fillRect(55 + (i % 4) * 25, 195 + Math.floor(i / 4) * 20, 12, 10);
                  g.fillStyle = '#ffffff'; g.font = '28px sans-serif'; g.fillText('SafeIntake test photo', 20, 50);
                  return c.toDataURL('image/jpeg', 0.9);
                }
                """);
            const string prefix = "data:image/jpeg;base64,";
            Assert.StartsWith(prefix, dataUrl, StringComparison.Ordinal);
            var jpeg = Convert.FromBase64String(dataUrl[prefix.Length..]);
            Assert.True(jpeg is [0xFF, 0xD8, 0xFF, ..], "canvas.toDataURL did not produce a JPEG.");
            return jpeg;
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    /// <summary>
    /// <paramref name="jpeg"/> with <paramref name="app1"/> inserted after the JFIF APP0 segment (or after SOI when
    /// there is none), as a camera app that keeps JFIF writes it.
    /// </summary>
    public static byte[] InsertSegment(byte[] jpeg, byte[] app1)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        ArgumentNullException.ThrowIfNull(app1);
        var at = 2;
        if (jpeg is [0xFF, 0xD8, 0xFF, 0xE0, ..])
        {
            at = 4 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(4));
        }

        return [.. jpeg.AsSpan(0, at), .. app1, .. jpeg.AsSpan(at)];
    }

    /// <summary>An APP1 "Exif" segment: IFD0 (ImageDescription, Exif and GPS pointers), the Exif IFD (UserComment), the GPS IFD.</summary>
    public static byte[] ExifApp1(string canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        var description = Encoding.UTF8.GetBytes(canary + "\0");
        byte[] comment = [.. "ASCII\0\0\0"u8, .. Encoding.ASCII.GetBytes(AsciiOnly(canary))];

        const int ifd0 = 8;
        const int ifd0Entries = 3;
        const int exifIfd = ifd0 + 2 + (12 * ifd0Entries) + 4;
        const int exifEntries = 1;
        const int gpsIfd = exifIfd + 2 + (12 * exifEntries) + 4;
        const int gpsEntries = 5;
        const int data = gpsIfd + 2 + (12 * gpsEntries) + 4;
        var descriptionAt = data;
        var commentAt = Even(descriptionAt + description.Length);
        var latitudeAt = Even(commentAt + comment.Length);
        var longitudeAt = latitudeAt + Latitude.Length;
        var tiff = new byte[longitudeAt + Longitude.Length];

        "MM\0*"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), ifd0);

        var w = new IfdWriter(tiff, ifd0, ifd0Entries);
        w.Entry(0x010E, 2, (uint)description.Length, (uint)descriptionAt); // ImageDescription, ASCII
        w.Entry(0x8769, 4, 1, exifIfd);                                    // ExifIFDPointer
        w.Entry(0x8825, 4, 1, gpsIfd);                                     // GPSInfoIFDPointer

        w = new IfdWriter(tiff, exifIfd, exifEntries);
        w.Entry(0x9286, 7, (uint)comment.Length, (uint)commentAt);         // UserComment, UNDEFINED

        w = new IfdWriter(tiff, gpsIfd, gpsEntries);
        w.Entry(0x0000, 1, 4, 0x02030000);                                 // GPSVersionID 2.3.0.0
        w.Entry(0x0001, 2, 2, 0x4E000000);                                 // GPSLatitudeRef "N"
        w.Entry(0x0002, 5, 3, (uint)latitudeAt);                           // GPSLatitude, 3 RATIONAL
        w.Entry(0x0003, 2, 2, 0x45000000);                                 // GPSLongitudeRef "E"
        w.Entry(0x0004, 5, 3, (uint)longitudeAt);                          // GPSLongitude, 3 RATIONAL

        description.CopyTo(tiff, descriptionAt);
        comment.CopyTo(tiff, commentAt);
        Latitude.CopyTo(tiff, latitudeAt);
        Longitude.CopyTo(tiff, longitudeAt);

        var segment = new byte[4 + 6 + tiff.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), checked((ushort)(segment.Length - 2)));
        "Exif\0\0"u8.CopyTo(segment.AsSpan(4));
        tiff.CopyTo(segment, 10);
        return segment;
    }

    private static string AsciiOnly(string text) => new([.. text.Where(c => c is >= ' ' and <= '~')]);

    private static int Even(int n) => n + (n & 1);

    private static byte[] Rationals(params (uint Numerator, uint Denominator)[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8 * i), values[i].Numerator);
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan((8 * i) + 4), values[i].Denominator);
        }

        return bytes;
    }

    /// <summary>Writes one IFD's entries (big-endian); the next-IFD offset stays 0.</summary>
    private sealed class IfdWriter
    {
        private readonly byte[] _tiff;
        private int _at;

        public IfdWriter(byte[] tiff, int offset, int count)
        {
            _tiff = tiff;
            BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(offset), (ushort)count);
            _at = offset + 2;
        }

        public void Entry(ushort tag, ushort type, uint count, uint valueOrOffset)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_tiff.AsSpan(_at), tag);
            BinaryPrimitives.WriteUInt16BigEndian(_tiff.AsSpan(_at + 2), type);
            BinaryPrimitives.WriteUInt32BigEndian(_tiff.AsSpan(_at + 4), count);
            BinaryPrimitives.WriteUInt32BigEndian(_tiff.AsSpan(_at + 8), valueOrOffset);
            _at += 12;
        }
    }
}
