using Microsoft.Extensions.Options;

namespace SafeIntake.Intake.Web.Security;

/// <summary>
/// Headers on every response. The page runs only its own scripts (SRI-pinned), loads nothing from any other
/// host, is never framed, sends no referrer and is never cached: a shared computer keeps no copy of it.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next, IOptions<IntakeOptions> options)
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
        "worker-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Applied as the response starts, so an error path that clears the response (the exception handler
        // does) still sends them; Kestrel's Server header goes at the same moment.
        context.Response.OnStarting(() =>
        {
            Apply(context, options.Value);
            return Task.CompletedTask;
        });
        return next(context);
    }

    private static void Apply(HttpContext context, IntakeOptions options)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Cross-Origin-Embedder-Policy"] = "require-corp";
        headers["Permissions-Policy"] = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()";
        if (options.OnionLocation is { Length: > 0 } onion && context.Request.Path.StartsWithSegments("/api") == false)
        {
            headers["Onion-Location"] = onion.TrimEnd('/') + context.Request.Path;
        }

        headers.Remove("Server");
    }
}
