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
    public static byte[] Seal(X25519PublicKey[] recipients, byte[] bundleHash, string text)
    {
        using var output = new MemoryStream();
        EnvelopeSealer.Seal(new SealRequest
        {
            Recipients = recipients,
            BundleHash = bundleHash,
            Kind = "report",
            Members = new JsonObject { ["lang"] = "en", ["fields"] = new JsonObject { ["what"] = text } },
            Attachments = [new SealAttachment("note.txt", "text/plain", 5, new MemoryStream("hello"u8.ToArray()))],
        }, output);
        return output.ToArray();
    }

    /// <summary>A witness's upload through the public API: proof of work, chunks, finalize.</summary>
    public static async Task SubmitAsync(HttpClient http, byte[] envelope)
    {
        var pow = await (await http.PostAsync(new Uri("/api/v1/pow", UriKind.Relative), null)).Content.ReadFromJsonAsync<JsonObject>();
        var powToken = pow!["token"]!.GetValue<string>();
        var nonce = Enumerable.Range(0, int.MaxValue).First(n => Meets(powToken, (ulong)n, pow["difficulty"]!.GetValue<int>(), pow["iterations"]!.GetValue<int>()));
        using var created = await http.PostAsJsonAsync(new Uri("/api/v1/uploads", UriKind.Relative),
            new { kind = "report", size = envelope.Length, pow = new { token = powToken, nonce = nonce.ToString(System.Globalization.CultureInfo.InvariantCulture) }, website = "" });
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
