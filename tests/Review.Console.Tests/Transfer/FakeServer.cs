using System.Net;
using System.Net.Http.Headers;

namespace SafeIntake.Review.Console.Tests.Transfer;

/// <summary>An in-memory intake server for fetch and upload-outbox: serves one export (with Range) and answers outboxes.</summary>
public sealed class FakeServer : HttpMessageHandler
{
    public const string Token = "sift_dGVzdC10b2tlbi1ub3QtcmVhbA";

    public byte[] Export { get; set; } = [];

    public HttpStatusCode OutboxStatus { get; set; } = HttpStatusCode.OK;

    public List<string> Requests { get; } = [];

    public List<string?> Ranges { get; } = [];

    public string? LastOutbox { get; private set; }

    /// <summary>The body of a 200 answer to an outbox.</summary>
    public string OutboxAnswer { get; set; } = "{\"acknowledged\":3,\"replies\":0,\"deleted\":2}";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
        if (request.RequestUri.AbsolutePath == "/api/v1/export" && request.Method == HttpMethod.Get)
        {
            if (request.Headers.Authorization is not { Scheme: "Bearer", Parameter: Token })
            {
                return new HttpResponseMessage(HttpStatusCode.Unauthorized);
            }

            Ranges.Add(request.Headers.Range?.ToString());
            var from = request.Headers.Range?.Ranges.Single().From ?? 0;
            if (from >= Export.Length && from > 0)
            {
                return new HttpResponseMessage(HttpStatusCode.RequestedRangeNotSatisfiable);
            }

            var response = new HttpResponseMessage(from > 0 ? HttpStatusCode.PartialContent : HttpStatusCode.OK)
            {
                Content = new ByteArrayContent(Export[(int)from..]),
            };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.safeintake.export");
            if (from > 0)
            {
                response.Content.Headers.ContentRange = new ContentRangeHeaderValue(from, Export.Length - 1, Export.Length);
            }

            return response;
        }

        if (request.RequestUri.AbsolutePath == "/api/v1/outbox" && request.Method == HttpMethod.Post)
        {
            LastOutbox = await request.Content!.ReadAsStringAsync(cancellationToken);
            return OutboxStatus == HttpStatusCode.OK
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(OutboxAnswer) }
                : new HttpResponseMessage(OutboxStatus) { Content = new StringContent("{\"title\":\"replayed\",\"status\":409}") };
        }

        return new HttpResponseMessage(HttpStatusCode.NotFound);
    }
}
