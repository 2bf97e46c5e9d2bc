namespace SafeIntake.Crypto;

/// <summary>
/// Canonical base64 only (RFC 4648 §3.3, §3.5): no whitespace, padding present, unused bits zero. .NET's
/// decoder accepts more than the browser's, and two readers that disagree on a key or a signed body is a bug.
/// </summary>
public static class StrictBase64
{
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null || text.Length % 4 != 0)
        {
            return false;
        }

        var buffer = new byte[text.Length / 4 * 3];
        if (!Convert.TryFromBase64String(text, buffer, out var written))
        {
            return false;
        }

        bytes = buffer[..written];
        return string.Equals(Convert.ToBase64String(bytes), text, StringComparison.Ordinal);
    }
}
