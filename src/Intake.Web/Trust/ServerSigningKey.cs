using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using SafeIntake.Crypto;
using Sodium;

namespace SafeIntake.Intake.Web.Trust;

/// <summary>
/// The server's own Ed25519 key: it signs export bundles so the air-gapped console can tell that nothing was altered,
/// dropped or added on the way (export-bundle-v1.md §1). The seed rests in <c>DataPath/server-signing.key</c>,
/// protected with DataProtection; it decrypts nothing.
/// </summary>
public sealed class ServerSigningKey : IDisposable
{
    private const string FileName = "server-signing.key";
    private readonly byte[] _secretKey;

    public ServerSigningKey(IDataProtectionProvider protection, string dataPath)
    {
        ArgumentNullException.ThrowIfNull(protection);
        var protector = protection.CreateProtector("SafeIntake.ServerSigningKey.v1");
        var path = Path.Combine(dataPath, FileName);
        byte[] seed;
        if (File.Exists(path))
        {
            seed = protector.Unprotect(File.ReadAllBytes(path));
        }
        else
        {
            seed = RandomNumberGenerator.GetBytes(32);
            Storage.BlobStore.WriteAllBytesAtomic(path, protector.Protect(seed));
        }

        var pair = PublicKeyAuth.GenerateKeyPair(seed);
        CryptographicOperations.ZeroMemory(seed);
        _secretKey = pair.PrivateKey;
        PublicKey = Ed25519PublicKey.Import(pair.PublicKey);
    }

    public Ed25519PublicKey PublicKey { get; }

    /// <summary>
    /// Opens (or on the first start creates) the key as the server starts, so a key ring that cannot open it — a data
    /// folder restored without its keys/ folder, or from another machine — stops the start with one line.
    /// </summary>
    public static ServerSigningKey Open(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        try
        {
            return services.GetRequiredService<ServerSigningKey>();
        }
        catch (CryptographicException)
        {
            throw new IntakeConfigurationException(
                $"{FileName} in the data folder cannot be opened with the key ring in its keys/ folder (restored without it, or from another machine?).",
                Hosting.ExitCodes.Trust);
        }
    }

    /// <summary>Sign("SafeIntake/v1 export" ‖ 0x00 ‖ manifest).</summary>
    public byte[] SignExportManifest(byte[] manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return PublicKeyAuth.SignDetached(Signatures.ExportMessage(manifest), _secretKey);
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_secretKey);
}
