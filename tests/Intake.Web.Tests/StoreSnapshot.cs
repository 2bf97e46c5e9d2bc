using Microsoft.Data.Sqlite;

namespace SafeIntake.Intake.Web.Tests;

/// <summary>
/// What the server has stored, read from its data folder the way an adversary who seized the disk would: the
/// database rows and the files in <c>blobs/</c> and <c>uploads/</c>.
/// </summary>
public sealed record StoreSnapshot(long Envelopes, long Uploads, IReadOnlyList<string> Blobs, IReadOnlyList<string> UploadFiles)
{
    public static StoreSnapshot Take(string dataPath) =>
        new(
            Scalar(dataPath, "SELECT COUNT(*) FROM Envelopes"),
            Scalar(dataPath, "SELECT COUNT(*) FROM Uploads"),
            Files(Path.Combine(dataPath, "blobs")),
            Files(Path.Combine(dataPath, "uploads")));

    /// <summary>Rows of one query, each column as the text SQLite holds.</summary>
    public static List<Dictionary<string, string?>> Query(string dataPath, string sql)
    {
        using var connection = Open(dataPath);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<Dictionary<string, string?>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            }

            rows.Add(row);
        }

        return rows;
    }

    public static string UploadFile(string dataPath, string uploadId) => Path.Combine(dataPath, "uploads", uploadId + ".part");

    public static string BlobFile(string dataPath, string envelopeId) => Path.Combine(dataPath, "blobs", envelopeId);

    private static long Scalar(string dataPath, string sql)
    {
        using var connection = Open(dataPath);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static SqliteConnection Open(string dataPath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataPath, "intake.db"),
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    private static List<string> Files(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList() : [];
}
