using System.ComponentModel;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Review.Console.Attachments;
using SafeIntake.Review.Console.Home;
using SafeIntake.Review.Console.Vault;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

public sealed class ExportAttachmentSettings : UnlockSettings
{
    [CommandArgument(0, "<ENVELOPE_ID>")]
    [Description("The envelope's id as list shows it: all 32 hex digits, or a unique first 6 or more")]
    public string EnvelopeId { get; init; } = "";

    [CommandOption("--to <FOLDER>")]
    [Description("An existing folder to write the files to (it is not created for you)")]
    public string? To { get; init; }

    [CommandOption("--file <POSITION>")]
    [Description("Only the file at this position in the envelope (1 is the first). Default: every file")]
    public int? File { get; init; }

    public override ValidationResult Validate() =>
        Triage.CaseIds.Problem(EnvelopeId, "an envelope id") is { } problem ? ValidationResult.Error(problem)
        : string.IsNullOrWhiteSpace(To) ? ValidationResult.Error("--to is required: the existing folder to write the files to.")
        : File is < 1 ? ValidationResult.Error("--file is a position: 1 for the first file.")
        : ValidationResult.Success();
}

/// <summary>
/// <c>export-attachment</c> (air-gapped): decrypts an envelope's files into a folder the reviewer chose, under safe
/// names that overwrite nothing, owner-only, then lists the metadata still in each that may identify the witness.
/// It never opens or runs a file: the files came from strangers.
/// </summary>
public sealed class ExportAttachmentCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<ExportAttachmentSettings>(console, environment)
{
    private const int MaxMoveAttempts = 100;

    public override int Execute(CommandContext context, ExportAttachmentSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var folder = Path.GetFullPath(settings.To!);
        if (!Directory.Exists(folder))
        {
            // Never created here: a folder made silently could sit on an unencrypted disk the reviewer did not mean.
            throw new CommandFailedException($"--to: {folder} is not an existing folder. Create it where you mean the files to be (an encrypted disk), then run again. Nothing was exported.");
        }

        if (!System.IO.File.Exists(home.VaultFile))
        {
            throw new CommandFailedException("There is no vault yet: import a bundle first.");
        }

        VaultStore.CheckFile(home.VaultFile);
        var (reviewer, identity) = home.UnlockReviewer(Passphrases(settings));
        List<ExportedFile> exported;
        using (identity)
        {
            using var vault = VaultStore.Open(home, reviewer.Id, identity.EncryptionKey);
            var envelopeId = Triage.CaseIds.Resolve(vault, settings.EnvelopeId);
            var views = VaultReader.List(vault, [envelopeId]).Single().Attachments.ToDictionary(a => a.Id, StringComparer.Ordinal);
            var rows = vault.Db.Attachments.AsNoTracking().Where(a => a.EnvelopeId == envelopeId).OrderBy(a => a.Position).ToList();
            if (settings.File is { } position)
            {
                if (position > rows.Count)
                {
                    throw new CommandFailedException($"Envelope {envelopeId} has {rows.Count} file(s): --file takes 1 to {rows.Count}. Nothing was exported.");
                }

                rows = [rows[position - 1]];
            }

            exported = [];
            foreach (var row in rows)
            {
                exported.Add(Export(vault, row, views[row.Id], folder, rows.Count, settings.Json));
                var caseId = vault.Db.Envelopes.AsNoTracking().Where(e => e.Id == envelopeId).Select(e => e.Kind == "report" ? e.Id : e.CaseId).Single();
                Triage.AuditLog.AppendAndSave(vault, new Triage.AuditSigner(reviewer.Id, identity.SigningKey), Now, "export-attachment", caseId,
                    new Dictionary<string, string>
                    {
                        ["envelope"] = envelopeId,
                        ["file"] = $"{exported[^1].Position}",
                        ["to"] = exported[^1].Path,
                    });
            }

            Report(settings.Json, envelopeId, exported);
        }

        return ExitCodes.Ok;
    }

    private ExportedFile Export(VaultStore vault, VaultAttachment row, AttachmentView view, string folder, int count, bool quiet)
    {
        var position = row.Position + 1;
        // The temp name owes nothing to the witness's name, so nothing they chose touches the disk until it is cleaned.
        var temp = Path.Combine(folder, $".safeintake-export-{Guid.NewGuid():N}.part");
        try
        {
            MetadataFindings metadata;
            using (var file = CreatePrivate(temp))
            {
                WithProgress(quiet, $"File {position} of {count}", row.Size, progress =>
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
            if (System.IO.File.Exists(temp))
            {
                System.IO.File.Delete(temp);
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

    private void Report(bool json, string envelopeId, List<ExportedFile> files)
    {
        if (json)
        {
            WriteJson(new
            {
                Files = files.Select(f => new
                {
                    f.Position,
                    f.Name,
                    f.Path,
                    f.Size,
                    f.Type,
                    f.Dangerous,
                    Metadata = new { f.Metadata.FileType, f.Metadata.Error, f.Metadata.Findings },
                }),
            });
            return;
        }

        if (files.Count == 0)
        {
            Line($"Envelope {envelopeId} has no files. Nothing was exported.");
            return;
        }

        foreach (var f in files)
        {
            var sentAs = MetadataReport.Clean(f.Name);
            Line($"[bold]File {f.Position}:[/] {E(f.Path)}");
            Line(string.Create(CultureInfo.InvariantCulture, $"  {f.Size:N0} bytes; sent as {E(Quote(sentAs))}, type {E(Quote(MetadataReport.Clean(f.Type)))}")
                + (f.Metadata.FileType is { } type ? $"; looks like {E(type)}" : ""));
            if (f.Dangerous)
            {
                Line($"  [red]Dangerous type:[/] opening {E(Path.GetExtension(f.Path))} files can run code. Do not open it on this machine; if it must be examined, hand it to someone who can do so safely.");
            }

            if (f.Metadata.Findings.Count > 0)
            {
                var table = new Table().Title("Metadata still in the file").AddColumns("group", "name", "value");
                foreach (var finding in f.Metadata.Findings)
                {
                    table.AddRow(E(finding.Group), E(finding.Name), E(finding.Value));
                }

                Console.Write(table);
            }
            else if (f.Metadata.Error is null)
            {
                Line("  No metadata the reader recognises.");
            }

            if (f.Metadata.Error is { } error)
            {
                Line($"  [yellow]Metadata: {E(error)}.[/]");
            }
        }

        Console.Write(new Panel(new Markup(
                "Files from strangers may be hostile. Open them on this air-gapped machine only, with a viewer you trust, "
                + "never with macros or scripts enabled.\n"
                + "Photos, videos and documents may carry metadata that identifies the witness (where, when, with which device, by whom): "
                + "do not publish or pass them on before removing it."))
            .Header("[yellow]Before you open these files[/]")
            .BorderColor(Color.Yellow));
    }

    private static string Quote(string text) => $"\"{text}\"";

    private sealed record ExportedFile(int Position, string Name, string Path, long Size, string Type, bool Dangerous, MetadataFindings Metadata);

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
