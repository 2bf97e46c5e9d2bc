// The intake server. At this stage it serves the placeholder page and the browser crypto module; the witness
// form, the upload API and storage arrive with the witness intake issue.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

app.Use(async (context, next) =>
{
    // Strict from the start: nothing from other hosts, no inline script, no referrer, no caching.
    var headers = context.Response.Headers;
    headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; " +
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    headers["Referrer-Policy"] = "no-referrer";
    headers.XContentTypeOptions = "nosniff";
    headers.CacheControl = "no-store";
    headers["Cross-Origin-Opener-Policy"] = "same-origin";
    headers["Cross-Origin-Resource-Policy"] = "same-origin";
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()";
    await next(context);
});
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapGet("/healthz", () => Results.Text("ok"));

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
