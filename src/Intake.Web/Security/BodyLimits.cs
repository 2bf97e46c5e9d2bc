using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace SafeIntake.Intake.Web.Security;

/// <summary>
/// Every body has a limit enforced as it streams: chunks, replies and outboxes their own, every other request
/// (small JSON) 64 KiB. A declared Content-Length above the limit is refused before a byte is read.
/// </summary>
public sealed class BodyLimits(RequestDelegate next, IOptions<IntakeOptions> options)
{
    public const long SmallBodyBytes = 64 << 10;

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Request.Path.Value ?? "";
        var o = options.Value;
        long limit = HttpMethods.IsPatch(context.Request.Method) && path.StartsWith("/api/v1/uploads/", StringComparison.Ordinal) ? o.ChunkBytes
            : path.Equals("/api/v1/outbox", StringComparison.Ordinal) ? o.MaxOutboxBytes
            : path.Equals("/api/v1/replies", StringComparison.Ordinal) ? o.MaxReplyBytes
            : SmallBodyBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        if (context.Request.ContentLength > limit)
        {
            return Problems.WriteAsync(context, "too-large");
        }

        return next(context);
    }
}
