using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using SafeIntake.Crypto;

namespace SafeIntake.Browser.Tests;

/// <summary>An envelope opened with the demo reviewer's key.</summary>
public sealed record OpenedEnvelope(string Kind, JsonElement Manifest, IReadOnlyList<byte[]> Attachments);

/// <summary>One row of the server's <c>Envelopes</c> table.</summary>
public sealed record EnvelopeRow(long Sequence, string Id, int Kind, string? MailboxId, string? ReviewerId, string? Signature);

/// <summary>
/// The reviewers' side of the demo, in .NET: the demo reviewer's keyfile, the server's stored blobs and database
/// read straight from disk, and replies sealed and signed as the console does and posted to the real server.
/// </summary>
public sealed class ReviewerDesk : IDisposable
{
    public const string DemoReviewerId = "demo";
    public const int ReportKind = 1;
    public const int FollowUpKind = 2;
    public const int ReplyKind = 3;

    private readonly IntakeServer _server;
    private readonly Lazy<KeyfileOpenResult> _keyfile;
    private readonly HttpClient _http;

    public ReviewerDesk(IntakeServer server)
    {
        _server = server;
        _http = new HttpClient { BaseAddress = server.Address };
        _keyfile = new Lazy<KeyfileOpenResult>(() =>
        {
            var opened = Keyfile.Open(File.ReadAllBytes(Path.Combine(server.DemoPath, "reviewer.key")), "demo");
            Assert.True(opened.IsReviewer, "The demo reviewer.key did not open with the demo passphrase.");
            return opened;
        });
    }

    public ReviewerIdentity Reviewer => _keyfile.Value.Reviewer!;

    public string BlobsPath => Path.Combine(_server.DataPath, "blobs");

    public string BlobPath(string id) => Path.Combine(BlobsPath, id);

    public IReadOnlySet<string> BlobIds() =>
        Directory.Exists(BlobsPath) ? Directory.EnumerateFiles(BlobsPath).Select(Path.GetFileName).OfType<string>().ToHashSet() : new HashSet<string>();

    /// <summary>The one blob stored since <paramref name="before"/>; fails if there is none or more than one.</summary>
    public string SingleNewBlob(IReadOnlySet<string> before) => Assert.Single(BlobIds().Except(before));

    /// <summary>Opens a stored envelope with the demo reviewer's key, as the air-gapped console would.</summary>
    public OpenedEnvelope Open(string id)
    {
        using var stream = File.OpenRead(BlobPath(id));
        var sink = new MemoryEnvelopeSink();
        var result = EnvelopeOpener.Open(stream, [Reviewer.EncryptionKey], sink);
        Assert.True(result.IsSuccess, $"Blob {id} did not open with the demo reviewer's key: {result.Status} {result.Detail}");
        return new OpenedEnvelope(result.Manifest!.Kind, result.Manifest.Root, sink.Attachments);
    }

    /// <summary>The bundle the server serves, verified against the organisation key the demo pinned.</summary>
    public async Task<SignedReviewerBundle> ServedBundleAsync()
    {
        var text = await _http.GetStringAsync(new Uri("/api/v1/bundle", UriKind.Relative));
        Assert.True(Ed25519PublicKey.TryParseBase64(File.ReadAllText(Path.Combine(_server.DemoPath, "organisation.pub")).Trim(), out var org));
        var verified = SignedReviewerBundle.Verify(text, org, DateTimeOffset.UtcNow);
        Assert.True(verified.IsValid, $"The served bundle does not verify: {verified.Failure}");
        return verified.Bundle;
    }

    /// <summary>
    /// Seals a reply to the codename's reply key (and the demo reviewer, who keeps a copy), signs it with the
    /// reviewer's key (envelope-v1.md §7.2) and posts it to <c>/api/v1/replies</c>; returns the stored id.
    /// </summary>
    public async Task<string> PostReplyAsync(string codename, string text, (string Name, byte[] Bytes)? attachment = null)
    {
        Assert.True(Codename.TryDeriveKeys(codename, out var keys), "The codename shown does not derive keys.");
        using (keys)
        {
            var bundle = await ServedBundleAsync();
            using var envelope = new MemoryStream();
            EnvelopeSealer.Seal(new SealRequest
            {
                Recipients = [keys.ReplyKey.PublicKey, Reviewer.EncryptionKey.PublicKey],
                BundleHash = bundle.Hash,
                Kind = "reply",
                Members = new JsonObject
                {
                    ["text"] = text,
                    ["reviewer"] = DemoReviewerId,
                    ["sent"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                },
                Attachments = attachment is { } a ? [new SealAttachment(a.Name, "application/pdf", a.Bytes.Length, new MemoryStream(a.Bytes))] : [],
            }, envelope);
            envelope.Position = 0;
            var signature = Reviewer.SignReply(keys.MailboxKey.PublicKey, Signatures.EnvelopeHash(envelope));

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/replies", UriKind.Relative))
            {
                Content = new ByteArrayContent(envelope.ToArray()),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Headers.Add("SafeIntake-Mailbox", keys.MailboxKey.PublicKey.ToBase64());
            request.Headers.Add("SafeIntake-Reviewer", DemoReviewerId);
            request.Headers.Add("SafeIntake-Signature", Convert.ToBase64String(signature));
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"The reply was refused: {(int)response.StatusCode} {body}");
            using var created = JsonDocument.Parse(body);
            var id = created.RootElement.GetProperty("id").GetString();
            Assert.Matches("^[0-9a-f]{32}$", id);
            return id!;
        }
    }

    /// <summary>Flips one bit of a stored blob, as a compromised or failing server could.</summary>
    public void TamperWithBlob(string id, long offset)
    {
        using var file = new FileStream(BlobPath(id), FileMode.Open, FileAccess.ReadWrite);
        Assert.True(offset < file.Length);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x01));
    }

    public IReadOnlyList<EnvelopeRow> Envelopes()
    {
        var connection = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(_server.DataPath, "intake.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString();
        using var db = new SqliteConnection(connection);
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT Sequence, Id, Kind, MailboxId, ReviewerId, Signature FROM Envelopes ORDER BY Sequence";
        using var reader = command.ExecuteReader();
        var rows = new List<EnvelopeRow>();
        while (reader.Read())
        {
            rows.Add(new EnvelopeRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }

    public void Dispose()
    {
        _http.Dispose();
        if (_keyfile.IsValueCreated)
        {
            _keyfile.Value.Dispose();
        }
    }
}
