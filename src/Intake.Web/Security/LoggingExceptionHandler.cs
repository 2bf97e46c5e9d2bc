using Microsoft.AspNetCore.Diagnostics;

namespace SafeIntake.Intake.Web.Security;

/// <summary>
/// The one place a failed request is answered and logged. What a client causes (a body too large, too slow or
/// malformed; a client that went away mid-body) is not an error: it gets the uniform problem and at most one debug
/// line naming the check, never an exception message (which can quote input) or a trace. Anything else is a bug on
/// our side: one error line with the exception's type, where it was thrown and its frames (method names only, no
/// message, no request data), because without the frames a programmer's bug cannot be found.
/// </summary>
public sealed partial class LoggingExceptionHandler(ILogger<LoggingExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);
        if (httpContext.RequestAborted.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            LogClientGone(log);
            return true;
        }

        if (exception is BadHttpRequestException bad)
        {
            var code = bad.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "too-large",
                StatusCodes.Status408RequestTimeout => "too-slow",
                _ => "bad-request",
            };
            LogRefused(log, code);
            await WriteAsync(httpContext, code);
            return true;
        }

        var frame = new System.Diagnostics.StackTrace(exception, fNeedFileInfo: false).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("SafeIntake", StringComparison.Ordinal) == true);
        var method = frame?.GetMethod();
        var frames = string.Join(" < ", new System.Diagnostics.StackTrace(exception, fNeedFileInfo: false).GetFrames()
            .Select(f => f.GetMethod()).OfType<System.Reflection.MethodBase>().Select(m => $"{m.DeclaringType?.Name}.{m.Name}").Take(12));
        LogFailed(log, exception.GetType().FullName ?? "exception", method is null ? "framework" : $"{method.DeclaringType?.Name}.{method.Name}", frames);
        await WriteAsync(httpContext, "server-error");
        return true;
    }

    private static Task WriteAsync(HttpContext context, string code) =>
        context.Response.HasStarted ? Task.CompletedTask : Problems.WriteAsync(context, code);

    [LoggerMessage(Level = LogLevel.Error, Message = "A request failed with {Exception} in {Location} (frames: {Frames})")]
    private static partial void LogFailed(ILogger logger, string exception, string location, string frames);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request refused: {Check}")]
    private static partial void LogRefused(ILogger logger, string check);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client went away mid-request")]
    private static partial void LogClientGone(ILogger logger);
}
