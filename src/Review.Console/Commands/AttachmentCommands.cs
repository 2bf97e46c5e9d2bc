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
/// It never opens or runs a file: the files came from strangers. The work is <see cref="AttachmentExport"/>'s, which
/// <c>review</c> uses too.
/// </summary>
public sealed class ExportAttachmentCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<ExportAttachmentSettings>(console, environment)
{
    public override int Execute(CommandContext context, ExportAttachmentSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var folder = AttachmentExport.CheckFolder(settings.To!);
        if (!System.IO.File.Exists(home.VaultFile))
        {
            throw new CommandFailedException("There is no vault yet: import a bundle first.");
        }

        VaultStore.CheckFile(home.VaultFile);
        var (reviewer, identity) = home.UnlockReviewer(Passphrases(settings));
        using (identity)
        {
            using var vault = VaultStore.Open(home, reviewer.Id, identity.EncryptionKey);
            var envelopeId = Triage.CaseIds.Resolve(vault, settings.EnvelopeId);
            var exported = AttachmentExport.Export(vault, new Triage.AuditSigner(reviewer.Id, identity.SigningKey), Now, envelopeId, folder, settings.File,
                (position, count, size, work) => WithProgress(settings.Json, $"File {position} of {count}", size, work));
            if (settings.Json)
            {
                WriteJson(new
                {
                    Files = exported.Select(f => new
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
            }
            else
            {
                AttachmentExport.Render(Console, envelopeId, exported);
            }
        }

        return ExitCodes.Ok;
    }
}
