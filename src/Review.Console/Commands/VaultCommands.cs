using System.ComponentModel;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Home;
using SafeIntake.Review.Console.Transfer;
using SafeIntake.Review.Console.Vault;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

public sealed class ImportSettings : UnlockSettings
{
    [CommandArgument(0, "<BUNDLE_FILE>")]
    [Description("The export bundle that fetch wrote on the online machine")]
    public string File { get; init; } = "";

    [CommandOption("--no-outbox")]
    [Description("Do not write the acknowledgement outbox now (write one later with outbox write)")]
    public bool NoOutbox { get; init; }
}

/// <summary>
/// <c>import</c> (air-gapped): unlocks once, verifies the bundle whole (nothing is imported from a refused bundle),
/// streams each item into the vault or quarantine, reports gaps, then writes a signed outbox of acknowledgements.
/// </summary>
public sealed class ImportCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<ImportSettings>(console, environment)
{
    public override int Execute(CommandContext context, ImportSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        var serverKey = home.PinnedServerKey()
            ?? throw new CommandFailedException("No server key is pinned: run server trust <key> with the key your administrator gave you.");
        if (!System.IO.File.Exists(settings.File))
        {
            throw new CommandFailedException($"{settings.File} does not exist.");
        }

        VaultStore.CheckFile(home.VaultFile);
        var (reviewer, identity) = home.UnlockReviewer(Passphrases(settings));
        using (identity)
        {
            var verification = WithProgress(settings.Json, "Verifying", new FileInfo(settings.File).Length, p => ExportBundle.Verify(settings.File, serverKey, p));
            if (!verification.IsValid)
            {
                throw new CommandFailedException($"The bundle is refused and nothing was imported: {verification.Message} "
                    + "Fetch a new bundle; if it is refused again, tell your administrator (docs/reviewer/README.md, \"When a bundle is refused\").");
            }

            var bundle = verification.Bundle!;
            if (bundle.Manifest.Reviewer != reviewer.Id)
            {
                throw new CommandFailedException($"This bundle was exported for reviewer '{bundle.Manifest.Reviewer}', and this vault belongs to '{reviewer.Id}'. Nothing was imported.");
            }

            using var vault = VaultStore.Open(home, reviewer.Id, identity.EncryptionKey);
            var importer = new VaultImporter(vault, identity.EncryptionKey, VaultSession.TrustedKeysOf(reviewer, VaultSession.InstalledBundle(home)), Today);
            var summary = WithProgress(settings.Json, "Importing", bundle.ItemBytes, p => importer.Import(bundle, p));
            if (summary.NewReports + summary.FollowUps + summary.Replies > 0)
            {
                Triage.AuditLog.AppendAndSave(vault, new Triage.AuditSigner(reviewer.Id, identity.SigningKey), Now, "import", null, new Dictionary<string, string>
                {
                    ["sequence"] = $"{bundle.Manifest.From}–{bundle.Manifest.To}",
                    ["reports"] = $"{summary.NewReports}",
                    ["follow-ups"] = $"{summary.FollowUps}",
                    ["replies"] = $"{summary.Replies}",
                    ["quarantined"] = $"{summary.Quarantined.Count}",
                });
            }

            string? outboxPath = null;
            if (!settings.NoOutbox)
            {
                outboxPath = OutboxWriteCommand.Write(home, vault, reviewer.Id, identity.SigningKey, summary.Acknowledge, Today, pendingWhenNothingNew: true);
            }

            Report(settings.Json, bundle, summary, outboxPath);
        }

        return ExitCodes.Ok;
    }

