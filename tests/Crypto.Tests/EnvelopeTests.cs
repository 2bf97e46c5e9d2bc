using System.Text.Json.Nodes;
using CsCheck;

namespace SafeIntake.Crypto.Tests;

public sealed class EnvelopeTests
{
    private static readonly byte[] BundleHash = Primitives.Blake2b256("bundle"u8);

    internal static byte[] Seal(IReadOnlyList<X25519PublicKey> recipients, params byte[][] attachments)
    {
        using var output = new MemoryStream();
        EnvelopeSealer.Seal(new SealRequest
        {
            Recipients = recipients,
            BundleHash = BundleHash,
            Kind = "report",
            Members = new JsonObject { ["fields"] = new JsonObject { ["what"] = "canary" } },
            Attachments = attachments.Select((a, i) => new SealAttachment($"file{i}", "application/octet-stream", a.Length, new MemoryStream(a))).ToList(),
        }, output);
        return output.ToArray();
    }

    private static (OpenResult Result, IReadOnlyList<byte[]> Attachments) Open(byte[] envelope, params X25519SecretKey[] keys)
    {
        var sink = new MemoryEnvelopeSink();
        var result = EnvelopeOpener.Open(new MemoryStream(envelope), keys, sink);
        return (result, sink.Attachments);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(65537)]
    [InlineData(3 * 1024 * 1024 + 7)]
    public void SealOpen_AttachmentOfSize_RoundTrips(int size)
    {
        using var key = X25519SecretKey.Generate();
        var data = new byte[size];
        Random.Shared.NextBytes(data);

        var envelope = Seal([key.PublicKey], data);
        var (result, attachments) = Open(envelope, key);

        Assert.Equal(OpenStatus.Success, result.Status);
        Assert.Equal(data, Assert.Single(attachments));
        Assert.Equal("canary", result.Manifest!.Root.GetProperty("fields").GetProperty("what").GetString());
        Assert.Equal(BundleHash, result.BundleHash.ToArray());
    }

    [Fact]
    public void Seal_PayloadLength_IsPaddedToPadme()
    {
        using var key = X25519SecretKey.Generate();
        var small = Seal([key.PublicKey], new byte[10]);
        var alsoSmall = Seal([key.PublicKey], new byte[5000]);
        var headerLength = EnvelopeFormat.HeaderLength(1);

        Assert.Equal(small.Length, alsoSmall.Length);
        Assert.Equal(headerLength + Padding.MinimumBucket + 16, small.Length);
    }

    [Fact]
    public void Open_EveryRecipient_CanOpen_AndOthersCannot()
    {
        var keys = Enumerable.Range(0, 5).Select(_ => X25519SecretKey.Generate()).ToArray();
        using var stranger = X25519SecretKey.Generate();
        var envelope = Seal(keys.Select(k => k.PublicKey).ToList(), [1, 2, 3]);

        Assert.All(keys, k => Assert.Equal(OpenStatus.Success, Open(envelope, k).Result.Status));
        Assert.Equal(OpenStatus.NoMatchingKey, Open(envelope, stranger).Result.Status);
        Assert.Equal(OpenStatus.Success, Open(envelope, stranger, keys[3]).Result.Status);
    }

    [Fact]
    public void Open_AnyFlippedBit_NeverSucceeds()
    {
        using var key = X25519SecretKey.Generate();
        var envelope = Seal([key.PublicKey], new byte[70000]);
        Gen.Int[0, envelope.Length - 1].Select(Gen.Int[0, 7]).Sample((offset, bit) =>
        {
            var copy = (byte[])envelope.Clone();
            copy[offset] ^= (byte)(1 << bit);
            return Open(copy, key).Result.Status != OpenStatus.Success;
        }, iter: 300);
    }

