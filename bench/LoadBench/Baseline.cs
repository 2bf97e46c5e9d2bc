using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.Security.Cryptography;

namespace SafeIntake.Bench;

/// <summary>
/// The floor the intake server is measured against: the same three requests (create, PATCH the bytes, finalize) on a
/// bare ASP.NET Core app that appends to a file, then fsyncs and renames it. No checks, no database, no budgets.
/// </summary>
internal static class Baseline
{
    public static async Task RunAsync(string url, string folder)
    {
        Directory.CreateDirectory(folder);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.MapGet("/healthz", () => "ok");
        app.MapPost("/api/v1/uploads", () =>
        {
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            File.Create(Path.Combine(folder, id + ".part")).Dispose();
            return Results.Created((string?)null, new { id, offset = 0, chunkBytes = 4 << 20, expires = "" });
        });
        app.MapMethods("/api/v1/uploads/{id}", ["PATCH"], async (string id, HttpRequest request) =>
        {
            await using var file = new FileStream(Path.Combine(folder, Path.GetFileName(id) + ".part"), FileMode.Append, FileAccess.Write);
            await request.Body.CopyToAsync(file);
            return Results.NoContent();
        });
        app.MapPost("/api/v1/uploads/{id}/finalize", (string id) =>
        {
            var part = Path.Combine(folder, Path.GetFileName(id) + ".part");
            using (var file = new FileStream(part, FileMode.Open, FileAccess.ReadWrite))
            {
                file.Flush(flushToDisk: true);
            }

            File.Move(part, Path.Combine(folder, Path.GetFileName(id)));
            return Results.Created((string?)null, new { received = "" });
        });
        await app.RunAsync();
    }
}
