using System.Security.Cryptography;
using Sodium;

namespace SafeIntake.Crypto;

/// <summary>
/// An X25519 secret key. The bytes live in one array that <see cref="Dispose"/> zeroes; they leave it only
/// through <see cref="Export"/>, on explicit request (Sodium.Core's KeyPair.Dispose zeroes nothing).
/// </summary>
public sealed class X25519SecretKey : IDisposable
{
    public const int Length = 32;
    private readonly byte[] _secret;
    private bool _disposed;

    private X25519SecretKey(byte[] secret)
    {
        _secret = secret;
        PublicKey = X25519PublicKey.Import(ScalarMult.Base(secret));
    }

    public X25519PublicKey PublicKey { get; }

    public static X25519SecretKey Generate() => new(Primitives.Random(Length));

    /// <summary>Copies <paramref name="secret"/>; the caller still owns (and should zero) its own copy.</summary>
    public static X25519SecretKey Import(ReadOnlySpan<byte> secret) =>
        secret.Length == Length ? new X25519SecretKey(secret.ToArray()) : throw Error.KeyLength(nameof(secret), Length);

    public byte[] Export() => (byte[])Secret.Clone();

    internal byte[] Secret => _disposed ? throw Error.Disposed(nameof(X25519SecretKey)) : _secret;

    /// <summary>crypto_box_seal_open of one stanza; null when it is not ours.</summary>
    internal byte[]? TryOpenStanza(ReadOnlySpan<byte> stanza)
    {
        try
        {
            return SealedPublicKeyBox.Open(stanza.ToArray(), Secret, PublicKey.ToArray());
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_secret);
        _disposed = true;
    }
}

/// <summary>An Ed25519 signing key held as its 32-byte seed and libsodium's 64-byte secret key, both zeroed on dispose.</summary>
public sealed class Ed25519SecretKey : IDisposable
{
    public const int SeedLength = 32;
    private readonly byte[] _seed;
    private readonly byte[] _secretKey;
    private bool _disposed;

    private Ed25519SecretKey(byte[] seed)
    {
        _seed = seed;
        var pair = PublicKeyAuth.GenerateKeyPair(seed);
        _secretKey = pair.PrivateKey;
        PublicKey = Ed25519PublicKey.Import(pair.PublicKey);
    }

    public Ed25519PublicKey PublicKey { get; }

    public static Ed25519SecretKey Generate() => new(Primitives.Random(SeedLength));

    public static Ed25519SecretKey Import(ReadOnlySpan<byte> seed) =>
        seed.Length == SeedLength ? new Ed25519SecretKey(seed.ToArray()) : throw Error.KeyLength(nameof(seed), SeedLength);

    public byte[] ExportSeed() => _disposed ? throw Error.Disposed(nameof(Ed25519SecretKey)) : (byte[])_seed.Clone();

    public byte[] Sign(byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _disposed ? throw Error.Disposed(nameof(Ed25519SecretKey)) : PublicKeyAuth.SignDetached(message, _secretKey);
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_seed);
        CryptographicOperations.ZeroMemory(_secretKey);
        _disposed = true;
    }
}

/// <summary>A reviewer: an X25519 key that opens envelopes and an Ed25519 key that signs replies and acknowledgements.</summary>
public sealed class ReviewerIdentity : IDisposable
{
    public ReviewerIdentity(X25519SecretKey encryptionKey, Ed25519SecretKey signingKey)
    {
        EncryptionKey = encryptionKey ?? throw new ArgumentNullException(nameof(encryptionKey));
        SigningKey = signingKey ?? throw new ArgumentNullException(nameof(signingKey));
    }

    public X25519SecretKey EncryptionKey { get; }

    public Ed25519SecretKey SigningKey { get; }

    public static ReviewerIdentity Generate() => new(X25519SecretKey.Generate(), Ed25519SecretKey.Generate());

    public BundleReviewer ToBundleEntry(string id, string name) => new(id, name, EncryptionKey.PublicKey, SigningKey.PublicKey);

    /// <summary>Signs a reply envelope for a witness's mailbox (§7.2).</summary>
    public byte[] SignReply(Ed25519PublicKey mailbox, ReadOnlySpan<byte> envelopeHash) =>
        SigningKey.Sign(Signatures.ReplyMessage(mailbox, envelopeHash));

    public void Dispose()
    {
        EncryptionKey.Dispose();
        SigningKey.Dispose();
    }
}

/// <summary>The organisation's offline signing key: it signs reviewer bundles, and nothing else.</summary>
public sealed class OrganisationSigningKey : IDisposable
{
    public OrganisationSigningKey(Ed25519SecretKey key) => Key = key ?? throw new ArgumentNullException(nameof(key));

    public Ed25519SecretKey Key { get; }

    public Ed25519PublicKey PublicKey => Key.PublicKey;

    public static OrganisationSigningKey Generate() => new(Ed25519SecretKey.Generate());

    public SignedReviewerBundle SignBundle(ReviewerBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (!bundle.OrganisationKey.Equals(PublicKey))
        {
            throw Error.Argument(nameof(bundle), "The bundle names a different organisation key.");
        }

        var body = bundle.Encode();
        return SignedReviewerBundle.FromSignature(body, Key.Sign(SignedReviewerBundle.SignedMessage(body)));
    }

    public void Dispose() => Key.Dispose();
}