    [Fact]
    public void Open_TruncatedAnywhere_NeverSucceeds()
    {
        using var key = X25519SecretKey.Generate();
        var envelope = Seal([key.PublicKey], new byte[140000]);
        var boundaries = new List<int> { 0, 1, 59, 60, EnvelopeFormat.HeaderLength(1) - 1, EnvelopeFormat.HeaderLength(1) };
        for (var chunk = 1; chunk <= 3; chunk++)
        {
            var end = EnvelopeFormat.HeaderLength(1) + (chunk * EnvelopeFormat.SealedChunkLength);
            boundaries.AddRange([end - 1, end, end + 1]);
        }

        foreach (var length in boundaries.Where(b => b < envelope.Length).Append(envelope.Length - 1))
        {
            Assert.NotEqual(OpenStatus.Success, Open(envelope[..length], key).Result.Status);
        }

        Assert.Equal(OpenStatus.Success, Open(envelope, key).Result.Status);
    }

    [Fact]
    public void Open_HeaderFailures_AreReportedBeforeAnyKeyIsTried()
    {
        using var key = X25519SecretKey.Generate();
        var envelope = Seal([key.PublicKey]);
        envelope[8] = 2;

        Assert.Equal(OpenStatus.HeaderFailure, Open(envelope, key).Result.Status);
        Assert.False(EnvelopeHeader.TryParse(envelope, out _));
    }

    [Fact]
    public void HeaderParser_ValidEnvelope_ReportsShapeWithoutAnyKey()
    {
        var keys = Enumerable.Range(0, 3).Select(_ => X25519SecretKey.Generate().PublicKey).ToList();
        var envelope = Seal(keys);

        Assert.True(EnvelopeHeader.TryParse(envelope, out var header));
        Assert.Equal(3, header.RecipientCount);
        Assert.Equal(92 + (80 * 3), header.Length);
        Assert.Equal(BundleHash, header.BundleHash.ToArray());
        Assert.False(EnvelopeHeader.TryParse(envelope.AsSpan(0, header.Length - 1), out _));
    }

    [Fact]
    public void Seal_AttachmentShorterThanDeclared_Throws()
    {
        using var key = X25519SecretKey.Generate();
        var request = new SealRequest
        {
            Recipients = [key.PublicKey],
            BundleHash = BundleHash,
            Kind = "report",
            Attachments = [new SealAttachment("a", "b", 10, new MemoryStream(new byte[9]))],
        };

        Assert.Throws<InvalidOperationException>(() => EnvelopeSealer.Seal(request, Stream.Null));
    }

    [Fact]
    public void Seal_NoRecipients_ThrowsNamingTheParameter()
    {
        var request = new SealRequest { Recipients = [], BundleHash = BundleHash, Kind = "report" };

        var error = Assert.Throws<ArgumentException>(() => EnvelopeSealer.Seal(request, Stream.Null));
        Assert.Equal("request", error.ParamName);
    }

    [Fact]
    public void SealOpen_RandomAttachmentSets_RoundTrip()
    {
        using var key = X25519SecretKey.Generate();
        Gen.Byte.Array[0, 3000].Array[0, 4].Sample(attachments =>
        {
            var (result, opened) = Open(Seal([key.PublicKey], attachments), key);
            return result.IsSuccess && opened.Count == attachments.Length && opened.Zip(attachments).All(p => p.First.AsSpan().SequenceEqual(p.Second));
        }, iter: 40);
    }

    [Fact]
    public void Padding_Examples_MatchSpec()
    {
        Assert.Equal(16384, Padding.Pad(0));
        Assert.Equal(16384, Padding.Pad(16384));
        Assert.Equal(17408, Padding.Pad(16385));
        Assert.Equal(100352, Padding.Pad(100000));
        Assert.Equal(1081344, Padding.Pad(1048577));
    }

    [Fact]
    public void Padding_Property_NeverShrinks_AndCostsAtMostTwelvePercent()
    {
        Gen.Long[Padding.MinimumBucket, 1L << 45].Sample(length =>
        {
            var padded = Padding.Pad(length);
            return padded >= length && padded - length <= length * 0.12 && Padding.Pad(padded) == padded;
        });
    }
}
