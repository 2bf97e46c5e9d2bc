using System.ComponentModel;
using System.Globalization;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Transfer;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

public sealed class FetchSettings : HomeSettings
{
    [CommandOption("--server <URL>")]
    [Description("The intake server's address, e.g. https://intake.example.org")]
    public string? Server { get; init; }

    [CommandOption("--token-file <FILE>")]
    [Description("A file holding your fetch token (sift_…), as the administrator gave it")]
    public string? TokenFile { get; init; }

    [CommandOption("--out <FILE>")]
    [Description("Where to write the bundle (e.g. on the USB stick). A partial download is kept as FILE.part and resumed")]
    public string? Out { get; init; }

    [CommandOption("--since <SEQ>")]
    [Description("Only envelopes after this sequence number (default: all that you have not acknowledged)")]
    public long? Since { get; init; }

    [CommandOption("--server-key <KEY>")]
    [Description("The server's signing key (base64), if it is not pinned on this machine with server trust")]
    public string? ServerKey { get; init; }

    [CommandOption("--force")]
    [Description("Replace FILE when it exists already (else fetch refuses, so an earlier bundle is never lost)")]
    public bool Force { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Server) ? ValidationResult.Error("--server is required.")
        : string.IsNullOrWhiteSpace(TokenFile) ? ValidationResult.Error("--token-file is required.")
        : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required.")
        : Since is < 0 ? ValidationResult.Error("--since must be 0 or more.")
        : ValidationResult.Success();
}

/// <summary>
/// <c>fetch</c> (online machine, no secret key): downloads an export bundle with resume and a progress bar, then
/// verifies it exactly as import will (signature under the pinned key, sequence, length, hashes) before naming it.
/// </summary>
public sealed class FetchCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<FetchSettings>(console, environment)
{
    public override int Execute(CommandContext context, FetchSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        Ed25519PublicKey? key = null;
        if (settings.ServerKey is not null && !Ed25519PublicKey.TryParseBase64(settings.ServerKey.Trim(), out key))
        {
            throw CommandFailedException.Usage("--server-key is not a public key: expected 44 characters of base64.");
        }

        key ??= home.PinnedServerKey() ?? throw new CommandFailedException(
            "No server key is pinned on this machine: run server trust <key> first, or pass --server-key <key>.");
        if (!File.Exists(settings.TokenFile) || new FileInfo(settings.TokenFile!).Length > 1024)
        {
            throw CommandFailedException.Usage($"--token-file: {settings.TokenFile} does not exist or is not a token file.");
        }

        var token = File.ReadAllText(settings.TokenFile!).Trim();
        if (token.Length == 0 || token.Any(char.IsWhiteSpace))
        {
            throw CommandFailedException.Usage($"--token-file: {settings.TokenFile} does not hold a token.");
        }

        // The bundle and its .part live in the folder the reviewer named, and only there: nothing is created elsewhere.
        var target = Path.GetFullPath(settings.Out!);
        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            throw new CommandFailedException($"--out: the folder {folder} does not exist. Create it (or mount the USB stick), then run fetch again. Nothing was written.");
        }

        if (Directory.Exists(target))
        {
            throw CommandFailedException.Usage($"--out: {target} is a folder; give a file name inside it, e.g. {Path.Combine(target, "export.bundle")}.");
        }

        if (File.Exists(target) && !settings.Force)
        {
            throw new CommandFailedException($"--out: {target} exists already (an earlier bundle?). Import or move it first, give another name, "
                + "or add --force to replace it. Nothing was downloaded.");
        }

