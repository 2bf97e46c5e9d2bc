using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SafeIntake.Crypto;
using Sodium;

namespace SafeIntake.Review.Console.Vault;

/// <summary>
/// The vault's two keys, derived from the reviewer's X25519 secret (docs/spec/vault-v1.md §2): nothing about the vault
/// is stored apart from the keyfile, so the keyfile's passphrase protects both.
/// </summary>
public sealed class VaultKeys : IDisposable
{
    public const string VaultKeyContext = "SafeIntake/v1 vault-key";
    public const string IndexKeyContext = "SafeIntake/v1 vault-index";

    private VaultKeys(CellCipher cells, BlindIndex index)
    {
        Cells = cells;
        Index = index;
    }

    public CellCipher Cells { get; }

    public BlindIndex Index { get; }

    /// <summary>vault_key = BLAKE2b-256(key = x25519_secret, msg = "SafeIntake/v1 vault-key"); index_key likewise.</summary>
    public static VaultKeys Derive(X25519SecretKey reviewerKey)
    {
        ArgumentNullException.ThrowIfNull(reviewerKey);
        var secret = reviewerKey.Export();
        try
        {
            return new VaultKeys(
                new CellCipher(GenericHash.Hash(Encoding.ASCII.GetBytes(VaultKeyContext), secret, 32)),
                new BlindIndex(GenericHash.Hash(Encoding.ASCII.GetBytes(IndexKeyContext), secret, 32)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public void Dispose()
    {
        Cells.Dispose();
        Index.Dispose();
    }
}

/// <summary>
/// Encrypts one vault cell on its own (docs/spec/vault-v1.md §3): XChaCha20-Poly1305 under vault_key with the cell's
/// table, column and row id as associated data, so a cell moved to another row or column fails to open. The
/// plaintext carries its length and is zero-padded to a multiple of 64 bytes, which hides exact field lengths.
/// </summary>
public sealed class CellCipher : IDisposable
{
    public const byte Version = 1;
    public const int NonceLength = 24;
    public const int PadTo = 64;
    private readonly byte[] _key;
    private bool _disposed;

    public CellCipher(byte[] key) => _key = key ?? throw new ArgumentNullException(nameof(key));

    public static byte[] AssociatedData(string table, string column, string rowId) =>
        [Version, .. Encoding.UTF8.GetBytes(table), 0x00, .. Encoding.UTF8.GetBytes(column), 0x00, .. Encoding.UTF8.GetBytes(rowId)];

    public byte[] Seal(string table, string column, string rowId, ReadOnlySpan<byte> plaintext)
    {
        var padded = new byte[checked(4 + plaintext.Length + PadTo - 1) / PadTo * PadTo];
        try
        {
            BinaryPrimitives.WriteInt32BigEndian(padded, plaintext.Length);
            plaintext.CopyTo(padded.AsSpan(4));
            var nonce = SodiumCore.GetRandomBytes(NonceLength);
            var sealedBytes = SecretAeadXChaCha20Poly1305.Encrypt(padded, nonce, Key, AssociatedData(table, column, rowId));
            return [Version, .. nonce, .. sealedBytes];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(padded);
        }
    }

    public byte[]? SealText(string table, string column, string rowId, string? text)
    {
        if (text is null)
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        try
        {
            return Seal(table, column, rowId, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Opens a cell; a cell that fails to authenticate means the vault was altered or damaged.</summary>
    public byte[] Open(string table, string column, string rowId, byte[] cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (cell.Length < 1 + NonceLength + 16 || cell[0] != Version)
        {
            throw Damaged(table, column, rowId);
        }

        byte[] padded;
        try
        {
            padded = SecretAeadXChaCha20Poly1305.Decrypt(cell[(1 + NonceLength)..], cell[1..(1 + NonceLength)], Key, AssociatedData(table, column, rowId));
        }
        catch (CryptographicException)
        {
            throw Damaged(table, column, rowId);
        }

        try
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(padded);
            return length >= 0 && length <= padded.Length - 4 ? padded[4..(4 + length)] : throw Damaged(table, column, rowId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(padded);
        }
    }

    public string? OpenText(string table, string column, string rowId, byte[]? cell) =>
        cell is null ? null : Encoding.UTF8.GetString(Open(table, column, rowId, cell));

    /// <summary>True when the cell opens; for the key check, which must not throw.</summary>
    public bool TryOpen(string table, string column, string rowId, byte[] cell)
    {
        try
        {
            _ = Open(table, column, rowId, cell);
            return true;
        }
        catch (CommandFailedException)
        {
            return false;
        }
    }

    private byte[] Key => _disposed ? throw new ObjectDisposedException(nameof(CellCipher)) : _key;

    private static CommandFailedException Damaged(string table, string column, string rowId) =>
        new($"The vault is damaged or was altered: {table}.{column} of row {rowId} does not authenticate. Restore the vault from your backup.");

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        _disposed = true;
    }
}
