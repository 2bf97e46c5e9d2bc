using System.Globalization;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Review.Console.Commands;
using SafeIntake.Review.Console.Home;
using SafeIntake.Review.Console.Triage;
using SafeIntake.Review.Console.Vault;
using Spectre.Console;

namespace SafeIntake.Review.Console.Attachments;

/// <summary>
/// Decrypts an envelope's files into a folder the reviewer chose (<c>export-attachment</c>, and the export action of
/// <c>review</c>): under safe names that overwrite nothing, owner-only from the first byte, each read back for the
/// metadata that may identify the witness, each export in the audit log. It never opens or runs a file.
/// </summary>
internal static class AttachmentExport
{
    private const int MaxMoveAttempts = 100;

    /// <summary>Runs the copy of file <c>position</c> of <c>count</c> (<c>size</c> bytes), reporting bytes written; returns them.</summary>
    public delegate long WithProgress(int position, int count, long size, Func<IProgress<long>, long> work);

    /// <summary>The full path of an existing folder, or a refusal that says what to do.</summary>
    public static string CheckFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            // Never created here: a folder made silently could sit on an unencrypted disk the reviewer did not mean.
            throw new CommandFailedException($"{full} is not an existing folder. Create it where you mean the files to be (an encrypted disk), then try again. Nothing was exported.");
        }

        return full;
    }

    /// <summary>
    /// Exports every file of envelope <paramref name="envelopeId"/> (or only the one at <paramref name="position"/>,
    /// 1 for the first) into <paramref name="folder"/> and records each in the audit log.
    /// </summary>
    public static IReadOnlyList<ExportedFile> Export(VaultStore vault, AuditSigner signer, DateTimeOffset now, string envelopeId, string folder, int? position, WithProgress withProgress)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(withProgress);
        var views = VaultReader.List(vault, [envelopeId]).Single().Attachments.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var rows = vault.Db.Attachments.AsNoTracking().Where(a => a.EnvelopeId == envelopeId).OrderBy(a => a.Position).ToList();
        if (position is { } only)
        {
            if (only > rows.Count)
            {
                throw new CommandFailedException($"Envelope {envelopeId} has {rows.Count} file(s): --file takes 1 to {rows.Count}. Nothing was exported.");
            }

            rows = [rows[only - 1]];
        }

        var caseId = vault.Db.Envelopes.AsNoTracking().Where(e => e.Id == envelopeId).Select(e => e.Kind == "report" ? e.Id : e.CaseId).Single();
        var exported = new List<ExportedFile>();
        foreach (var row in rows)
        {
            exported.Add(ExportOne(vault, row, views[row.Id], folder, rows.Count, withProgress));
            AuditLog.AppendAndSave(vault, signer, now, "export-attachment", caseId, new Dictionary<string, string>
            {
                ["envelope"] = envelopeId,
                ["file"] = $"{exported[^1].Position}",
                ["to"] = exported[^1].Path,
            });
        }

        return exported;
    }

    /// <summary>What was written where, the metadata still in each file, and the warning before opening them.</summary>
    public static void Render(IAnsiConsole console, string envelopeId, IReadOnlyList<ExportedFile> files)
    {
        if (files.Count == 0)
        {
            console.MarkupLine($"Envelope {envelopeId} has no files. Nothing was exported.");
            return;
        }

        foreach (var f in files)
        {
            var sentAs = MetadataReport.Clean(f.Name);
            console.MarkupLine($"[bold]File {f.Position}:[/] {Markup.Escape(f.Path)}");
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"  {f.Size:N0} bytes; sent as {Markup.Escape(Quote(sentAs))}, type {Markup.Escape(Quote(MetadataReport.Clean(f.Type)))}")
                + (f.Metadata.FileType is { } type ? $"; looks like {Markup.Escape(type)}" : ""));
            if (f.Dangerous)
            {
                console.MarkupLine($"  [red]Dangerous type:[/] opening {Markup.Escape(Path.GetExtension(f.Path))} files can run code. Do not open it on this machine; if it must be examined, hand it to someone who can do so safely.");
            }

            if (f.Metadata.Findings.Count > 0)
            {
                var table = new Table().Title("Metadata still in the file").AddColumns("group", "name", "value");
                foreach (var finding in f.Metadata.Findings)
                {
                    table.AddRow(Markup.Escape(finding.Group), Markup.Escape(finding.Name), Markup.Escape(finding.Value));
                }

                console.Write(table);
            }
            else if (f.Metadata.Error is null)
            {
                console.MarkupLine("  No metadata the reader recognises.");
            }

            if (f.Metadata.Error is { } error)
            {
                console.MarkupLine($"  [yellow]Metadata: {Markup.Escape(error)}.[/]");
            }
        }

        console.Write(new Panel(new Markup(
                "Files from strangers may be hostile. Open them on this air-gapped machine only, with a viewer you trust, "
                + "never with macros or scripts enabled.\n"
                + "Photos, videos and documents may carry metadata that identifies the witness (where, when, with which device, by whom): "
                + "do not publish or pass them on before removing it."))
            .Header("[yellow]Before you open these files[/]")
            .BorderColor(Color.Yellow));
    }

    private static ExportedFile ExportOne(VaultStore vault, VaultAttachment row, AttachmentView view, string folder, int count, WithProgress withProgress)
    {
        var position = row.Position + 1;
        // The temp name owes nothing to the witness's name, so nothing they chose touches the disk until it is cleaned.
        var temp = Path.Combine(folder, $".safeintake-export-{Guid.NewGuid():N}.part");
        try
        {
            MetadataFindings metadata;
            using (var file = CreatePrivate(temp))
            {
                withProgress(position, count, row.Size, progress =>
                {
                    using var counting = new ProgressStream(file, progress);
                    VaultReader.CopyAttachment(vault, row, counting);
                    return counting.Written;
                });
                file.Flush(flushToDisk: true);
                if (file.Length != row.Size)
                {
                    throw new CommandFailedException($"File {position} came out of the vault with {file.Length} bytes instead of {row.Size}: restore the vault from your backup.");
                }

                // Read from the handle just written, not by name: what is reported is what was written.
                file.Position = 0;
                metadata = MetadataReport.Read(file, MetadataReport.Budget);
            }

            var path = MoveToSafeName(temp, folder, view.Name, position);
            return new ExportedFile(position, view.Name, path, row.Size, view.Type, SafeFileName.IsDangerous(path), metadata);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static FileStream CreatePrivate(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // 0600 from the first byte, not after: no moment in which another account can open it.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(path, options);
        AtomicFile.RestrictToOwner(path);
        return stream;
    }

    /// <summary>Renames without overwriting: a name taken since <see cref="SafeFileName.Unique"/> looked gets the next number.</summary>
    private static string MoveToSafeName(string temp, string folder, string name, int position)
    {
        for (var attempt = 0; attempt < MaxMoveAttempts; attempt++)
        {
            var path = Path.Combine(folder, SafeFileName.Unique(folder, name, position));
            if (!string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), Path.TrimEndingDirectorySeparator(folder), StringComparison.Ordinal))
            {
                throw new InvalidOperationException("A cleaned attachment name left the export folder.");
            }

            try
            {
                System.IO.File.Move(temp, path, overwrite: false);
                return path;
            }
            catch (IOException) when (Path.Exists(path))
            {
                // Taken in between: ask for the next free name.
            }
        }

        throw new CommandFailedException($"Could not find a free name in {folder} for file {position}: the folder keeps changing. Nothing was overwritten.");
    }

    private static string Quote(string text) => $"\"{text}\"";

    public sealed record ExportedFile(int Position, string Name, string Path, long Size, string Type, bool Dangerous, MetadataFindings Metadata);

    /// <summary>Passes writes through and reports how many bytes went by, for the progress bar.</summary>
    private sealed class ProgressStream(Stream inner, IProgress<long> progress) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
            progress.Report(Written);
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
