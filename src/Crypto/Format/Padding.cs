namespace SafeIntake.Crypto;

/// <summary>
/// PADMÉ padding with a minimum bucket (docs/spec/envelope-v1.md §3.1; Nikitin et al., PETS 2019): leaks
/// O(log log L) bits of a length at ≤ 12 % overhead, and every payload under 16 KiB looks the same.
/// </summary>
public static class Padding
{
    public const long MinimumBucket = 16384;

    /// <summary>The padded payload length for a content length of <paramref name="contentLength"/> bytes.</summary>
    public static long Pad(long contentLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(contentLength);
        return Padme(Math.Max(contentLength, MinimumBucket));
    }

    internal static long Padme(long length)
    {
        var e = 63 - long.LeadingZeroCount(length);        // ⌊log2 L⌋
        var s = 64 - long.LeadingZeroCount(e);             // ⌊log2 E⌋ + 1
        var z = (int)(e - s);
        var step = 1L << z;
        return checked((length + step - 1) / step * step);
    }
}
