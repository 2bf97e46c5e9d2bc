using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;

namespace SafeIntake.Review.Console.Tests.EndToEnd;

/// <summary>A witness for the end-to-end tests: a report sealed by src/Crypto, submitted through the public API.</summary>
internal static class E2EWitness
{
    /// <summary>A report with one small file; with <paramref name="codename"/>, one the reviewers can reply to.</summary>
    public static byte[] Seal(X25519PublicKey[] recipients, byte[] bundleHash, string text, CodenameKeys? codename = null)
    {
        using var output = new MemoryStream();
        EnvelopeSealer.Seal(new SealRequest
        {
            Recipients = recipients,
            BundleHash = bundleHash,
            Kind = "report",
            Members = new JsonObject { ["lang"] = "en", ["fields"] = new JsonObject { ["what"] = text } },
            NonceBoundMembers = codename is null ? null : nonce => new JsonObject
            {
                ["replyTo"] = new JsonObject
                {
                    ["x25519"] = codename.ReplyKey.PublicKey.ToBase64(),
                    ["ed25519"] = codename.MailboxKey.PublicKey.ToBase64(),
                    ["sig"] = Convert.ToBase64String(codename.SignReplyKeys(nonce.Span)),
                },
            },
            Attachments = [new SealAttachment("note.txt", "text/plain", 5, new MemoryStream("hello"u8.ToArray()))],
        }, output);
        return output.ToArray();
    }

    /// <summary>A witness's upload through the public API: proof of work, chunks, finalize (to a mailbox, if given).</summary>
    public static async Task SubmitAsync(HttpClient http, byte[] envelope, string? mailbox = null)
    {
        var pow = await (await http.PostAsync(new Uri("/api/v1/pow", UriKind.Relative), null)).Content.ReadFromJsonAsync<JsonObject>();
        var powToken = pow!["token"]!.GetValue<string>();
        var nonce = Enumerable.Range(0, int.MaxValue).First(n => Meets(powToken, (ulong)n, pow["difficulty"]!.GetValue<int>(), pow["iterations"]!.GetValue<int>()));
        using var created = await http.PostAsJsonAsync(new Uri("/api/v1/uploads", UriKind.Relative),
            new { kind = "report", size = envelope.Length, pow = new { token = powToken, nonce = nonce.ToString(System.Globalization.CultureInfo.InvariantCulture) }, mailbox, website = "" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        using var patch = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/v1/uploads/{id}", UriKind.Relative)) { Content = new ByteArrayContent(envelope) };
        patch.Content.Headers.ContentType = new("application/offset+octet-stream");
        patch.Headers.Add("Upload-Offset", "0");
        Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(patch)).StatusCode);
        using var finalized = await http.PostAsJsonAsync(new Uri($"/api/v1/uploads/{id}/finalize", UriKind.Relative), new { });
        Assert.Equal(HttpStatusCode.Created, finalized.StatusCode);
    }

    // docs/spec/intake-api.md, "Proof of work": PBKDF2-HMAC-SHA-256("SafeIntake/v2 pow" ‖ 0x00 ‖ token, u64be(nonce)).
    public static bool Meets(string token, ulong nonce, int difficulty, int iterations)
    {
        var salt = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(salt, nonce);
        var hash = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes("SafeIntake/v2 pow\0" + token), salt, iterations,
            System.Security.Cryptography.HashAlgorithmName.SHA256, 32);
        var bits = 0;
        foreach (var b in hash)
        {
            if (b != 0)
            {
                bits += System.Numerics.BitOperations.LeadingZeroCount((uint)b) - 24;
                break;
            }

            bits += 8;
        }

        return bits >= difficulty;
    }
}

/// <summary>A witness coming back with their codename: the replies waiting in their mailbox on the server.</summary>
internal sealed class WitnessMailbox(CodenameKeys codename)
{
    public async Task<int> MailboxRepliesAsync(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var mailbox = codename.MailboxKey.PublicKey.ToBase64();
        using var challenged = await http.PostAsJsonAsync(new Uri("/api/v1/mailbox/challenge", UriKind.Relative), new { mailbox });
        Assert.Equal(HttpStatusCode.OK, challenged.StatusCode);
        var challenge = (await challenged.Content.ReadFromJsonAsync<JsonObject>())!;
        var signature = Convert.ToBase64String(codename.SignChallenge(Convert.FromBase64String(challenge["challenge"]!.GetValue<string>())));
        using var opened = await http.PostAsJsonAsync(new Uri("/api/v1/mailbox/open", UriKind.Relative),
            new { mailbox, token = challenge["token"]!.GetValue<string>(), signature });
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        return (await opened.Content.ReadFromJsonAsync<JsonObject>())!["replies"]!.AsArray().Count;
    }
}
