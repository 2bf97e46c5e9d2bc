using System.Buffers.Binary;
using System.Text;

namespace SafeIntake.Crypto.Tests;

public sealed class KeyfileTests
{
    // The floor of §5: the fastest parameters a keyfile may have, so the tests stay quick.
    private static readonly Argon2Parameters Fast = Argon2Parameters.Minimum;

    [Fact]
    public void CreateOpen_Reviewer_RoundTripsBothKeys()
    {
        using var identity = ReviewerIdentity.Generate();
        var file = Keyfile.Create(identity, "correct horse battery staple", Fast);

        using var opened = Keyfile.Open(file, "correct horse battery staple");

        Assert.True(opened.IsReviewer);
        Assert.Equal(identity.EncryptionKey.PublicKey, opened.Reviewer.EncryptionKey.PublicKey);
        Assert.Equal(identity.SigningKey.PublicKey, opened.Reviewer.SigningKey.PublicKey);
        Assert.Equal(KeyfileKind.Reviewer, Keyfile.PeekKind(file));
    }

    [Fact]
    public void CreateOpen_Organisation_RoundTrips()
    {
        using var org = OrganisationSigningKey.Generate();
        using var opened = Keyfile.Open(Keyfile.Create(org, "pass phrase", Fast), "pass phrase");

        Assert.True(opened.IsOrganisation);
        Assert.Equal(org.PublicKey, opened.Organisation.PublicKey);
    }

    [Fact]
    public void Open_WrongPassphrase_Fails()
    {
        using var identity = ReviewerIdentity.Generate();
        using var opened = Keyfile.Open(Keyfile.Create(identity, "right", Fast), "wrong");

        Assert.False(opened.IsSuccess);
    }

    [Fact]
    public void Open_PassphraseInOtherUnicodeForm_OpensAfterNfc()
    {
        using var identity = ReviewerIdentity.Generate();
        var file = Keyfile.Create(identity, "caf\u00e9", Fast);

        using var opened = Keyfile.Open(file, "cafe\u0301");

        Assert.True(opened.IsReviewer);
    }

    [Fact]
    public void Open_LoweredPasses_IsRefusedBeforeArgon2()
    {
        using var identity = ReviewerIdentity.Generate();
        var file = Keyfile.Create(identity, "p", Fast);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(11), 1);

        using var opened = Keyfile.Open(file, "p");

        Assert.False(opened.IsSuccess);
    }

    [Theory]
    [InlineData(32UL * 1024 * 1024)]
    [InlineData(1UL << 40)]
    public void Open_MemoryOutsideBounds_IsRefused(ulong memory)
    {
        using var identity = ReviewerIdentity.Generate();
        var file = Keyfile.Create(identity, "p", Fast);
        BinaryPrimitives.WriteUInt64BigEndian(file.AsSpan(15), memory);

        using var opened = Keyfile.Open(file, "p");

        Assert.False(opened.IsSuccess);
    }

    [Fact]
    public void Open_RaisedPassesWithinBounds_FailsOnTheTag()
    {
        // The parameters are associated data: changing them to other acceptable values still breaks the file.
        using var identity = ReviewerIdentity.Generate();
        var file = Keyfile.Create(identity, "p", Fast);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(11), 4);

        using var opened = Keyfile.Open(file, "p");

        Assert.False(opened.IsSuccess);
    }

    [Fact]
    public void Open_TamperedOrTruncated_Fails()
    {
        using var identity = ReviewerIdentity.Generate();
        var file = Keyfile.Create(identity, "p", Fast);
        var flipped = (byte[])file.Clone();
        flipped[^1] ^= 1;
        var kindSwapped = (byte[])file.Clone();
        kindSwapped[9] = (byte)KeyfileKind.Organisation;

        Assert.All(new[] { flipped, file[..^1], file[..10], [], kindSwapped }, bad =>
        {
            using var opened = Keyfile.Open(bad, "p");
            Assert.False(opened.IsSuccess);
        });
    }

    [Fact]
    public void Create_ParametersBelowFloor_ThrowsNamingTheParameter()
    {
        using var identity = ReviewerIdentity.Generate();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Keyfile.Create(identity, "p", new Argon2Parameters(2, Argon2Parameters.MinMemoryBytes)));
        Assert.Equal("parameters", error.ParamName);
    }

    [Fact]
    public void Keyfile_HoldsNoSecretOrPassphraseInClear()
    {
        using var identity = ReviewerIdentity.Generate();
        var file = Keyfile.Create(identity, "canary-passphrase-91", Fast);

        Assert.Equal(-1, file.AsSpan().IndexOf(identity.EncryptionKey.Export()));
        Assert.Equal(-1, file.AsSpan().IndexOf(identity.SigningKey.ExportSeed()));
        Assert.Equal(-1, file.AsSpan().IndexOf(Encoding.UTF8.GetBytes("canary-passphrase-91")));
    }

    [Fact]
    public void Dispose_ZeroesSecretsAndRefusesUse()
    {
        var key = X25519SecretKey.Generate();
        var secret = key.Secret;
        key.Dispose();

        Assert.All(secret, b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => key.Export());
    }
}
