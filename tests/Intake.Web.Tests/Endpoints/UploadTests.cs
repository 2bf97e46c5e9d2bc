using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace SafeIntake.Intake.Web.Tests.Endpoints;

/// <summary>The resumable upload of docs/spec/intake-api.md: create, PATCH, HEAD, finalize, DELETE.</summary>
public sealed class UploadTests(IntakeApplicationFactory factory) : IClassFixture<IntakeApplicationFactory>
{
    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    // ---- The happy path -----------------------------------------------------------------------------------------

    [Fact]
    public async Task Submit_ReportWithAttachment_StoresExactlyTheCiphertext_ThatOpensToWhatWasSent()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var photo = RandomNumberGenerator.GetBytes(30_000);
        var envelope = await witness.SealReportAsync("The officer took my phone at the gate.", ("photo.jpg", photo));

        await witness.SubmitOkAsync(envelope);

        var after = factory.Snapshot();
        Assert.Equal(before.Envelopes + 1, after.Envelopes);
        Assert.Equal(before.Uploads, after.Uploads);
        Assert.Equal(before.UploadFiles, after.UploadFiles);
        var blob = Assert.Single(after.Blobs.Except(before.Blobs));
        var blobPath = StoreSnapshot.BlobFile(factory.DataPath, blob);
        Assert.Equal(envelope, await File.ReadAllBytesAsync(blobPath));

        using var reviewer = DemoReviewer.Open(factory.DemoPath);
        var (manifest, attachments) = reviewer.OpenBlob(blobPath);
        var root = manifest.Root;
        Assert.Equal(["attachments", "category", "kind", "lang", "text", "v"], root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(1, root.GetProperty("v").GetInt32());
        Assert.Equal("report", root.GetProperty("kind").GetString());
        Assert.Equal("police", root.GetProperty("category").GetString());
        Assert.Equal("en", root.GetProperty("lang").GetString());
        Assert.Equal("The officer took my phone at the gate.", root.GetProperty("text").GetString());
        var entry = Assert.Single(manifest.Attachments);
        Assert.Equal(("photo.jpg", "application/octet-stream", (long)photo.Length), (entry.Name, entry.Type, entry.Size));
        Assert.Equal(photo, Assert.Single(attachments));
    }

    [Fact]
    public async Task Submit_Report_RecordsTheDayOnly_NeverATimeOfDay()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var envelope = await witness.SealReportAsync("Day only, please.");

        await witness.SubmitOkAsync(envelope);

