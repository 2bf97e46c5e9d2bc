namespace SafeIntake.Crypto;

/// <summary>
/// Exceptions for a programmer's misuse of the API. Attacker-controlled input never reaches these: it gets a
/// result with a uniform failure instead (see <see cref="OpenStatus"/>, <see cref="BundleFailureReason"/>).
/// </summary>
internal static class Error
{
    public static ArgumentException Argument(string paramName, string message) => new(message, paramName);

    public static ArgumentException KeyLength(string paramName, int expected) =>
        new($"The key must be exactly {expected} bytes long.", paramName);

    public static ArgumentOutOfRangeException OutOfRange(string paramName, string message) => new(paramName, message);

    public static InvalidOperationException Operation(string message) => new(message);

    public static ObjectDisposedException Disposed(string typeName) => new(typeName);
}
