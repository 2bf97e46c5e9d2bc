using System.Globalization;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Replies;
using SafeIntake.Review.Console.Triage;
using SafeIntake.Review.Console.Vault;
using Spectre.Console;

namespace SafeIntake.Review.Console.Commands;

/// <summary>
/// <c>reply</c>: seals a reply to the witness's reply key and to every reviewer of the organisation's bundle, signs
/// it with this reviewer's key (envelope-v1.md §7.2) and queues it in the vault; the next outbox carries it to the
/// server, which checks the signature and files it in the witness's mailbox.
/// </summary>
public sealed class ReplyCommand(IAnsiConsole console, ConsoleEnvironment environment) : SessionCommand<TextSettings>(console, environment)
{
    protected override int Run(VaultSession session, TextSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        var id = CaseIds.ResolveReport(session.Vault, settings.Id);
        Replies.CheckCanReply(session, id);
        var text = TextInput.Read(settings.Text, settings.TextFile, Environment, session.Home, "reply",
            $"Reply to the witness of report {id[..8]}. Only the witness (with their codename) and your team can read it.\n"
            + "Do not name yourself, colleagues or other witnesses; the witness may be read over their shoulder.");
        var queued = Replies.Queue(session, id, text, Now);
        if (settings.Json)
        {
            WriteJson(new { id, reply = queued.ReplyId, audit = queued.Record.Sequence, recipients = queued.Recipients });
            return ExitCodes.Ok;
        }

        Line($"[green]✓[/] Reply to report {id[..8]} sealed to the witness and {queued.Recipients - 1} reviewer key(s), signed by you, and queued. "
            + $"[grey](audit entry {queued.Record.Sequence})[/]");
        Line("Next: [bold]outbox write[/] (import writes one too), carry the outbox to the online machine and run [bold]upload-outbox[/].");
        return ExitCodes.Ok;
    }
}

/// <summary>The reply action, shared by the <c>reply</c> command and the interactive <c>review</c>.</summary>
public static class Replies
{
    public sealed record Queued(string ReplyId, int Recipients, AuditRecord Record);

    /// <summary>Refuses early (before the reviewer writes anything) when no reply could be sent.</summary>
    public static void CheckCanReply(VaultSession session, string reportId)
    {
        ArgumentNullException.ThrowIfNull(session);
        var bundle = session.Bundle
            ?? throw new CommandFailedException("Replies need the organisation's reviewer bundle: run bundle install <bundle.json> --org-key <key> first "
                + "(the witness's page trusts a reply only from a reviewer in it).");
        if (bundle.Bundle.FindReviewer(session.Reviewer.Id) is not { } me || !me.SigningKey.Equals(session.Reviewer.SigningKey))
        {
            throw new CommandFailedException($"You ('{session.Reviewer.Id}') are not in the installed reviewer bundle with this key, so the witness's page "
                + "would not trust your reply. Ask the organisation to add you (org add-reviewer) and install the new bundle.");
        }

        var report = session.Vault.Db.Envelopes.AsNoTracking().Single(e => e.Id == reportId);
        if (report.Kind == "report" && !CaseQuery.CanReply(session.Vault, report) && CaseQuery.HasReplyKeys(session.Vault, report))
        {
            throw new CommandFailedException($"Report {reportId[..8]} cannot receive replies: the reply keys inside it name a mailbox the server did not file "
                + "it under (another one, or none), so the server would refuse a reply. Nothing was queued.");
        }

        if (report.Kind != "report" || !CaseQuery.CanReply(session.Vault, report))
        {
            throw new CommandFailedException($"The witness of report {reportId[..8]} chose no codename, so this report cannot receive replies.");
        }
    }

    public static Queued Queue(VaultSession session, string reportId, string text, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        CheckCanReply(session, reportId);
        var vault = session.Vault;
        var report = vault.Db.Envelopes.Single(e => e.Id == reportId);
        var manifest = vault.Keys.Cells.Open(VaultEnvelope.Table, nameof(VaultEnvelope.Manifest), reportId, report.Manifest);
        var trimmed = text.Trim();
        var composed = ReplyComposer.Compose(manifest, trimmed, DateOnly.FromDateTime(now.UtcDateTime), session.Reviewer.Id, session.Identity, session.Bundle!);
        var replyId = Convert.ToHexStringLower(composed.EnvelopeHash);
        AuditRecord record;
        try
        {
            using var transaction = vault.Db.Database.BeginTransaction();
            vault.Db.OutgoingReplies.Add(new OutgoingReply
            {
                Id = replyId,
                CaseId = reportId,
                ReviewerId = session.Reviewer.Id,
                Mailbox = composed.Mailbox.ToBase64(),
                Created = now,
                Envelope = composed.Envelope,
                Signature = composed.Signature,
                Text = vault.Keys.Cells.SealText(OutgoingReply.Table, nameof(OutgoingReply.Text), replyId, trimmed)!,
            });
            record = AuditLog.Append(vault, session.Signer, now, "reply", reportId, new Dictionary<string, string>
            {
                ["reply"] = replyId[..32],
                ["length"] = trimmed.Length.ToString(CultureInfo.InvariantCulture),
            });
            vault.Db.SaveChanges();
            transaction.Commit();
        }
        finally
        {
            // Nothing staged may outlive a failure: a later action would otherwise save this reply without its entry.
            vault.Db.ChangeTracker.Clear();
        }

        var recipients = session.Bundle!.Bundle.Reviewers.Count + 1;
        return new Queued(replyId[..32], recipients, record);
    }
}
