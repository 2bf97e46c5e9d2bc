using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SafeIntake.Crypto;

namespace SafeIntake.Intake.Web.Tests;

/// <summary>The export as the console's fetch and import see it: downloaded with a fetch token, then checked.</summary>
internal static class ExportAssert
{
    /// <summary><c>GET /api/v1/export</c> with <paramref name="token"/>; asserts 200 and returns the file.</summary>
    public static async Task<byte[]> FetchAsync(HttpClient http, string token)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/export", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>What the console checks on import: the server's signature under the pinned key, then each item's hash and bytes.</summary>
    public static void Verifies(byte[] file, string pinnedKey, IReadOnlyList<byte[]> expected)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(expected);
        Assert.Equal("SIExprt1", Encoding.ASCII.GetString(file, 0, 8));
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(8));
        var manifest = file.AsSpan(12, length);
        var signature = file.AsSpan(12 + length, 64);
        Assert.True(Ed25519PublicKey.TryParseBase64(pinnedKey, out var server));
        Assert.True(Signatures.VerifyExport(server, manifest, signature), "the export does not verify under the pinned server key");

        var items = JsonNode.Parse(manifest.ToArray())!["items"]!.AsArray().Where(i => (string?)i!["state"] == "included").ToList();
        Assert.Equal(expected.Count, items.Count);
        var offset = 12 + length + 64;
        for (var i = 0; i < items.Count; i++)
        {
            var size = (int)items[i]!["size"]!;
            var envelope = file.AsSpan(offset, size).ToArray();
            offset += size;
            Assert.Equal((string?)items[i]!["hash"], Convert.ToHexStringLower(WitnessClient.EnvelopeHash(envelope)));
            Assert.Equal(expected[i], envelope);
        }

        Assert.Equal(file.Length, offset);
    }
}