    private void Report(bool json, ExportBundle bundle, ImportSummary s, string? outboxPath)
    {
        if (json)
        {
            WriteJson(new
            {
                bundle.Manifest.From,
                bundle.Manifest.To,
                s.NewReports,
                s.FollowUps,
                s.FollowUpsLinked,
                s.Replies,
                s.Duplicates,
                s.Quarantined,
                s.QuarantinedByCode,
                s.Gaps,
                s.DeletedBeforeImport,
                s.Note,
                Outbox = outboxPath,
                Acknowledged = outboxPath is null ? 0 : s.Acknowledge.Count,
            });
            return;
        }

        var table = new Table().Title($"Import of sequence {bundle.Manifest.From}–{bundle.Manifest.To}").AddColumns("", "count");
        table.AddRow("new reports", $"{s.NewReports}");
        table.AddRow("follow-ups", $"{s.FollowUps}");
        table.AddRow("follow-ups linked to their report", $"{s.FollowUpsLinked}");
        table.AddRow("replies", $"{s.Replies}");
        table.AddRow("duplicates (already in the vault)", $"{s.Duplicates}");
        table.AddRow(s.Quarantined.Count > 0 ? "[red]quarantined[/]" : "quarantined",
            s.Quarantined.Count == 0 ? "0" : $"{s.Quarantined.Count} ({E(string.Join(", ", s.QuarantinedByCode.Select(c => $"{c.Key} {c.Value}")))})");
        table.AddRow(s.Gaps.Count > 0 ? "[yellow]gaps in the sequence[/]" : "gaps in the sequence", s.Gaps.Count > 0 ? E(string.Join(", ", s.Gaps)) : "none");
        Console.Write(table);
        if (s.Quarantined.Count > 0)
        {
            var q = new Table().Title("Quarantined (not imported; not acknowledged, so the server keeps them, except duplicates of an imported envelope)")
                .AddColumns("seq", "id", "kind", "code", "reason");
            foreach (var line in s.Quarantined)
            {
                q.AddRow($"{line.Sequence}", line.Id, line.Kind, line.Code, E(line.Reason));
            }

            Console.Write(q);
        }

        if (s.Gaps.Count > 0)
        {
            Line($"[yellow]Sequence numbers {E(string.Join(", ", s.Gaps))} never reached this vault.[/] Fetch with --since to get them, or ask the administrator.");
        }

        if (s.DeletedBeforeImport.Count > 0)
        {
            Line($"[yellow]The server deleted {s.DeletedBeforeImport.Count} envelope(s) before they were imported here:[/] {E(Ranges.Format(s.DeletedBeforeImport))}.");
        }

        if (s.Note is not null)
        {
            Line($"[yellow]{E(s.Note)}[/]");
        }

        Line(outboxPath is null
            ? "No outbox written."
            : $"Outbox: [bold]{E(outboxPath)}[/] acknowledges {s.Acknowledge.Count} envelope(s). Carry it to the online machine: [bold]upload-outbox[/].");
    }
}

public sealed class OutboxWriteSettings : UnlockSettings
{
    [CommandOption("--all")]
    [Description("Acknowledge every envelope again and carry again every reply the server has not sent back yet (for a lost outbox)")]
    public bool All { get; init; }
}

