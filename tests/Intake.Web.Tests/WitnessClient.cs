using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;

namespace SafeIntake.Intake.Web.Tests;

/// <summary>A proof of work solved as the spec says: a token and the decimal nonce that meets its difficulty.</summary>
public sealed record PowSolution(string Token, string Nonce, int Difficulty, int Iterations = 1);

/// <summary>The answer to <c>POST /api/v1/uploads</c>.</summary>
public sealed record UploadTicket(string Id, long Offset, int ChunkBytes, string Expires);

/// <summary>
/// What the witness's page does, over HTTP only, in intent-named steps: fetch and verify the bundle, solve the proof
/// of work, seal, upload in chunks, finalize; and the mailbox and the reviewer console's reply upload. Works against
/// the in-process server and the real process alike.
/// </summary>
public sealed class WitnessClient(HttpClient http, string demoPath) : IDisposable
{
    public const string UploadMediaType = "application/offset+octet-stream";

    private SignedReviewerBundle? _bundle;

    public HttpClient Http { get; } = http;

    public string DemoPath { get; } = demoPath;

    public void Dispose() => Http.Dispose();

    // ---- Bundle and sealing -------------------------------------------------------------------------------------

    /// <summary>GET /api/v1/bundle, verified against the organisation key the demo pinned (envelope-v1.md §4.3).</summary>
    public async Task<SignedReviewerBundle> GetBundleAsync()
    {
        if (_bundle is not null)
        {
            return _bundle;
        }

        var text = await Http.GetStringAsync(new Uri("/api/v1/bundle", UriKind.Relative));
        var pinned = File.ReadAllText(Path.Combine(DemoPath, "organisation.pub")).Trim();
        Assert.True(Ed25519PublicKey.TryParseBase64(pinned, out var orgKey));
        var verified = SignedReviewerBundle.Verify(text, orgKey, DateTimeOffset.UtcNow);
        Assert.True(verified.IsValid, $"the served bundle does not verify: {verified.Failure}");
        return _bundle = verified.Bundle;
    }

    /// <summary>A report as the form seals it: the text and category in the manifest, attachments after it.</summary>
    public Task<byte[]> SealReportAsync(string text, params (string Name, byte[] Content)[] attachments) =>
        SealAsync("report", new JsonObject { ["category"] = "police", ["lang"] = "en", ["text"] = text }, attachments);

    /// <summary>Seals to every reviewer of the served bundle; <paramref name="bundleHash"/> overrides the hash it names.</summary>
    public async Task<byte[]> SealAsync(string kind, JsonObject members, (string Name, byte[] Content)[] attachments, byte[]? bundleHash = null)
    {
        ArgumentNullException.ThrowIfNull(attachments);
        var bundle = await GetBundleAsync();
        return Seal(bundle.Bundle.Reviewers.Select(r => r.EncryptionKey).ToList(), bundleHash ?? bundle.Hash.ToArray(), kind, members, attachments);
    }

    public static byte[] Seal(IReadOnlyList<X25519PublicKey> recipients, byte[] bundleHash, string kind, JsonObject members, (string Name, byte[] Content)[] attachments)
    {
        ArgumentNullException.ThrowIfNull(attachments);
        var streams = attachments.Select(a => new MemoryStream(a.Content, writable: false)).ToList();
        try
        {
            using var output = new MemoryStream();
            EnvelopeSealer.Seal(new SealRequest
            {
                Recipients = recipients,
                BundleHash = bundleHash,
                Kind = kind,
                Members = members,
                Attachments = attachments.Select((a, i) => new SealAttachment(a.Name, "application/octet-stream", a.Content.Length, streams[i])).ToList(),
            }, output);
            return output.ToArray();
        }
        finally
        {
            streams.ForEach(s => s.Dispose());
        }
    }

    public static byte[] EnvelopeHash(byte[] envelope)
    {
        using var stream = new MemoryStream(envelope, writable: false);
        return Signatures.EnvelopeHash(stream);
    }

    // ---- Proof of work ------------------------------------------------------------------------------------------