        var query = settings.Since is { } since ? string.Create(CultureInfo.InvariantCulture, $"?since={since}") : "";
        var uri = new Uri(HttpTransfer.Endpoint(settings.Server!, "/api/v1/export") + query);
        var part = target + ".part";
        using (var handler = Environment.CreateHttpHandler())
        using (var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan })
        {
            if (settings.Json)
            {
                HttpTransfer.Download(client, uri, token, part, (_, _) => { }, cancellationToken);
            }
            else
            {
                Console.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("Downloading", maxValue: 1);
                        HttpTransfer.Download(client, uri, token, part, (done, total) =>
                        {
                            task.MaxValue = Math.Max(1, total);
                            task.Value = done;
                        }, cancellationToken);
                    });
            }
        }

        var verification = WithProgress(settings.Json, "Verifying", new FileInfo(part).Length, p => ExportBundle.Verify(part, key, p));
        if (!verification.IsValid)
        {
            throw new CommandFailedException($"The bundle is refused: {verification.Message} The download is kept as {part} for inspection; "
                + "delete it and fetch again. If it happens again, tell the administrator: the server or the network altered it.");
        }

        var bundle = verification.Bundle!;
        if (bundle.HashMismatches.Count > 0)
        {
            throw new CommandFailedException($"{bundle.HashMismatches.Count} item(s) do not match their hash. The download is kept as {part}; "
                + "delete it and fetch again.");
        }

        File.Move(part, target, overwrite: settings.Force);
        var m = bundle.Manifest;
        if (settings.Json)
        {
            WriteJson(new { File = settings.Out, m.Reviewer, m.From, m.To, Included = bundle.Entries.Count, Bytes = new FileInfo(settings.Out!).Length });
            return ExitCodes.Ok;
        }

        Line($"[green]Verified.[/] {E(settings.Out)}: sequence {m.From}–{m.To}, {bundle.Entries.Count} envelope(s) for reviewer [bold]{E(m.Reviewer)}[/].");
        Line("Carry it to the air-gapped machine and run: [bold]safeintake-review import <file>[/]");
        return ExitCodes.Ok;
    }
}

public sealed class UploadOutboxSettings : HomeSettings
{
    [CommandArgument(0, "<OUTBOX_FILE>")]
    [Description("The outbox file that import or outbox write produced (outbox/<date>-<n>.json)")]
    public string File { get; init; } = "";

    [CommandOption("--server <URL>")]
    [Description("The intake server's address, e.g. https://intake.example.org")]
    public string? Server { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Server) ? ValidationResult.Error("--server is required.") : ValidationResult.Success();
}

/// <summary><c>upload-outbox</c> (online machine): posts a signed outbox; the server acknowledges, deletes per retention, and refuses a replay.</summary>
public sealed class UploadOutboxCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<UploadOutboxSettings>(console, environment)
{
    public override int Execute(CommandContext context, UploadOutboxSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!File.Exists(settings.File) || new FileInfo(settings.File).Length > Outbox.MaxFileLength)
        {
            throw new CommandFailedException($"{settings.File} does not exist or is too large to be an outbox.");
        }

        var text = File.ReadAllText(settings.File);
        if (!Outbox.TryRead(text, null, out var body))
        {
            throw new CommandFailedException($"{settings.File} is not an outbox file.");
        }

        var uri = HttpTransfer.Endpoint(settings.Server!, "/api/v1/outbox");
        using var handler = Environment.CreateHttpHandler();
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromMinutes(10) };
        var (acknowledged, replies, deleted, notApplied) = HttpTransfer.PostOutbox(client, uri, text, cancellationToken);
        if (settings.Json)
        {
            WriteJson(new { File = settings.File, body.Reviewer, Acknowledged = acknowledged, Replies = replies, Deleted = deleted, NotApplied = notApplied });
            return ExitCodes.Ok;
        }

        foreach (var line in notApplied)
        {
            Line($"[yellow]Not applied:[/] {E(line)}");
        }

        Line($"[green]Uploaded.[/] The server recorded {acknowledged} acknowledgement(s) and {replies} reply(ies) from [bold]{E(body.Reviewer)}[/]; "
            + $"it deleted {deleted} envelope(s) under its retention policy.");
        return ExitCodes.Ok;
    }
}