/// <summary><c>outbox write</c>: a signed outbox on demand (envelopes not yet acknowledged, replies waiting).</summary>
public sealed class OutboxWriteCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<OutboxWriteSettings>(console, environment)
{
    public override int Execute(CommandContext context, OutboxWriteSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        VaultStore.CheckFile(home.VaultFile);
        var (reviewer, identity) = home.UnlockReviewer(Passphrases(settings));
        using (identity)
        {
            using var vault = VaultStore.Open(home, reviewer.Id, identity.EncryptionKey);
            var waiting = vault.Db.OutgoingReplies.Count(r => r.ReviewerId == reviewer.Id && (settings.All || r.QueuedIn == null));
            var (path, carried, replies) = WriteNow(home, vault, reviewer.Id, identity.SigningKey, Today, settings.All);
            if (settings.Json)
            {
                WriteJson(new { Outbox = path, Acknowledged = carried, Replies = replies });
            }
            else if (path is null)
            {
                Line("Nothing to send: every envelope is acknowledged and every reply is in an outbox already (use --all to write them again)."
                    + (waiting > 0 ? $" {waiting} repl{(waiting == 1 ? "y was" : "ies were")} seen back from the server already." : ""));
            }
            else
            {
                Line($"Outbox: [bold]{E(path)}[/] acknowledges {carried} envelope(s) and carries {replies} repl{(replies == 1 ? "y" : "ies")}. "
                    + "Carry it to the online machine: [bold]upload-outbox[/].");
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// <c>outbox write</c>'s work (and <c>review</c>'s "Write the outbox"): an outbox acknowledging every envelope not
    /// yet acknowledged (with <paramref name="all"/>, every envelope and every reply not sent back yet), read back
    /// once written. Returns its path (null when there is nothing new to carry) and what it carries.
    /// </summary>
    public static (string? Path, int Acknowledged, int Replies) WriteNow(ConsoleHome home, VaultStore vault, string reviewerId, Ed25519SecretKey signingKey, DateOnly today, bool all)
    {
        ArgumentNullException.ThrowIfNull(vault);
        var ids = vault.Db.Envelopes.AsNoTracking().Where(e => all || e.AcknowledgedIn == null).OrderBy(e => e.Sequence).Select(e => e.Id).ToList();
        var path = Write(home, vault, reviewerId, signingKey, ids, today, resendReplies: all);
        if (path is null)
        {
            return (null, 0, 0);
        }

        var (acknowledged, replies) = Carried(path);
        return (path, acknowledged, replies);
    }

    /// <summary>What an outbox file carries: acknowledgements and replies (read back, so a failing disk is caught).</summary>
    public static (int Acknowledged, int Replies) Carried(string path)
    {
        if (!Outbox.TryRead(File.ReadAllText(path), null, out var written))
        {
            throw new CommandFailedException($"{path} was written but does not read back as an outbox: the disk may be failing. Run outbox write --all.");
        }

        return (written.Acks.Count, written.Replies);
    }

    /// <summary>
    /// Signs and writes the outbox with the acknowledgements and every reply still waiting (or, with
    /// <paramref name="resendReplies"/>, every reply the server has not sent back yet), then records what it carried
    /// (after the file is safely written). One outbox at a time: a pending outbox (no receipt beside it) is replaced
    /// by one that carries all it carried and what is new, so re-imports do not pile up outboxes. Returns null when
    /// there is nothing new to carry, or with <paramref name="pendingWhenNothingNew"/> the pending outbox that carries it.
    /// </summary>
    public static string? Write(ConsoleHome home, VaultStore vault, string reviewerId, Ed25519SecretKey signingKey, IReadOnlyList<string> acks, DateOnly today,
        bool resendReplies = false, bool pendingWhenNothingNew = false)
    {
        ArgumentNullException.ThrowIfNull(home);
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(acks);
        var pending = Outbox.List(home.OutboxFolder).Where(f => f.IsPending && f.Body.Reviewer == reviewerId).Select(f => f.Path).ToList();
        var pendingNames = pending.Select(Path.GetFileName).OfType<string>().ToList();
        var seenBack = vault.Db.Envelopes.AsNoTracking().Where(e => e.Kind == "reply" && e.EnvelopeHash != null).Select(e => e.EnvelopeHash!)
            .ToHashSet(StringComparer.Ordinal);
        var replies = vault.Db.OutgoingReplies.AsNoTracking()
            .Where(r => r.ReviewerId == reviewerId && (r.QueuedIn == null || resendReplies || pendingNames.Contains(r.QueuedIn)))
            .OrderBy(r => r.Created).ToList().Where(r => !seenBack.Contains(r.Id)).ToList();
        var carried = vault.Db.Envelopes.AsNoTracking().Where(e => e.AcknowledgedIn != null && pendingNames.Contains(e.AcknowledgedIn))
            .Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var somethingNew = acks.Any(id => !carried.Contains(id)) || replies.Any(r => r.QueuedIn is null || !pendingNames.Contains(r.QueuedIn));
        if (!somethingNew && !resendReplies)
        {
            return pendingWhenNothingNew && (acks.Count > 0 || replies.Count > 0) ? pending.FirstOrDefault() : null;
        }

        var allAcks = acks.Concat(carried.Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        var body = Outbox.EncodeBody(reviewerId, today, allAcks,
            replies.Select(r => new OutboxReply(Ed25519PublicKey.TryParseBase64(r.Mailbox, out var mailbox) ? mailbox
                : throw new CommandFailedException($"Queued reply {r.Id[..8]} has a damaged mailbox key: restore the vault from your backup."), r.Signature, r.Envelope)).ToList());
        var text = Outbox.Sign(body, signingKey);
        // Replaced in place (temp file and rename): at every moment one complete pending outbox exists.
        string path;
        if (pending.Count > 0)
        {
            path = pending[0];
            AtomicFile.WriteText(path, text);
        }
        else
        {
            path = Outbox.WriteToFolder(home.OutboxFolder, today, text);
        }

        var name = Path.GetFileName(path);
        using (var writer = new VaultWriter(vault.Connection))
        {
            writer.BeginBatch();
            foreach (var id in allAcks)
            {
                writer.Acknowledge(id, name);
            }

            foreach (var reply in replies)
            {
                writer.MarkReplyQueued(reply.Id, name);
            }

            writer.CommitBatch();
        }

        // Older pending outboxes (from before one-at-a-time) are carried whole by this one.
        foreach (var older in pending.Skip(1))
        {
            File.Delete(older);
        }

        return path;
    }
}

public sealed class SearchSettings : UnlockSettings
{
    [CommandArgument(0, "<WORDS>")]
    [Description("Words to find (all must occur); Chinese text matches by character and character pair")]
    public string Words { get; init; } = "";
}

/// <summary><c>search</c>: finds envelopes through the blind index, without the vault holding any word in clear.</summary>
public sealed class SearchCommand(IAnsiConsole console, ConsoleEnvironment environment) : ConsoleCommand<SearchSettings>(console, environment)
{
    public override int Execute(CommandContext context, SearchSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var home = Home(settings);
        VaultStore.CheckFile(home.VaultFile);
        var (reviewer, identity) = home.UnlockReviewer(Passphrases(settings));
        using (identity)
        {
            using var vault = VaultStore.Open(home, reviewer.Id, identity.EncryptionKey);
            var found = VaultReader.Search(vault, settings.Words);
            if (settings.Json)
            {
                WriteJson(found);
                return ExitCodes.Ok;
            }

            var table = new TableView().Token("id").Token("kind").Token("received").Token("status").Token("report", optional: true)
                .Token("files", optional: true).Text("text");
            foreach (var e in found)
            {
                table.Row(e.Id[..8], E(e.Kind), $"{e.ReceivedDay:yyyy-MM-dd}", TriageMarkup.Status(e.Status), e.CaseId?[..8] ?? "", $"{e.Attachments.Count}",
                    TriageMarkup.Preview(e.What ?? e.Text, 60));
            }

            Write(table);
            Line($"{found.Count} envelope(s). [grey]list --text \"…\" also filters by status, tag and more.[/]");
        }

        return ExitCodes.Ok;
    }
}