    /// <summary>POST /api/v1/pow and the smallest nonce meeting the difficulty, computed from the spec's formula.</summary>
    public async Task<PowSolution> SolvePowAsync()
    {
        using var response = await Http.PostAsync(new Uri("/api/v1/pow", UriKind.Relative), content: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("pbkdf2-sha256", document.RootElement.GetProperty("scheme").GetString());
        var token = document.RootElement.GetProperty("token").GetString()!;
        var difficulty = document.RootElement.GetProperty("difficulty").GetInt32();
        var iterations = document.RootElement.GetProperty("iterations").GetInt32();
        for (ulong nonce = 0; ; nonce++)
        {
            if (PowMeets(token, nonce, difficulty, iterations))
            {
                return new PowSolution(token, nonce.ToString(System.Globalization.CultureInfo.InvariantCulture), difficulty, iterations);
            }
        }
    }

    /// <summary>
    /// PBKDF2-HMAC-SHA-256("SafeIntake/v2 pow" ‖ 0x00 ‖ UTF-8(token), u64be(nonce), iterations, 32 bytes) starts with
    /// <paramref name="difficulty"/> zero bits.
    /// </summary>
    public static bool PowMeets(string token, ulong nonce, int difficulty, int iterations)
    {
        var password = new List<byte>();
        password.AddRange("SafeIntake/v2 pow"u8.ToArray());
        password.Add(0);
        password.AddRange(Encoding.UTF8.GetBytes(token));
        var salt = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(salt, nonce);
        var hash = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(password.ToArray(), salt, iterations, System.Security.Cryptography.HashAlgorithmName.SHA256, 32);
        for (var bit = 0; bit < difficulty; bit++)
        {
            if ((hash[bit / 8] & (0x80 >> (bit % 8))) != 0)
            {
                return false;
            }
        }

        return true;
    }

    // ---- Resumable upload ---------------------------------------------------------------------------------------

    /// <summary>POST /api/v1/uploads with a raw JSON body, exactly as given.</summary>
    public Task<HttpResponseMessage> PostUploadJsonAsync(string json, string mediaType = "application/json") =>
        Http.PostAsync(new Uri("/api/v1/uploads", UriKind.Relative), new StringContent(json, Encoding.UTF8, mediaType));

    /// <summary>POST /api/v1/uploads with the page's body; <paramref name="pow"/> null sends no proof of work.</summary>
    public Task<HttpResponseMessage> PostUploadAsync(string kind, long size, PowSolution? pow, string? mailbox = null, string website = "")
    {
        var body = new JsonObject
        {
            ["kind"] = kind,
            ["size"] = size,
            ["mailbox"] = mailbox,
            ["pow"] = pow is null ? null : new JsonObject { ["token"] = pow.Token, ["nonce"] = pow.Nonce },
            ["website"] = website,
        };
        return PostUploadJsonAsync(body.ToJsonString());
    }

    /// <summary>Solves a proof of work and creates an upload; asserts 201.</summary>
    public async Task<UploadTicket> CreateUploadAsync(long size, string kind = "report", string? mailbox = null)
    {
        var pow = await SolvePowAsync();
        using var response = await PostUploadAsync(kind, size, pow, mailbox);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create upload: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        return new UploadTicket(root.GetProperty("id").GetString()!, root.GetProperty("offset").GetInt64(),
            root.GetProperty("chunkBytes").GetInt32(), root.GetProperty("expires").GetString()!);
    }

    /// <summary>PATCH /api/v1/uploads/{id}: one chunk at <paramref name="offset"/>.</summary>
    public Task<HttpResponseMessage> PatchAsync(string id, long offset, ReadOnlyMemory<byte> bytes, string? mediaType = UploadMediaType)
    {
        var content = new ReadOnlyMemoryContent(bytes);
        if (mediaType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }

        var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/v1/uploads/{id}", UriKind.Relative)) { Content = content };
        request.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return SendAndDisposeRequestAsync(request);
    }

    /// <summary>Sends bytes [from, to) of the envelope in chunks of the ticket's size; asserts 204 and the new offset each time.</summary>
    public async Task UploadRangeAsync(UploadTicket ticket, byte[] envelope, long from, long to)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(envelope);
        for (var offset = from; offset < to;)
        {
            var length = (int)Math.Min(ticket.ChunkBytes, to - offset);
            using var response = await PatchAsync(ticket.Id, offset, envelope.AsMemory((int)offset, length));
            Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"PATCH at {offset}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            offset += length;
            Assert.Equal(offset.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("Upload-Offset").Single());
        }
    }

    /// <summary>HEAD /api/v1/uploads/{id}: where to resume.</summary>
    public Task<HttpResponseMessage> HeadAsync(string id)
    {
        var request = new HttpRequestMessage(HttpMethod.Head, new Uri($"/api/v1/uploads/{id}", UriKind.Relative));
        return SendAndDisposeRequestAsync(request);
    }

