using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace SafeIntake.Intake.Web.Endpoints;

/// <summary>The witness pages: the form and "check for replies", in the negotiated or chosen language.</summary>
public static class PageEndpoints
{
    // A language tag has no dot: without the constraint "/{lang}/" also matched "/favicon.ico" (routing ignores the
    // trailing slash) and answered 404 before the static file could be served.
    private const string Lang = "{lang:regex(^[A-Za-z]{{2,3}}(-[A-Za-z0-9]{{2,8}})*$)}";

    public static void MapWitnessPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext context, PageRenderer pages, IOptions<IntakeOptions> options) =>
            Page(pages, "index", PageRenderer.Negotiate(null, context.Request.Headers.AcceptLanguage), options));
        app.MapGet("/" + Lang + "/", (string lang, PageRenderer pages, IOptions<IntakeOptions> options) => PageOrNotFound(pages, "index", lang, options));
        app.MapGet("/" + Lang + "/replies", (string lang, PageRenderer pages, IOptions<IntakeOptions> options) => PageOrNotFound(pages, "replies", lang, options));
    }

    private static Results<ContentHttpResult, NotFound> PageOrNotFound(PageRenderer pages, string page, string lang, IOptions<IntakeOptions> options) =>
        PageRenderer.Languages.Contains(lang, StringComparer.OrdinalIgnoreCase)
            ? Page(pages, page, PageRenderer.Negotiate(lang, null), options)
            : TypedResults.NotFound();

    private static ContentHttpResult Page(PageRenderer pages, string page, string lang, IOptions<IntakeOptions> options) =>
        TypedResults.Content(pages.Render(page, lang, options.Value.Mode == IntakeMode.Demo), "text/html; charset=utf-8");
}
