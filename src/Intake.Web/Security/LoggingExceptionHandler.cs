using Microsoft.AspNetCore.Diagnostics;

namespace SafeIntake.Intake.Web.Security;

/// <summary>
/// Records that a request failed, for the administrator: the exception's type and where it was thrown, never its
/// message (which can quote input) nor anything about the request. The client gets the uniform server-error problem.
/// </summary>
public sealed partial class LoggingExceptionHandler(ILogger<LoggingExceptionHandler> log) : IExceptionHandler
{
    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var frame = new System.Diagnostics.StackTrace(exception, fNeedFileInfo: false).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("SafeIntake", StringComparison.Ordinal) == true);
        var method = frame?.GetMethod();
        LogFailed(log, exception.GetType().FullName ?? "exception", method is null ? "framework" : $"{method.DeclaringType?.Name}.{method.Name}");
        return ValueTask.FromResult(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A request failed with {Exception} in {Location}")]
    private static partial void LogFailed(ILogger logger, string exception, string location);
}