    /// <summary>The <c>Upload-Offset</c> HEAD reports; asserts 204.</summary>
    public async Task<(long Offset, long Length)> ResumePointAsync(string id)
    {
        using var response = await HeadAsync(id);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        return (long.Parse(response.Headers.GetValues("Upload-Offset").Single(), System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(response.Headers.GetValues("Upload-Length").Single(), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>POST /api/v1/uploads/{id}/finalize with <c>{"signature":…}</c>.</summary>
    public Task<HttpResponseMessage> FinalizeAsync(string id, string? signature = null) =>
        Http.PostAsync(new Uri($"/api/v1/uploads/{id}/finalize", UriKind.Relative),
            new StringContent(new JsonObject { ["signature"] = signature }.ToJsonString(), Encoding.UTF8, "application/json"));

    /// <summary>DELETE /api/v1/uploads/{id}.</summary>
    public Task<HttpResponseMessage> CancelAsync(string id) => Http.DeleteAsync(new Uri($"/api/v1/uploads/{id}", UriKind.Relative));

    /// <summary>The whole witness flow for one envelope: create (with proof of work), PATCH every chunk, finalize.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(byte[] envelope, string kind = "report", string? mailbox = null, string? signature = null)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var ticket = await CreateUploadAsync(envelope.Length, kind, mailbox);
        await UploadRangeAsync(ticket, envelope, 0, envelope.Length);
        return await FinalizeAsync(ticket.Id, signature);
    }

    /// <summary>Submits and asserts <c>201 {"received":"&lt;day&gt;"}</c>.</summary>
    public async Task SubmitOkAsync(byte[] envelope, string kind = "report", string? mailbox = null, string? signature = null)
    {
        using var response = await SubmitAsync(envelope, kind, mailbox, signature);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"finalize: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), document.RootElement.GetProperty("received").GetString());
    }

    // ---- Mailbox ------------------------------------------------------------------------------------------------

    public Task<HttpResponseMessage> ChallengeAsync(string? mailbox) =>
        Http.PostAsync(new Uri("/api/v1/mailbox/challenge", UriKind.Relative),
            new StringContent(new JsonObject { ["mailbox"] = mailbox }.ToJsonString(), Encoding.UTF8, "application/json"));

    /// <summary>A challenge and its token; asserts 200.</summary>
    public async Task<(byte[] Challenge, string Token)> GetChallengeAsync(string mailbox)
    {
        using var response = await ChallengeAsync(mailbox);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (Convert.FromBase64String(document.RootElement.GetProperty("challenge").GetString()!), document.RootElement.GetProperty("token").GetString()!);
    }

    public Task<HttpResponseMessage> OpenMailboxAsync(string? mailbox, string? token, string? signature) =>
        Http.PostAsync(new Uri("/api/v1/mailbox/open", UriKind.Relative),
            new StringContent(new JsonObject { ["mailbox"] = mailbox, ["token"] = token, ["signature"] = signature }.ToJsonString(), Encoding.UTF8, "application/json"));

    /// <summary>Challenge, sign with the codename's mailbox key, open; asserts 200 and returns the JSON.</summary>
    public async Task<JsonElement> CheckMailboxAsync(CodenameKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var mailbox = keys.MailboxKey.PublicKey.ToBase64();
        var (challenge, token) = await GetChallengeAsync(mailbox);
        using var response = await OpenMailboxAsync(mailbox, token, Convert.ToBase64String(keys.SignChallenge(challenge)));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"open mailbox: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    // ---- Replies (the reviewer console's side) ------------------------------------------------------------------

    public Task<HttpResponseMessage> PostReplyAsync(byte[] envelope, string? mailbox, string? reviewer, string? signature, string mediaType = "application/octet-stream")
    {
        var content = new ByteArrayContent(envelope);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/replies", UriKind.Relative)) { Content = content };
        AddIfPresent(request, "SafeIntake-Mailbox", mailbox);
        AddIfPresent(request, "SafeIntake-Reviewer", reviewer);
        AddIfPresent(request, "SafeIntake-Signature", signature);
        return SendAndDisposeRequestAsync(request);
    }

    private static void AddIfPresent(HttpRequestMessage request, string name, string? value)
    {
        if (value is not null)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    /// <summary>Sends, buffers the answer, and only then disposes the request (and its content).</summary>
    private async Task<HttpResponseMessage> SendAndDisposeRequestAsync(HttpRequestMessage request)
    {
        using (request)
        {
            var response = await Http.SendAsync(request);
            await response.Content.LoadIntoBufferAsync();
            return response;
        }
    }
}
