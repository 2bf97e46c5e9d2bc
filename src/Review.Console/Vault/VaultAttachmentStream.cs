using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;

namespace SafeIntake.Review.Console.Vault;

/// <summary>
/// A read-only, seekable view of one attachment's plaintext that opens its sealed 64 KiB chunks only as they are
/// read, one at a time: the metadata reader can seek through a 1 GB video while memory stays at one chunk, and the
/// plaintext never touches the disk. The chunk in memory is zeroed when it is replaced and when the stream closes.
/// </summary>
public sealed class VaultAttachmentStream : Stream
{
    private readonly VaultStore _vault;
    private readonly VaultAttachment _attachment;
    private byte[]? _chunk;
    private int _chunkNumber = -1;
    private long _position;

    public VaultAttachmentStream(VaultStore vault, VaultAttachment attachment)
    {
        _vault = vault ?? throw new ArgumentNullException(nameof(vault));
        _attachment = attachment ?? throw new ArgumentNullException(nameof(attachment));
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _attachment.Size;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= Length || buffer.IsEmpty)
        {
            return 0;
        }

        var number = (int)(_position / VaultAttachmentChunk.PlaintextLength);
        var within = (int)(_position % VaultAttachmentChunk.PlaintextLength);
        var chunk = Load(number);
        var n = (int)Math.Min(Math.Min(buffer.Length, chunk.Length - within), Length - _position);
        if (n <= 0)
        {
            throw new CommandFailedException($"The vault's copy of attachment {_attachment.Id} is shorter than its size: restore the vault from your backup.");
        }

        chunk.AsSpan(within, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => Length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        Forget();
        base.Dispose(disposing);
    }

    private byte[] Load(int number)
    {
        if (number == _chunkNumber && _chunk is not null)
        {
            return _chunk;
        }

        Forget();
        var row = _vault.Db.AttachmentChunks.AsNoTracking().SingleOrDefault(x => x.AttachmentId == _attachment.Id && x.Number == number)
            ?? throw new CommandFailedException($"The vault lost part of attachment {_attachment.Id}: restore it from your backup.");
        _chunk = _vault.Keys.Cells.Open(VaultAttachmentChunk.Table, "Data", VaultAttachmentChunk.RowId(_attachment.Id, number, _attachment.ChunkCount), row.Data);
        _chunkNumber = number;
        return _chunk;
    }

    private void Forget()
    {
        if (_chunk is not null)
        {
            CryptographicOperations.ZeroMemory(_chunk);
            _chunk = null;
            _chunkNumber = -1;
        }
    }
}
