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
    [CommandArgument(0, "<OUTBOX_FILES>")]
    [Description("The outbox files that import or outbox write produced (outbox/*.json); each is posted on its own")]
    public string[] Files { get; init; } = [];

    [CommandOption("--server <URL>")]
    [Description("The intake server's address, e.g. https://intake.example.org")]
    public string? Server { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Server) ? ValidationResult.Error("--server is required.")
        : Files.Length == 0 ? ValidationResult.Error("Name at least one outbox file.")
        : ValidationResult.Success();
}

/// <summary>
/// <c>upload-outbox</c> (online machine): posts signed outboxes, each on its own (one refused file does not stop the
/// others); the server acknowledges, deletes per retention, and refuses a replay. The server's answer is recorded
/// beside each file as <c>&lt;name&gt;.json.uploaded</c>, so an outbox already uploaded is skipped, not replayed.
/// </summary>
public sealed class UploadOutboxCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<UploadOutboxSettings>(console, environment)
{
    public override int Execute(CommandContext context, UploadOutboxSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var uri = HttpTransfer.Endpoint(settings.Server!, "/api/v1/outbox");
        var diagnostics = Diagnostics(settings);
        var results = new List<object>();
        var exit = ExitCodes.Ok;
        // Made on the first post: a run whose files are all refused or skipped opens no connection at all.
        HttpMessageHandler? handler = null;
        HttpClient? client = null;
        HttpClient Client()
        {
            handler ??= Environment.CreateHttpHandler();
            return client ??= new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromMinutes(10) };
        }

        using var cleanup = new Cleanup(() =>
        {
            client?.Dispose();
            handler?.Dispose();
        });
        foreach (var file in settings.Files)
        {
            try
            {
                results.Add(Upload(Client, uri, file, settings, cancellationToken));
            }
            catch (CommandFailedException e) when (settings.Files.Length > 1)
            {
                // One item, one fate: say what happened to this file and go on with the next.
                diagnostics.Error(e.ExitCode, $"{file}: {e.Message}");
                results.Add(new { File = file, Status = "failed", ExitCode = e.ExitCode, Error = e.Message });
                exit = Math.Max(exit, e.ExitCode);
            }
        }

        if (settings.Json)
        {
            WriteJson(settings.Files.Length == 1 ? results[0] : results);
        }

        return exit;
    }

    private sealed class Cleanup(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private object Upload(Func<HttpClient> client, Uri uri, string file, UploadOutboxSettings settings, CancellationToken cancellationToken)
    {
        if (!File.Exists(file) || new FileInfo(file).Length > Outbox.MaxFileLength)
        {
            throw new CommandFailedException($"{file} does not exist or is too large to be an outbox.");
        }

        var text = File.ReadAllText(file);
        if (!Outbox.TryRead(text, null, out var body))
        {
            throw new CommandFailedException($"{file} is not an outbox file.");
        }

        if (Outbox.ReadReceipt(file, text) is { } earlier)
        {
            if (!settings.Json)
            {
                Line($"[grey]•[/] {E(file)} was uploaded already ({earlier.Uploaded:yyyy-MM-dd HH:mm} UTC to {E(earlier.Server)}): skipped.");
            }

            return new { File = file, Status = "skipped", body.Reviewer, earlier.Uploaded, earlier.Server };
        }

        var answer = HttpTransfer.PostOutbox(client(), uri, text, cancellationToken);
        var receipt = new OutboxReceipt(Outbox.Digest(text), uri.GetLeftPart(UriPartial.Authority), Now, answer.Acknowledged, answer.Replies, answer.Deleted, answer.Items);
        try
        {
            Outbox.WriteReceipt(file, receipt);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Diagnostics(settings).Warning($"the upload worked, but its receipt could not be written beside {file} ({FileErrors.Describe(e)}) "
                + "so outbox list will show it as pending; uploading it again is refused as replayed and changes nothing.");
        }

        if (!settings.Json)
        {
            foreach (var line in answer.NotApplied)
            {
                Line($"[yellow]Not applied:[/] {E(line)}");
            }

            Line($"[green]Uploaded[/] {E(file)}. The server recorded {answer.Acknowledged} acknowledgement(s) and {answer.Replies} reply(ies) from "
                + $"[bold]{E(body.Reviewer)}[/]; it deleted {answer.Deleted} envelope(s) under its retention policy.");
        }

        return new
        {
            File = file, Status = "uploaded", body.Reviewer, answer.Acknowledged, answer.Replies, answer.Deleted, answer.NotApplied, answer.Items,
            Receipt = Outbox.ReceiptPath(file),
        };
    }
}

public sealed class OutboxListSettings : HomeSettings
{
    [CommandArgument(0, "[FOLDER]")]
    [Description("The folder holding outbox files (default: the home's outbox folder; e.g. the USB stick they were uploaded from)")]
    public string? Folder { get; init; }
}

/// <summary><c>outbox list</c>: every outbox file, pending or uploaded (with what the server answered); needs no passphrase.</summary>
public sealed class OutboxListCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<OutboxListSettings>(console, environment)
{
    public override int Execute(CommandContext context, OutboxListSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var folder = Path.GetFullPath(settings.Folder ?? Home(settings).OutboxFolder);
        if (settings.Folder is not null && !Directory.Exists(folder))
        {
            throw new CommandFailedException($"{folder} is not an existing folder.");
        }

        var files = Outbox.List(folder);
        if (settings.Json)
        {
            WriteJson(files.Select(f => new
            {
                File = f.Path, State = f.IsPending ? "pending" : "uploaded", f.Body.Reviewer, f.Body.Created, Acks = f.Body.Acks.Count, f.Body.Replies,
                f.Receipt,
            }));
            return ExitCodes.Ok;
        }

        var table = new TableView().Token("file").Token("created").Token("acks").Token("replies").Token("state").Text("server's answer", optional: true);
        foreach (var f in files)
        {
            var r = f.Receipt;
            table.Row(E(Path.GetFileName(f.Path)), E(f.Body.Created), $"{f.Body.Acks.Count}", $"{f.Body.Replies}",
                r is null ? "[yellow]pending[/]" : $"[green]uploaded {r.Uploaded:yyyy-MM-dd}[/]",
                r is null ? "" : E($"{r.Acknowledged} acknowledged, {r.Replies} replies stored, {r.Deleted} deleted"
                    + (r.Items.Count(i => i.Result is not ("acknowledged" or "already-acknowledged" or "stored" or "already-stored")) is var n and > 0 ? $", {n} not applied" : "")));
        }

        Write(table);
        var pending = files.Count(f => f.IsPending);
        Line(files.Count == 0 ? $"No outbox in {E(folder)}."
            : $"{files.Count} outbox(es) in {E(folder)}, {pending} pending. [grey]A pending outbox is replaced by the next one until it is uploaded; "
                + "upload-outbox records the answer beside the file (<name>.json.uploaded).[/]");
        return ExitCodes.Ok;
    }
}
