using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Storage;
using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web.Tests.Transfer;

/// <summary>
/// Across the air gap (export-bundle-v1.md): a fetch token reads signed exports and nothing else; only a signed
/// outbox from a reviewer of the bundle acknowledges, deletes or replies, and only once.
/// </summary>
public sealed class TransferTests : IDisposable
{
    private readonly IntakeApplicationFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<string> CreateTokenAsync(string reviewer = "demo")
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<TransferStore>().CreateTokenAsync(reviewer, "test")).Token;
    }

    private Ed25519PublicKey ServerKey => _factory.Services.GetRequiredService<ServerSigningKey>().PublicKey;

    private async Task<HttpResponseMessage> ExportAsync(string? token, string query = "", Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/export" + query, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        headers?.Invoke(request.Headers);
        using var client = _factory.CreateClient();
        return await client.SendAsync(request);
    }

    private static (JsonObject Manifest, byte[] ManifestBytes, byte[] Signature, byte[] Items) Parse(byte[] file)
    {
        Assert.Equal("SIExprt1"u8.ToArray(), file[..8]);
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(8));
        var manifest = file.AsSpan(12, length).ToArray();
        return (JsonNode.Parse(manifest)!.AsObject(), manifest, file.AsSpan(12 + length, 64).ToArray(), file[(12 + length + 64)..]);
    }

    private static string Outbox(ReviewerIdentity reviewer, string reviewerId, IEnumerable<string> acks, JsonArray? replies = null)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["type"] = "safeintake-outbox",
            ["v"] = 1,
            ["reviewer"] = reviewerId,
            ["nonce"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
            ["created"] = "2026-11-26",
            ["acks"] = new JsonArray(acks.Select(a => (JsonNode)a).ToArray()),
            ["replies"] = replies ?? [],
        });
        var signature = reviewer.SigningKey.Sign(Signatures.OutboxMessage(body));
        return JsonSerializer.Serialize(new { format = "safeintake-outbox/1", body = Convert.ToBase64String(body), signature = Convert.ToBase64String(signature) });
    }

    private async Task<HttpResponseMessage> PostOutboxAsync(string text, string? bearer = null)
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/outbox", UriKind.Relative)) { Content = new StringContent(text, Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await client.SendAsync(request);
    }

    private async Task<List<string>> SubmitReportsAsync(int count)
    {
        using var witness = _factory.CreateWitness();
        for (var i = 0; i < count; i++)
        {
            await witness.SubmitOkAsync(await witness.SealReportAsync($"report {i}"));
        }

        return StoreSnapshot.Query(_factory.DataPath, "SELECT Id FROM Envelopes ORDER BY Sequence").Select(r => r["Id"]!).ToList();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sift_not-a-real-token")]
    [InlineData("garbage")]
    public async Task Export_WithoutAValidToken_Returns401Unauthorized(string? token)
    {
        using var response = await ExportAsync(token);

        await ProblemAssert.IsAsync(response, "unauthorized");
    }

    [Fact]
    public async Task Export_RevokedToken_Returns401Unauthorized()
    {
        var token = await CreateTokenAsync();
        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IntakeDbContext>();
            var id = db.FetchTokens.Single().Id;
            Assert.True(await scope.ServiceProvider.GetRequiredService<TransferStore>().RevokeTokenAsync(id));
        }

        using var response = await ExportAsync(token);

        await ProblemAssert.IsAsync(response, "unauthorized");
    }

    [Fact]
    public async Task Export_TokenOfAReviewerNoLongerInTheBundle_Returns403ReviewerRemoved()
    {
        await SubmitReportsAsync(1);
        // A token made while "bob" was a reviewer, before a bundle without him was installed (create refuses him now).
        var token = TransferStore.TokenPrefix + "bob-was-a-reviewer-when-this-was-made";
        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IntakeDbContext>();
            db.FetchTokens.Add(new FetchToken { Id = "b0b0b0b0b0b0", Hash = TransferStore.HashToken(token), ReviewerId = "bob", Label = "left", CreatedDay = new DateOnly(2026, 11, 1) });
            await db.SaveChangesAsync();
        }

        using var response = await ExportAsync(token);

        var problem = await ProblemAssert.IsAsync(response, "reviewer-removed");
        Assert.Contains("not in the current reviewer bundle", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await ExportAsync(await CreateTokenAsync())).StatusCode);
    }

    [Fact]
    public async Task Export_IsSignedByTheServerKey_Contiguous_AndEveryItemHashesToItsManifestEntry()
    {
        var ids = await SubmitReportsAsync(3);
        var token = await CreateTokenAsync();

        using var response = await ExportAsync(token);
        var file = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (manifest, manifestBytes, signature, items) = Parse(file);
        Assert.True(Signatures.VerifyExport(ServerKey, manifestBytes, signature));
        Assert.Equal(ServerKey.ToBase64(), manifest["server"]!.GetValue<string>());
        var entries = manifest["items"]!.AsArray();
        Assert.Equal(ids, entries.Select(e => e!["id"]!.GetValue<string>()));
        var seqs = entries.Select(e => e!["seq"]!.GetValue<long>()).ToList();
        Assert.Equal(Enumerable.Range((int)seqs[0], seqs.Count).Select(i => (long)i), seqs);
        var offset = 0;
        foreach (var entry in entries)
        {
            var size = entry!["size"]!.GetValue<int>();
            Assert.Equal(entry["hash"]!.GetValue<string>(), Convert.ToHexStringLower(Signatures.Hash(items.AsSpan(offset, size))));
            offset += size;
        }

        Assert.Equal(items.Length, offset);
        var flipped = (byte[])manifestBytes.Clone();
        flipped[20] ^= 1;
        Assert.False(Signatures.VerifyExport(ServerKey, flipped, signature));
    }

    [Fact]
    public async Task Export_ResumedWithRangeAndIfRange_ReturnsTheSameRemainingBytes()
    {
        await SubmitReportsAsync(2);
        var token = await CreateTokenAsync();
        using var full = await ExportAsync(token);
        var bytes = await full.Content.ReadAsByteArrayAsync();
        var etag = full.Headers.ETag!;
        var to = Parse(bytes).Manifest["to"]!.GetValue<long>();
        var cut = bytes.Length / 2;

        using var rest = await ExportAsync(token, $"?to={to}", h =>
        {
            h.Range = new RangeHeaderValue(cut, null);
            h.IfRange = new RangeConditionHeaderValue(etag);
        });

        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal(bytes[cut..], await rest.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Outbox_SignedByTheOnlyReviewer_AcknowledgesAndDeletesTheCiphertext_AndLaterExportsSayDeleted()
    {
        var ids = await SubmitReportsAsync(2);
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);

        using var response = await PostOutboxAsync(Outbox(reviewer.Identity, "demo", ids));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var counts = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(2, counts["acknowledged"]!.GetValue<int>());
        Assert.Equal(2, counts["deleted"]!.GetValue<int>());
        Assert.Empty(_factory.Snapshot().Blobs);
        using var export = await ExportAsync(await CreateTokenAsync());
        var manifest = Parse(await export.Content.ReadAsByteArrayAsync()).Manifest;
        Assert.All(manifest["items"]!.AsArray(), e => Assert.Equal("deleted", e!["reason"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Outbox_WithDeleteWhenAllAcknowledgedFalse_AcknowledgesButKeepsTheCiphertext()
    {
        using var factory = IntakeApplicationFactory.WithSettings(("Intake:DeleteWhenAllAcknowledged", "false"));
        using var witness = factory.CreateWitness();
        await witness.SubmitOkAsync(await witness.SealReportAsync("kept after acknowledgement"));
        var ids = StoreSnapshot.Query(factory.DataPath, "SELECT Id FROM Envelopes").Select(r => r["Id"]!).ToList();
        using var reviewer = DemoReviewer.Open(factory.DemoPath);
        using var client = factory.CreateClient();

        using var response = await client.PostAsync(new Uri("/api/v1/outbox", UriKind.Relative),
            new StringContent(Outbox(reviewer.Identity, "demo", ids), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var counts = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(1, counts["acknowledged"]!.GetValue<int>());
        Assert.Equal(0, counts["deleted"]!.GetValue<int>());
        Assert.Single(factory.Snapshot().Blobs);
    }

    [Fact]
    public async Task Outbox_Replayed_Returns409Replayed_AndHasNoSecondEffect()
    {
        var ids = await SubmitReportsAsync(1);
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);
        var outbox = Outbox(reviewer.Identity, "demo", ids);
        using var first = await PostOutboxAsync(outbox);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var second = await PostOutboxAsync(outbox);

        await ProblemAssert.IsAsync(second, "replayed");
    }

    [Fact]
    public async Task Outbox_SignedByAKeyNotInTheBundle_IsRefused_AndNothingIsDeleted()
    {
        var ids = await SubmitReportsAsync(1);
        using var impostor = ReviewerIdentity.Generate();

        using var response = await PostOutboxAsync(Outbox(impostor, "demo", ids));

        await ProblemAssert.IsAsync(response, "signature-invalid");
        Assert.Single(_factory.Snapshot().Blobs);
    }

    [Fact]
    public async Task Outbox_BodyAlteredAfterSigning_IsRefused()
    {
        var ids = await SubmitReportsAsync(1);
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);
        var file = JsonNode.Parse(Outbox(reviewer.Identity, "demo", []))!.AsObject();
        var body = JsonNode.Parse(Convert.FromBase64String(file["body"]!.GetValue<string>()))!.AsObject();
        body["acks"] = new JsonArray(ids.Select(i => (JsonNode)i).ToArray());
        file["body"] = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(body));

        using var response = await PostOutboxAsync(file.ToJsonString());

        await ProblemAssert.IsAsync(response, "signature-invalid");
        Assert.Single(_factory.Snapshot().Blobs);
    }

    [Theory]
    [InlineData("body", " ")]
    [InlineData("body", "\n")]
    [InlineData("signature", "\r\n")]
    public async Task Outbox_SignedButBase64NotCanonical_IsRefused_AndAcknowledgesNothing(string member, string inserted)
    {
        // .NET's decoder skips whitespace; the console and the spec do not. Two readers of one signed file must agree.
        var ids = await SubmitReportsAsync(1);
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);
        var file = JsonNode.Parse(Outbox(reviewer.Identity, "demo", ids))!.AsObject();
        var text = file[member]!.GetValue<string>();
        file[member] = text[..8] + inserted + text[8..];

        using var response = await PostOutboxAsync(file.ToJsonString());

        await ProblemAssert.IsAsync(response, "bad-request");
        Assert.Single(_factory.Snapshot().Blobs);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("not json")]
    [InlineData("{\"format\":\"safeintake-outbox/1\",\"body\":\"e30=\",\"signature\":\"AAAA\"}")]
    public async Task Outbox_Malformed_Returns400BadRequest(string text)
    {
        using var response = await PostOutboxAsync(text);

        await ProblemAssert.IsAsync(response, "bad-request");
    }

    [Fact]
    public async Task FetchToken_CannotAcknowledgeDeleteOrInject()
    {
        var ids = await SubmitReportsAsync(1);
        var token = await CreateTokenAsync();
        var unsigned = JsonSerializer.Serialize(new
        {
            format = "safeintake-outbox/1",
            body = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new { type = "safeintake-outbox", v = 1, reviewer = "demo", acks = ids })),
            signature = Convert.ToBase64String(new byte[64]),
        });

        using var acknowledge = await PostOutboxAsync(unsigned, bearer: token);
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var inject = await client.PostAsync(new Uri("/api/v1/replies", UriKind.Relative), new ByteArrayContent(new byte[100]) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } });

        await ProblemAssert.IsAsync(acknowledge, "signature-invalid");
        Assert.Equal(HttpStatusCode.BadRequest, inject.StatusCode);
        Assert.Single(_factory.Snapshot().Blobs);
        Assert.Equal(1, _factory.Snapshot().Envelopes);
    }

    [Fact]
    public async Task Outbox_ReplyEnvelopeBase64NotCanonical_RefusesThatReplyOnly_AndTheAcknowledgementStillApplies()
    {
        var ids = await SubmitReportsAsync(1);
        using var witness = _factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);
        var replies = SignedReply(keys, reviewer, await witness.GetBundleAsync(), "We read your report.");
        var envelope = replies[0]!["envelope"]!.GetValue<string>();
        replies[0]!["envelope"] = envelope[..8] + "\n" + envelope[8..]; // the same bytes to .NET's lenient decoder

        using var response = await PostOutboxAsync(Outbox(reviewer.Identity, "demo", ids, replies));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["items"]!.AsArray();
        Assert.Equal(["acknowledged", "invalid"], items.Select(i => i!["result"]!.GetValue<string>()));
        Assert.Equal(0, (await witness.CheckMailboxAsync(keys)).GetProperty("replies").GetArrayLength());
    }

    [Fact]
    public async Task Outbox_WithASignedReply_StoresItForTheWitnessMailbox()
    {
        using var witness = _factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);
        var bundle = await witness.GetBundleAsync();
        var replies = SignedReply(keys, reviewer, bundle, "We read your report.");

        using var response = await PostOutboxAsync(Outbox(reviewer.Identity, "demo", [], replies));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var mailbox = await witness.CheckMailboxAsync(keys);
        Assert.Equal(1, mailbox.GetProperty("replies").GetArrayLength());
    }

    [Fact]
    public async Task Outbox_AcknowledgingAReply_KeepsItInTheWitnessMailbox()
    {
        using var witness = _factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);
        var bundle = await witness.GetBundleAsync();
        var replies = SignedReply(keys, reviewer, bundle, "We read your report.");
        using (var stored = await PostOutboxAsync(Outbox(reviewer.Identity, "demo", [], replies)))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        var replyId = (await witness.CheckMailboxAsync(keys)).GetProperty("replies")[0].GetProperty("id").GetString()!;

        // Every reviewer acknowledges the reply as it comes back in an export: the witness must still be able to read it.
        using var acked = await PostOutboxAsync(Outbox(reviewer.Identity, "demo", [replyId], []));

        Assert.Equal(HttpStatusCode.OK, acked.StatusCode);
        var mailbox = await witness.CheckMailboxAsync(keys);
        Assert.Equal(replyId, mailbox.GetProperty("replies")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Outbox_ResendingTheSameReply_StoresItOnce()
    {
        using var witness = _factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);
        var bundle = await witness.GetBundleAsync();
        var replies = SignedReply(keys, reviewer, bundle, "Sent twice after a lost outbox.");
        JsonArray Replies() => (JsonArray)replies.DeepClone();

        // Two distinct outboxes (each has its own nonce) carrying the same reply: outbox write --all after a loss.
        using (var first = await PostOutboxAsync(Outbox(reviewer.Identity, "demo", [], Replies())))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var second = await PostOutboxAsync(Outbox(reviewer.Identity, "demo", [], Replies()));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, (await witness.CheckMailboxAsync(keys)).GetProperty("replies").GetArrayLength());
    }

    [Fact]
    public async Task Outbox_WithOneBadReply_StillAppliesTheAcksAndTheGoodReply_AndSaysWhichItemFailed()
    {
        using var witness = _factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        await witness.SubmitOkAsync(await witness.SealReportAsync("A report with no mailbox."));
        var ids = StoreSnapshot.Query(_factory.DataPath, "SELECT Id FROM Envelopes ORDER BY Sequence").Select(r => r["Id"]!).ToList();
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);
        var bundle = await witness.GetBundleAsync();
        var good = SignedReply(keys, reviewer, bundle, "The good reply.");
        var bad = (JsonObject)SignedReply(keys, reviewer, bundle, "A reply to a report sent with \"mailbox\": null.")[0]!.DeepClone();
        bad["mailbox"] = null;
        var replies = new JsonArray(bad, good[0]!.DeepClone());

        using var response = await PostOutboxAsync(Outbox(reviewer.Identity, "demo", ids, replies));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(2, answer["acknowledged"]!.GetValue<int>());
        Assert.Equal(1, answer["replies"]!.GetValue<int>());
        var items = answer["items"]!.AsArray();
        Assert.Equal(["acknowledged", "acknowledged", "invalid", "stored"], items.Select(i => i!["result"]!.GetValue<string>()).ToArray());
        Assert.Equal(0, items[2]!["index"]!.GetValue<int>());
        Assert.Equal(1, (await witness.CheckMailboxAsync(keys)).GetProperty("replies").GetArrayLength());
    }

    [Fact]
    public async Task Outbox_SameReplyInConcurrentOutboxes_EveryOutboxApplies_AndTheWitnessSeesItOnce()
    {
        using var witness = _factory.CreateWitness();
        using var keys = await Witnesses.SubmitReportWithMailboxAsync(witness);
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);
        var reply = SignedReply(keys, reviewer, await witness.GetBundleAsync(), "One reply, resent from several outboxes at once.");

        // Distinct outboxes (each acknowledges a different unknown id, so none is a replay), one reply in all of them.
        var outboxes = Enumerable.Range(0, 8)
            .Select(_ => Outbox(reviewer.Identity, "demo", [Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))], new JsonArray(reply[0]!.DeepClone())))
            .ToList();
        var responses = await Task.WhenAll(outboxes.Select(outbox => PostOutboxAsync(outbox)));

        foreach (var response in responses)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            response.Dispose();
        }

        Assert.Equal(1, (await witness.CheckMailboxAsync(keys)).GetProperty("replies").GetArrayLength());
    }

    [Fact]
    public async Task Export_RetentionDeletesEveryBlobWhileTheExportStreams_TheStreamStillEndsWhole()
    {
        using var witness = _factory.CreateWitness();
        var random = new Random(9);
        for (var i = 0; i < 4; i++)
        {
            var attachment = new byte[300_000];
            random.NextBytes(attachment);
            await witness.SubmitOkAsync(await witness.SealReportAsync($"large report {i}", ("big.bin", attachment)));
        }

        var ids = StoreSnapshot.Query(_factory.DataPath, "SELECT Id FROM Envelopes ORDER BY Sequence").Select(r => r["Id"]!).ToList();
        var token = await CreateTokenAsync();
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/export", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        var buffer = new byte[4096];
        var first = await stream.ReadAsync(buffer);
        received.Write(buffer, 0, first);

        // Every reviewer acknowledges, so retention deletes all four blobs while the export is still streaming.
        using var reviewer = DemoReviewer.Open(_factory.DemoPath);
        using (var outbox = await PostOutboxAsync(Outbox(reviewer.Identity, "demo", ids)))
        {
            Assert.Equal(4, JsonNode.Parse(await outbox.Content.ReadAsStringAsync())!["deleted"]!.GetValue<int>());
        }

        Assert.Empty(_factory.Snapshot().Blobs);
        await stream.CopyToAsync(received);
        var bytes = received.ToArray();
        Assert.Equal(response.Content.Headers.ContentLength, bytes.Length);
        var (manifest, _, _, items) = Parse(bytes);
        var offset = 0;
        foreach (var item in manifest["items"]!.AsArray())
        {
            var size = item!["size"]!.GetValue<int>();
            Assert.Equal(item["hash"]!.GetValue<string>(), Convert.ToHexStringLower(WitnessClient.EnvelopeHash(items[offset..(offset + size)])));
            offset += size;
        }

        Assert.Equal(items.Length, offset);
        Assert.Equal(4, manifest["items"]!.AsArray().Count);
    }

    /// <summary>The outbox "replies" array with one reply sealed to the witness and the demo reviewer, signed by the demo reviewer.</summary>
    private static JsonArray SignedReply(CodenameKeys keys, DemoReviewer reviewer, SignedReviewerBundle bundle, string text)
    {
        var reply = WitnessClient.Seal([keys.ReplyKey.PublicKey, reviewer.Identity.EncryptionKey.PublicKey], bundle.Hash.ToArray(), "reply",
            new JsonObject { ["text"] = text, ["reviewer"] = "demo" }, []);
        var signature = reviewer.Identity.SignReply(keys.MailboxKey.PublicKey, WitnessClient.EnvelopeHash(reply));
        return new JsonArray(new JsonObject
        {
            ["mailbox"] = keys.MailboxKey.PublicKey.ToBase64(),
            ["signature"] = Convert.ToBase64String(signature),
            ["envelope"] = Convert.ToBase64String(reply),
        });
    }
}
