using Spectre.Console.Cli;

namespace SafeIntake.Review.Console.Commands;

/// <summary>Every command, its one-line description and examples: what <c>--help</c> shows.</summary>
public static class CommandTree
{
    public static void Configure(IConfigurator config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.SetApplicationName("safeintake-review");
        config.AddExample("keys", "init", "--id", "alice", "--name", "\"Alice Chan\"");
        config.AddExample("server", "trust", "<server key>");
        config.AddExample("fetch", "--server", "https://intake.example.org", "--token-file", "token.txt", "--out", "/media/usb/export.bundle");
        config.AddExample("import", "/media/usb/export.bundle");
        config.AddExample("review");
        config.AddExample("upload-outbox", "--server", "https://intake.example.org", "/media/usb/2026-11-26-1.json");

        config.AddBranch("keys", keys =>
        {
            keys.SetDescription("Your reviewer identity: create it, show it, change its passphrase (air-gapped machine).");
            keys.AddCommand<KeysInitCommand>("init")
                .WithDescription("Create your reviewer keys in a passphrase-protected keyfile and write <id>.pub.json for the organisation.")
                .WithExample("keys", "init", "--id", "alice", "--name", "\"Alice Chan\"");
            keys.AddCommand<KeysShowCommand>("show").WithDescription("Show your id, public keys and fingerprint (no passphrase needed).");
            keys.AddCommand<KeysChangePassphraseCommand>("change-passphrase").WithDescription("Re-seal your keyfile under a new passphrase.");
        });

        config.AddBranch("org", org =>
        {
            org.SetDescription("The organisation's signing key and reviewer bundle (an offline machine of the organisation).");
            org.AddCommand<OrgInitCommand>("init").WithDescription("Create the organisation's signing key.")
                .WithExample("org", "init", "--name", "\"Example Rights Group\"");
            org.AddCommand<OrgAddReviewerCommand>("add-reviewer").WithDescription("Add a reviewer's <id>.pub.json to the next bundle.")
                .WithExample("org", "add-reviewer", "alice.pub.json");
            org.AddCommand<OrgRemoveReviewerCommand>("remove-reviewer").WithDescription("Remove a reviewer from the next bundle.")
                .WithExample("org", "remove-reviewer", "alice");
            org.AddCommand<OrgSignBundleCommand>("sign-bundle").WithDescription("Sign the reviewer bundle for the server (the epoch rises by one) and print its fingerprint.")
                .WithExample("org", "sign-bundle", "--expires", "90", "--out", "bundle.json");
            org.AddCommand<OrgRotateKeyCommand>("rotate-key")
                .WithDescription("Replace the organisation's signing key, keeping the reviewers and the epoch (then sign a bundle).");
            org.AddCommand<OrgShowCommand>("show").WithDescription("Show the organisation key, last epoch and reviewers.");
        });

        config.AddBranch("server", server =>
        {
            server.SetDescription("Pin the intake server's export-signing key (both machines).");
            server.AddCommand<ServerTrustCommand>("trust").WithDescription("Pin the server key that signs export bundles.")
                .WithExample("server", "trust", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=");
            server.AddCommand<ServerShowCommand>("show").WithDescription("Show the pinned server key.");
        });

        config.AddBranch("bundle", bundle =>
        {
            bundle.SetDescription("Keep the organisation's reviewer bundle, to check replies signed by colleagues.");
            bundle.AddCommand<BundleInstallCommand>("install").WithDescription("Verify and install a signed reviewer bundle.")
                .WithExample("bundle", "install", "bundle.json", "--org-key", "<organisation key>");
        });

        config.AddCommand<FetchCommand>("fetch")
            .WithDescription("Online machine: download and verify an export bundle (resumable; needs no secret key).")
            .WithExample("fetch", "--server", "https://intake.example.org", "--token-file", "token.txt", "--out", "/media/usb/export.bundle");
        config.AddCommand<ImportCommand>("import")
            .WithDescription("Air-gapped machine: verify a bundle, decrypt it into the vault, write the acknowledgement outbox.")
            .WithExample("import", "/media/usb/export.bundle");
        config.AddBranch("outbox", outbox =>
        {
            outbox.SetDescription("Signed acknowledgements (and later replies) for the server.");
            outbox.AddCommand<OutboxWriteCommand>("write").WithDescription("Write an outbox for everything not acknowledged yet (it replaces the pending one).");
            outbox.AddCommand<OutboxListCommand>("list").WithDescription("List the outboxes: pending, or uploaded with the server's answer (no passphrase needed).")
                .WithExample("outbox", "list", "/media/usb");
        });
        config.AddCommand<UploadOutboxCommand>("upload-outbox")
            .WithDescription("Online machine: send outboxes to the server, show what it did and record its answer beside each file.")
            .WithExample("upload-outbox", "--server", "https://intake.example.org", "/media/usb/outbox/*.json");
        config.AddCommand<ReviewCommand>("review").WithDescription("Interactive: unlock once and work through the inbox.")
            .WithExample("review");
        config.AddCommand<ListCommand>("list")
            .WithDescription("The inbox: reports filtered by status, severity, tag, assignee, category, language, day or words, and sorted.")
            .WithExample("list", "--status", "new", "--sort", "oldest")
            .WithExample("list", "--tag", "police", "--severity", "high,critical", "--text", "\"north gate\"");
        config.AddCommand<ShowCommand>("show").WithDescription("One report whole: fields, attachments, follow-ups, replies, notes and history.")
            .WithExample("show", "3f9a01c2");
        config.AddCommand<StatsCommand>("stats").WithDescription("The dashboard: reports by status, severity and week, as charts.");
        config.AddCommand<SetStatusCommand>("set-status")
            .WithDescription("Move a report along the workflow: new → triaged → investigating → closed, or rejected --reason.")
            .WithExample("set-status", "3f9a01c2", "triaged")
            .WithExample("set-status", "3f9a01c2", "rejected", "--reason", "\"spam: same text as 9c1e…\"");
        config.AddCommand<SetSeverityCommand>("set-severity").WithDescription("Set a report's severity: low, medium, high or critical.")
            .WithExample("set-severity", "3f9a01c2", "high");
        config.AddCommand<TagCommand>("tag").WithDescription("Add tags to a report.").WithExample("tag", "3f9a01c2", "police", "detention");
        config.AddCommand<UntagCommand>("untag").WithDescription("Remove tags from a report.").WithExample("untag", "3f9a01c2", "detention");
        config.AddCommand<AssignCommand>("assign").WithDescription("Assign a report to a reviewer (or 'me', or --none).")
            .WithExample("assign", "3f9a01c2", "me");
        config.AddCommand<NoteCommand>("note").WithDescription("Add an internal note to a report (never sent): from --text, a pipe, or your editor.")
            .WithExample("note", "3f9a01c2", "--text", "\"Called the clinic; they confirm the date.\"");
        config.AddCommand<LinkCommand>("link").WithDescription("Mark two reports as the same incident.").WithExample("link", "3f9a01c2", "9c1e7700");
        config.AddCommand<UnlinkCommand>("unlink").WithDescription("Undo a link between two reports.");
        config.AddCommand<MergeViewCommand>("merge-view").WithDescription("Every report of one incident side by side, with a combined timeline.")
            .WithExample("merge-view", "3f9a01c2");
        config.AddCommand<ReplyCommand>("reply")
            .WithDescription("Reply to the witness: sealed to their codename and your team, signed by you, queued for the next outbox.")
            .WithExample("reply", "3f9a01c2")
            .WithExample("reply", "3f9a01c2", "--text-file", "answer.txt");
        config.AddCommand<ExportCaseCommand>("export-case")
            .WithDescription("Write one readable case file (Markdown, or HTML with no scripts) for handing a case on; recorded in the audit log.")
            .WithExample("export-case", "3f9a01c2", "--to", "/media/encrypted/handover", "--format", "html");
        config.AddBranch("audit", audit =>
        {
            audit.SetDescription("The vault's hash-chained, signed record of every reviewer action.");
            audit.AddCommand<AuditShowCommand>("show").WithDescription("List the audit log (or --case <id>: one report's history).");
            audit.AddCommand<AuditVerifyCommand>("verify").WithDescription("Check every entry's chain hash and signature; exit 1 if anything was edited, removed or reordered.");
        });
        config.AddCommand<SearchCommand>("search").WithDescription("Find envelopes by words, through the vault's blind index.")
            .WithExample("search", "\"police station\"");
        config.AddCommand<ExportAttachmentCommand>("export-attachment")
            .WithDescription("Decrypt an envelope's files into an existing folder (safe names, owner-only) and list the metadata still in them.")
            .WithExample("export-attachment", "3f9a61c2", "--to", "/media/encrypted/case-12")
            .WithExample("export-attachment", "3f9a61c2", "--to", "/media/encrypted/case-12", "--file", "2");
    }
}
