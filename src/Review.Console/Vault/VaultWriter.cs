using System.Globalization;
using Microsoft.Data.Sqlite;

namespace SafeIntake.Review.Console.Vault;

/// <summary>
/// Prepared statements for the import's hot path, in batches of one transaction each, with a savepoint per envelope
/// so a failure half way through an envelope leaves nothing (envelope-v1.md §2.5: released plaintext is provisional).
/// EF Core stays the schema and the reader; inserting 10,000 reports through its change tracker would not stay flat.
/// </summary>
public sealed class VaultWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly List<SqliteCommand> _commands = [];
    private readonly SqliteCommand _exists;
    private readonly SqliteCommand _insertEnvelope;
    private readonly SqliteCommand _insertAttachment;
    private readonly SqliteCommand _insertChunk;
    private readonly SqliteCommand _insertToken;
    private readonly SqliteCommand _findReport;
    private readonly SqliteCommand _linkThread;
    private readonly SqliteCommand _quarantine;
    private readonly SqliteCommand _unquarantine;
    private readonly SqliteCommand _setSetting;
    private readonly SqliteCommand _acknowledge;
    private readonly SqliteCommand _replyQueued;
    private readonly SqliteCommand _savepoint;
    private readonly SqliteCommand _rollbackTo;
    private readonly SqliteCommand _release;
    private SqliteTransaction? _transaction;

    public VaultWriter(SqliteConnection connection)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _exists = Prepare("SELECT 1 FROM Envelopes WHERE Id = $id", "$id");
        _insertEnvelope = Prepare(
            "INSERT INTO Envelopes (Id, Sequence, Kind, ReceivedDay, Size, Status, MailboxId, CaseId, ReviewerId, ImportedDay, AttachmentCount, "
            + "Manifest, Language, What, \"When\", \"Where\", Category, Text, EnvelopeHash) VALUES ($id, $seq, $kind, $day, $size, $status, $mailbox, "
            + "$case, $reviewer, $imported, $attachments, $manifest, $language, $what, $when, $where, $category, $text, $hash)",
            "$id", "$seq", "$kind", "$day", "$size", "$status", "$mailbox", "$case", "$reviewer", "$imported", "$attachments",
            "$manifest", "$language", "$what", "$when", "$where", "$category", "$text", "$hash");
        _insertAttachment = Prepare(
            "INSERT INTO Attachments (Id, EnvelopeId, Position, Size, ChunkCount, Name, Type) VALUES ($id, $envelope, $position, $size, $chunks, $name, $type)",
            "$id", "$envelope", "$position", "$size", "$chunks", "$name", "$type");
        _insertChunk = Prepare("INSERT INTO AttachmentChunks (AttachmentId, Number, Data) VALUES ($id, $number, $data)", "$id", "$number", "$data");
        _insertToken = Prepare("INSERT OR IGNORE INTO SearchTokens (Token, EnvelopeId) VALUES ($token, $id)", "$token", "$id");
        _findReport = Prepare("SELECT Id FROM Envelopes WHERE MailboxId = $mailbox AND Kind = 'report' ORDER BY Sequence LIMIT 1", "$mailbox");
        _linkThread = Prepare("UPDATE Envelopes SET CaseId = $case WHERE MailboxId = $mailbox AND Kind <> 'report' AND CaseId IS NULL", "$case", "$mailbox");
        _quarantine = Prepare(
            "INSERT INTO Quarantine (Id, Sequence, Kind, ReceivedDay, Size, Reason, FirstSeenDay, LastSeenDay, Attempts) "
            + "VALUES ($id, $seq, $kind, $day, $size, $reason, $today, $today, 1) "
            + "ON CONFLICT(Id) DO UPDATE SET Reason = excluded.Reason, LastSeenDay = excluded.LastSeenDay, Attempts = Attempts + 1",
            "$id", "$seq", "$kind", "$day", "$size", "$reason", "$today");
        _unquarantine = Prepare("DELETE FROM Quarantine WHERE Id = $id", "$id");
        _setSetting = Prepare("INSERT INTO Settings (Name, Value) VALUES ($name, $value) ON CONFLICT(Name) DO UPDATE SET Value = excluded.Value", "$name", "$value");
        _acknowledge = Prepare("UPDATE Envelopes SET AcknowledgedIn = $outbox WHERE Id = $id", "$outbox", "$id");
        _replyQueued = Prepare("UPDATE OutgoingReplies SET QueuedIn = $outbox WHERE Id = $id", "$outbox", "$id");
        _savepoint = Prepare("SAVEPOINT envelope");
        _rollbackTo = Prepare("ROLLBACK TO SAVEPOINT envelope");
        _release = Prepare("RELEASE SAVEPOINT envelope");
    }

    public bool InBatch => _transaction is not null;

    public void BeginBatch()
    {
        _transaction = _connection.BeginTransaction();
        foreach (var command in _commands)
        {
            command.Transaction = _transaction;
        }
    }

    public void CommitBatch()
    {
        _transaction?.Commit();
        _transaction?.Dispose();
        _transaction = null;
    }

    // Prepared once: SqliteTransaction.Save/Release parse a new statement on every call.
    public void Savepoint() => Execute(_savepoint);

    public void RollbackToSavepoint() => Execute(_rollbackTo);

    public void ReleaseSavepoint() => Execute(_release);

    public bool Exists(string id) => Run(_exists, id) is not null;

    public void InsertEnvelope(VaultEnvelope e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Execute(_insertEnvelope, e.Id, e.Sequence, e.Kind, Day(e.ReceivedDay), e.Size, e.Status, e.MailboxId, e.CaseId, e.ReviewerId,
            Day(e.ImportedDay), e.AttachmentCount, e.Manifest, e.Language, e.What, e.When, e.Where, e.Category, e.Text, e.EnvelopeHash);
    }

    public void InsertAttachment(VaultAttachment a)
    {
        ArgumentNullException.ThrowIfNull(a);
        Execute(_insertAttachment, a.Id, a.EnvelopeId, a.Position, a.Size, a.ChunkCount, a.Name, a.Type);
    }

    public void InsertChunk(string attachmentId, int number, byte[] data) => Execute(_insertChunk, attachmentId, number, data);

    public void InsertToken(byte[] token, string envelopeId) => Execute(_insertToken, token, envelopeId);

    public string? FindReport(string mailboxId) => Run(_findReport, mailboxId) as string;

    /// <summary>Links follow-ups and replies that arrived before their report; returns how many.</summary>
    public int LinkThread(string reportId, string mailboxId) => Execute(_linkThread, reportId, mailboxId);

    public void Quarantine(QuarantinedItem q)
    {
        ArgumentNullException.ThrowIfNull(q);
        Execute(_quarantine, q.Id, q.Sequence, q.Kind, Day(q.ReceivedDay), q.Size, q.Reason, Day(q.LastSeenDay));
    }

    public void Unquarantine(string id) => Execute(_unquarantine, id);

    public void SetSetting(string name, string value) => Execute(_setSetting, name, value);

    public void Acknowledge(string id, string outbox) => Execute(_acknowledge, outbox, id);

    public void MarkReplyQueued(string id, string outbox) => Execute(_replyQueued, outbox, id);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        _commands.Add(command);
        return command;
    }

    private static void Bind(SqliteCommand command, object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private static int Execute(SqliteCommand command, params object?[] values)
    {
        Bind(command, values);
        return command.ExecuteNonQuery();
    }

    private static object? Run(SqliteCommand command, params object?[] values)
    {
        Bind(command, values);
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        _transaction?.Dispose();
        foreach (var command in _commands)
        {
            command.Dispose();
        }
    }
}