        var id = Assert.Single(factory.Snapshot().Blobs.Except(before.Blobs));
        var row = Assert.Single(StoreSnapshot.Query(factory.DataPath, $"SELECT * FROM Envelopes WHERE Id = '{id}'"));
        Assert.Equal(Today, row["ReceivedDay"]);
        Assert.Equal(envelope.Length.ToString(CultureInfo.InvariantCulture), row["Size"]);
        Assert.Equal(Convert.ToHexStringLower(WitnessClient.EnvelopeHash(envelope)), row["EnvelopeHash"]);
        Assert.Equal(Convert.ToHexStringLower((await witness.GetBundleAsync()).Hash.Span), row["BundleHash"]);
        // The row's columns are the whole record: a new column with a time, an address or an agent must be a decision.
        Assert.Equal(
            ["BundleHash", "EnvelopeHash", "Id", "Kind", "MailboxId", "MailboxKey", "ReceivedDay", "ReviewerId", "Sequence", "Signature", "Size", "State"],
            row.Keys.Order(StringComparer.Ordinal));
        // The blob's file times say midnight, not the moment of arrival.
        var midnight = DateTime.UtcNow.Date;
        Assert.Equal(midnight, File.GetLastWriteTimeUtc(StoreSnapshot.BlobFile(factory.DataPath, id)));
    }

    [Fact]
    public async Task Upload_ResumedAtTheOffsetHeadReports_AfterAPartialUpload_CompletesAndStores()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var envelope = await witness.SealReportAsync("Sent over a bad connection.", ("video.mp4", RandomNumberGenerator.GetBytes(40_000)));
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        Assert.Equal(0, ticket.Offset);
        Assert.Equal(IntakeApplicationFactory.TestChunkBytes, ticket.ChunkBytes);
        Assert.Matches("^[0-9a-f]{32}$", ticket.Id);
        await witness.UploadRangeAsync(ticket, envelope, 0, 2L * ticket.ChunkBytes);

        // The page lost its state: it asks where to resume and sends only the rest.
        var (offset, length) = await witness.ResumePointAsync(ticket.Id);
        Assert.Equal(2L * ticket.ChunkBytes, offset);
        Assert.Equal(envelope.Length, length);
        Assert.Equal(before.Envelopes, factory.Snapshot().Envelopes);
        await witness.UploadRangeAsync(ticket, envelope, offset, envelope.Length);
        using var finalized = await witness.FinalizeAsync(ticket.Id);

        Assert.Equal(HttpStatusCode.Created, finalized.StatusCode);
        var blob = Assert.Single(factory.Snapshot().Blobs.Except(before.Blobs));
        Assert.Equal(envelope, await File.ReadAllBytesAsync(StoreSnapshot.BlobFile(factory.DataPath, blob)));
        Assert.False(File.Exists(StoreSnapshot.UploadFile(factory.DataPath, ticket.Id)));
    }

    [Fact]
    public async Task Submit_TwelveWitnessesAtOnce_AllAreStored_EachBlobItsOwn()
    {
        var before = factory.Snapshot();
        var envelopes = new List<byte[]>();
        using (var sealer = factory.CreateWitness())
        {
            for (var i = 0; i < 12; i++)
            {
                envelopes.Add(await sealer.SealReportAsync($"Witness {i}.", ("file.bin", RandomNumberGenerator.GetBytes(10_000 + (i * 1000)))));
            }
        }

        await Task.WhenAll(envelopes.Select(async envelope =>
        {
            using var witness = factory.CreateWitness();
            await witness.SubmitOkAsync(envelope);
        }));

        var after = factory.Snapshot();
        Assert.Equal(before.Envelopes + 12, after.Envelopes);
        var blobs = after.Blobs.Except(before.Blobs).Select(b => File.ReadAllBytes(StoreSnapshot.BlobFile(factory.DataPath, b))).ToList();
        Assert.Equal(12, blobs.Count);
        Assert.All(envelopes, e => Assert.Contains(blobs, b => b.AsSpan().SequenceEqual(e)));
    }

    [Fact]
    public async Task Cancel_DeletesTheUploadAndItsBytes_AndTheIdIsGone()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var envelope = await witness.SealReportAsync("Changed my mind.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        await witness.UploadRangeAsync(ticket, envelope, 0, ticket.ChunkBytes);
        Assert.True(File.Exists(StoreSnapshot.UploadFile(factory.DataPath, ticket.Id)));

        using var cancelled = await witness.CancelAsync(ticket.Id);

        Assert.Equal(HttpStatusCode.NoContent, cancelled.StatusCode);
        await AssertUploadGoneAsync(witness, ticket.Id);
        ProblemAssert.NothingLeft(before, factory.Snapshot());
        using var patch = await witness.PatchAsync(ticket.Id, ticket.ChunkBytes, envelope.AsMemory(ticket.ChunkBytes, 100));
        await ProblemAssert.IsAsync(patch, "upload-not-found");
        using var finalize = await witness.FinalizeAsync(ticket.Id);
        await ProblemAssert.IsAsync(finalize, "upload-not-found");
        using var again = await witness.CancelAsync(ticket.Id);
        await ProblemAssert.IsAsync(again, "upload-not-found");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    // ---- Creating an upload -------------------------------------------------------------------------------------

    [Fact]
    public async Task CreateUpload_WrongContentType_Returns415UnsupportedMediaType_AndCreatesNothing()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var pow = await witness.SolvePowAsync();
        var body = new JsonObject { ["kind"] = "report", ["size"] = 20_000, ["pow"] = new JsonObject { ["token"] = pow.Token, ["nonce"] = pow.Nonce }, ["website"] = "" };

        using var response = await witness.PostUploadJsonAsync(body.ToJsonString(), "text/plain");

        await ProblemAssert.IsAsync(response, "unsupported-media-type");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Theory]
    [InlineData("{\"kind\":\"report\",\"size\":")]
    [InlineData("{\"kind\":\"report\",\"size\":20000,}")]
    [InlineData("[\"report\",20000]")]
    [InlineData("not json at all")]
    [InlineData("{\"kind\":\"report\",\"size\":\"twenty thousand\"}")]
    [InlineData("{\"kind\":\"report\",\"size\":20000.5}")]
    [InlineData("{\"kind\":\"report\",\"size\":99999999999999999999999}")]
    [InlineData("{\"kind\":[\"report\"],\"size\":20000}")]
    public async Task CreateUpload_MalformedOrMistypedJson_Returns400BadRequest_AndCreatesNothing(string json)
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();

        using var response = await witness.PostUploadJsonAsync(json);

        await ProblemAssert.IsAsync(response, "bad-request");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Theory]
    [InlineData("{\"kind\":\"report\",\"size\":20000,\"pow\":POW,\"website\":\"bot\",\"website\":\"\"}")] // the honeypot's last value wins nowhere
    [InlineData("{\"kind\":\"report\",\"kind\":\"report\",\"size\":20000,\"pow\":POW,\"website\":\"\"}")]
    [InlineData("{\"kind\":\"report\",\"Size\":20000,\"pow\":POW,\"website\":\"\"}")]
    [InlineData("{\"KIND\":\"report\",\"size\":20000,\"pow\":POW,\"website\":\"\"}")]
    [InlineData("{\"kind\":\"report\",\"size\":\"20000\",\"pow\":POW,\"website\":\"\"}")]
    public async Task CreateUpload_DuplicatedMiscasedOrQuotedMember_WithAValidProofOfWork_Returns400BadRequest(string template)
    {
        // Each would be a valid create under ASP.NET's lenient web defaults; the spec, the page and the console do not
        // write them, so a reader that accepts them disagrees with every other reader (issue 10).
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var pow = await witness.SolvePowAsync();
        var json = template.Replace("POW", new JsonObject { ["token"] = pow.Token, ["nonce"] = pow.Nonce }.ToJsonString(), StringComparison.Ordinal);

        using var response = await witness.PostUploadJsonAsync(json);

        await ProblemAssert.IsAsync(response, "bad-request");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"size\":20000}")]
    [InlineData("{\"kind\":\"report\"}")]
    [InlineData("{\"kind\":\"essay\",\"size\":20000}")]
    [InlineData("{\"kind\":\"reply\",\"size\":20000}")]
    [InlineData("{\"kind\":\"follow-up\",\"size\":20000}")]
    [InlineData("{\"kind\":\"report\",\"size\":20000,\"mailbox\":\"not base64!\"}")]
    [InlineData("{\"kind\":\"report\",\"size\":20000,\"mailbox\":\"AAAA\"}")]
    public async Task CreateUpload_MissingOrInvalidField_Returns400BadRequest_AndCreatesNothing(string json)
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var body = JsonNode.Parse(json)!.AsObject();
        var pow = await witness.SolvePowAsync();
        body["pow"] = new JsonObject { ["token"] = pow.Token, ["nonce"] = pow.Nonce };
        body["website"] = "";

        using var response = await witness.PostUploadJsonAsync(body.ToJsonString());

        await ProblemAssert.IsAsync(response, "bad-request");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task CreateUpload_EmptyBody_Returns400BadRequest()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();

        using var response = await witness.Http.PostAsync(new Uri("/api/v1/uploads", UriKind.Relative), content: null);

        await ProblemAssert.IsAsync(response, "bad-request");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task CreateUpload_HoneypotFilled_Returns400LikeAnyBadRequest_AndCreatesNothing()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var pow = await witness.SolvePowAsync();

        using var response = await witness.PostUploadAsync("report", 20_000, pow, website: "http://spam.example");

        // The spec's `honeypot` row: answered like `bad-request`, so a bot cannot tell what tripped it.
        await ProblemAssert.IsAsync(response, "bad-request");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Theory]
    [InlineData((2L << 30) + (256L << 20) + 1)]
    [InlineData(long.MaxValue)]
    public async Task CreateUpload_DeclaredSizeAboveTheLimit_Returns413TooLarge_AndCreatesNothing(long size)
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var pow = await witness.SolvePowAsync();

        using var response = await witness.PostUploadAsync("report", size, pow);

        await ProblemAssert.IsAsync(response, "too-large");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(0L)]
    [InlineData(92L + 80 + 16400 - 1)]
    public async Task CreateUpload_DeclaredSizeBelowTheSmallestEnvelope_IsRefused_AndCreatesNothing(long size)
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var pow = await witness.SolvePowAsync();

        using var response = await witness.PostUploadAsync("report", size, pow);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}");
        await ProblemAssert.IsAsync(response, response.StatusCode == HttpStatusCode.BadRequest ? "bad-request" : "envelope-invalid");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task CreateUpload_SmallestPossibleEnvelopeSize_IsAccepted()
    {
        using var witness = factory.CreateWitness();

        var ticket = await witness.CreateUploadAsync(92L + 80 + 16400);

        using var cancelled = await witness.CancelAsync(ticket.Id);
        Assert.Equal(HttpStatusCode.NoContent, cancelled.StatusCode);
    }

    // ---- PATCH ----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("application/octet-stream")]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task Patch_WrongContentType_Returns415UnsupportedMediaType_AndOffsetUnchanged(string? mediaType)
    {
        using var witness = factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Wrong content type.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        await witness.UploadRangeAsync(ticket, envelope, 0, ticket.ChunkBytes);
        var before = factory.Snapshot();

        using var response = await witness.PatchAsync(ticket.Id, ticket.ChunkBytes, envelope.AsMemory(ticket.ChunkBytes, 100), mediaType);

        await ProblemAssert.IsAsync(response, "unsupported-media-type");
        Assert.Equal((ticket.ChunkBytes, envelope.Length), await witness.ResumePointAsync(ticket.Id));
        ProblemAssert.NothingLeft(before, factory.Snapshot());
        await CancelAsync(witness, ticket.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("+0")]
    [InlineData("0x0")]
    [InlineData("1e3")]
    [InlineData("99999999999999999999")]
    public async Task Patch_MalformedUploadOffset_Returns400BadRequest_AndOffsetUnchanged(string offsetHeader)
    {
        using var witness = factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Bad Upload-Offset.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        var content = new ByteArrayContent(envelope, 0, 100);
        content.Headers.ContentType = new(WitnessClient.UploadMediaType);
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/v1/uploads/{ticket.Id}", UriKind.Relative)) { Content = content };
        request.Headers.TryAddWithoutValidation("Upload-Offset", offsetHeader);

        using var response = await witness.Http.SendAsync(request);

        await ProblemAssert.IsAsync(response, "bad-request");
        Assert.Equal((0L, (long)envelope.Length), await witness.ResumePointAsync(ticket.Id));
        await CancelAsync(witness, ticket.Id);
    }

    [Fact]
    public async Task Patch_MoreBytesThanDeclared_Returns413TooLarge_AndOffsetUnchanged()
    {
        using var witness = factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Too many bytes.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        var almost = envelope.Length - 10;
        await witness.UploadRangeAsync(ticket, envelope, 0, almost);
        var before = factory.Snapshot();
        var overflow = envelope.AsSpan(almost).ToArray().Concat(new byte[90]).ToArray();

        using var response = await witness.PatchAsync(ticket.Id, almost, overflow);

        await ProblemAssert.IsAsync(response, "too-large");
        Assert.Equal(((long)almost, (long)envelope.Length), await witness.ResumePointAsync(ticket.Id));
        Assert.Equal(almost, new FileInfo(StoreSnapshot.UploadFile(factory.DataPath, ticket.Id)).Length);
        ProblemAssert.NothingLeft(before, factory.Snapshot());

        // The refused request left the upload intact: the right bytes still complete it.
        await witness.UploadRangeAsync(ticket, envelope, almost, envelope.Length);
        using var finalized = await witness.FinalizeAsync(ticket.Id);
        Assert.Equal(HttpStatusCode.Created, finalized.StatusCode);
    }

    [Fact]
    public async Task Patch_ChunkLargerThanChunkBytes_Returns413TooLarge_AndOffsetUnchanged()
    {
        using var witness = factory.CreateWitness();
        var envelope = await witness.SealReportAsync("One request, one chunk.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        var before = factory.Snapshot();

        using var response = await witness.PatchAsync(ticket.Id, 0, envelope.AsMemory(0, ticket.ChunkBytes + 1));

        await ProblemAssert.IsAsync(response, "too-large");
        Assert.Equal((0L, (long)envelope.Length), await witness.ResumePointAsync(ticket.Id));
        ProblemAssert.NothingLeft(before, factory.Snapshot());
        await CancelAsync(witness, ticket.Id);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(IntakeApplicationFactory.TestChunkBytes + 1)]
    [InlineData(2 * IntakeApplicationFactory.TestChunkBytes)]
    public async Task Patch_ChunkNotAtTheCurrentEnd_Returns409OffsetMismatch_WithTheCurrentEnd(long wrongOffset)
    {
        using var witness = factory.CreateWitness();
        var envelope = await witness.SealReportAsync("Out of order.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        await witness.UploadRangeAsync(ticket, envelope, 0, ticket.ChunkBytes);
        var before = factory.Snapshot();

        using var response = await witness.PatchAsync(ticket.Id, wrongOffset, envelope.AsMemory((int)wrongOffset, 100));

        await ProblemAssert.IsAsync(response, "offset-mismatch");
        Assert.Equal(ticket.ChunkBytes.ToString(CultureInfo.InvariantCulture), response.Headers.GetValues("Upload-Offset").Single());
        Assert.Equal(((long)ticket.ChunkBytes, (long)envelope.Length), await witness.ResumePointAsync(ticket.Id));
        ProblemAssert.NothingLeft(before, factory.Snapshot());
        await CancelAsync(witness, ticket.Id);
    }

    // ---- Finalize -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Finalize_TruncatedUpload_Returns400UploadIncomplete_StoresNothing_AndCanBeResumed()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var envelope = await witness.SealReportAsync("Cut short.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        await witness.UploadRangeAsync(ticket, envelope, 0, envelope.Length - 1);

        using var response = await witness.FinalizeAsync(ticket.Id);

        await ProblemAssert.IsAsync(response, "upload-incomplete");
        // intake-api.md, finalize: upload-incomplete keeps the upload for the page to resume; nothing is stored.
        var after = factory.Snapshot();
        Assert.Equal(before.Envelopes, after.Envelopes);
        Assert.Equal(before.Blobs, after.Blobs);
        Assert.Equal(((long)envelope.Length - 1, (long)envelope.Length), await witness.ResumePointAsync(ticket.Id));

        await witness.UploadRangeAsync(ticket, envelope, envelope.Length - 1, envelope.Length);
        using var resumed = await witness.FinalizeAsync(ticket.Id);
        Assert.Equal(HttpStatusCode.Created, resumed.StatusCode);
        Assert.Equal(before.Envelopes + 1, factory.Snapshot().Envelopes);
    }

    [Fact]
    public async Task Finalize_Twice_SecondReturns404UploadNotFound_AndStoresOnce()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var envelope = await witness.SealReportAsync("Double click.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        await witness.UploadRangeAsync(ticket, envelope, 0, envelope.Length);
        using var first = await witness.FinalizeAsync(ticket.Id);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var afterFirst = factory.Snapshot();

        using var second = await witness.FinalizeAsync(ticket.Id);

        await ProblemAssert.IsAsync(second, "upload-not-found");
        ProblemAssert.NothingLeft(afterFirst, factory.Snapshot());
        Assert.Equal(before.Envelopes + 1, afterFirst.Envelopes);
    }

    [Fact]
    public async Task Finalize_ConcurrentDoubleSubmit_StoresOnce()
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();
        var envelope = await witness.SealReportAsync("Two tabs.");
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        await witness.UploadRangeAsync(ticket, envelope, 0, envelope.Length);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => witness.FinalizeAsync(ticket.Id)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.NotFound));
        Assert.Equal(before.Envelopes + 1, factory.Snapshot().Envelopes);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    // ---- Unknown and malformed ids --------------------------------------------------------------------------------

    public static TheoryData<string> BadIds => new()
    {
        "0123456789abcdef0123456789abcdef",   // well-formed, never issued
        "0123456789ABCDEF0123456789ABCDEF",   // upper case
        "0123456789abcdef0123456789abcde",    // 31 digits
        "0123456789abcdef0123456789abcdef0",  // 33 digits
        "0123456789abcdefg123456789abcdef",   // not hex
        "0123456789abcdef0123456789abcdef.part",
        "..%2F..%2Fintake.db",
        "%2E%2E%2Fblobs",
    };

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task UnknownOrMalformedUploadId_Returns404UploadNotFound_OnEveryUploadRoute(string id)
    {
        using var witness = factory.CreateWitness();
        var before = factory.Snapshot();

        using var patch = await witness.PatchAsync(id, 0, new byte[100]);
        using var head = await witness.HeadAsync(id);
        using var finalize = await witness.FinalizeAsync(id);
        using var cancel = await witness.CancelAsync(id);

        await ProblemAssert.IsAsync(patch, "upload-not-found");
        await ProblemAssert.IsAsync(head, "upload-not-found");
        await ProblemAssert.IsAsync(finalize, "upload-not-found");
        await ProblemAssert.IsAsync(cancel, "upload-not-found");
        ProblemAssert.NothingLeft(before, factory.Snapshot());
    }

    [Fact]
    public async Task UnknownRoute_Returns404NotFound()
    {
        using var witness = factory.CreateWitness();

        using var response = await witness.Http.GetAsync(new Uri("/api/v1/nothing-here", UriKind.Relative));

        await ProblemAssert.IsAsync(response, "not-found");
    }

    [Fact]
    public async Task WrongMethodOnAKnownRoute_ReturnsTheTablesNotFoundProblem_Status404()
    {
        using var witness = factory.CreateWitness();

        using var response = await witness.Http.GetAsync(new Uri("/api/v1/pow", UriKind.Relative));

        // The table has no 405; its `not-found` is 404 "no such route" — and no route takes GET here.
        await ProblemAssert.IsAsync(response, "not-found");
    }

    private async Task AssertUploadGoneAsync(WitnessClient witness, string id)
    {
        using var head = await witness.HeadAsync(id);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.False(File.Exists(StoreSnapshot.UploadFile(factory.DataPath, id)), "the upload's file is still on disk");
        Assert.Empty(StoreSnapshot.Query(factory.DataPath, $"SELECT Id FROM Uploads WHERE Id = '{id}'"));
    }

    private static async Task CancelAsync(WitnessClient witness, string id)
    {
        using var response = await witness.CancelAsync(id);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }
}
