using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Crypto;
using SafeIntake.Review.Console.Home;
using SafeIntake.Review.Console.Tests.Support;
using SafeIntake.Review.Console.Vault;

namespace SafeIntake.Review.Console.Tests.Vault;

public sealed class VaultTests : IDisposable
{
    private const string Canary = "CANARY-f81c2e-witness-saw-officer-4471";
    private readonly TestHome _home = new();
    private readonly ExportBuilder _export = new();
    private readonly ReviewerKeys _alice;

    public VaultTests()
    {
        _alice = _home.InitReviewer();
        _home.Expect(ExitCodes.Ok, "server", "trust", _export.ServerKeyBase64);
    }

    public void Dispose()
    {
        _export.Dispose();
        _home.Dispose();
    }

    [Fact]
    public void Import_Canary_AppearsInNoFileOfTheHome()
    {
        var attachment = Encoding.UTF8.GetBytes($"photo caption: {Canary}\n" + new string('x', 70_000) + Canary);
        _export.Add("report", Witness.Report(_alice.EncryptionKey, $"I saw {Canary} at the gate", null, ($"{Canary}.txt", attachment)));
        _export.Report(_alice, $"another {Canary.ToLowerInvariant()} mention");
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));
        Assert.Equal(2, JsonNode.Parse(_home.Expect(ExitCodes.Ok, "search", Canary, "--json").Output)!.AsArray().Count);

        var needles = new[]
        {
            Encoding.UTF8.GetBytes(Canary),
            Encoding.UTF8.GetBytes(Canary.ToLowerInvariant()),
            Encoding.Unicode.GetBytes(Canary),
            Encoding.UTF8.GetBytes("f81c2e"),
        };
        var files = _home.AllFiles().ToList();
        Assert.Contains(files, f => f.EndsWith("vault.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("reviewer.key", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var needle in needles)
            {
                Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{file} contains the canary");
            }
        }
    }

    [Fact]
    public void Import_LargeAttachment_IsStoredInSealedChunksAndReadsBack()
    {
        var attachment = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 12345);
        var entry = _export.Add("report", Witness.Report(_alice.EncryptionKey, "with a video", null, ("clip.mp4", attachment)));
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));

        using var vault = OpenVault(out var identity);
        using (identity)
        {
            var row = vault.Db.Attachments.AsNoTracking().Single();
            Assert.Equal(49, row.ChunkCount);
            Assert.Equal(49, vault.Db.AttachmentChunks.Count());
            using var output = new MemoryStream();
            VaultReader.CopyAttachment(vault, row, output);
            Assert.Equal(attachment, output.ToArray());
            var view = Assert.Single(VaultReader.List(vault));
            Assert.Equal(entry.Id, view.Id);
            Assert.Equal("clip.mp4", Assert.Single(view.Attachments).Name);
        }
    }

    [Fact]
    public void Import_ManifestClaimingAHugeAttachment_IsQuarantinedWithoutCrashing()
    {
        // A hostile witness declares 2^50 bytes and sends 10: the opener refuses it (rule 15); the sink writes nothing.
        var manifest = Encoding.UTF8.GetBytes("{\"v\":1,\"kind\":\"report\",\"attachments\":[{\"name\":\"big.bin\",\"type\":\"x\",\"size\":1125899906842624}]}");
        _export.Add("report", HandSealer.Seal(_alice.EncryptionKey, Witness.BundleHash, manifest, new byte[10]));
        _export.Report(_alice, "honest");

        var summary = JsonNode.Parse(_home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root), "--json").Output)!;

        Assert.Contains("larger than the envelope", (string)Assert.Single(summary["quarantined"]!.AsArray())!["reason"]!, StringComparison.Ordinal);
        Assert.Equal(1, (int)summary["newReports"]!);
        using var vault = OpenVault(out var identity);
        using (identity)
        {
            Assert.Equal(0, vault.Db.AttachmentChunks.Count());
        }
    }

    [Fact]
    public void Cell_MovedToAnotherRow_DoesNotOpen()
    {
        _export.Report(_alice, "first");
        _export.Report(_alice, "second");
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));

        using (var vault = OpenVault(out var identity))
        using (identity)
        {
            var rows = vault.Db.Envelopes.OrderBy(e => e.Sequence).ToList();
            rows[1].What = rows[0].What;
            vault.Db.SaveChanges();
        }

        var result = _home.Expect(ExitCodes.Failure, "list");
        Assert.Contains("does not authenticate", result.Errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.0)]
    [InlineData(-1)]
    public void Vault_TruncatedOrForeignFile_IsAClearErrorAndNotOverwritten(double keep)
    {
        for (var i = 0; i < 50; i++)
        {
            _export.Report(_alice, $"report {i} " + new string('z', 3000));
        }

        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));
        var path = _home.Path("vault", "vault.db");
        var original = File.ReadAllBytes(path);
        var damaged = keep >= 0 ? original[..(int)(original.Length * keep)] : Encoding.ASCII.GetBytes(new string('#', 8192));
        File.WriteAllBytes(path, damaged);

        foreach (var args in new[] { new[] { "list" }, ["import", _export.WriteTo(_home.Root, "again.bundle")], ["outbox", "write"] })
        {
            var result = _home.Expect(ExitCodes.Failure, args);
            Assert.Contains("damaged", result.Errors, StringComparison.Ordinal);
            Assert.Equal(damaged, File.ReadAllBytes(path));
        }
    }

    [Fact]
    public void Vault_OfAnotherReviewer_IsRefused()
    {
        _export.Report(_alice, "alice's report");
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));
        using var other = new TestHome();
        other.InitReviewer("mallory", "Mallory");
        Directory.CreateDirectory(other.Path("vault"));
        File.Copy(_home.Path("vault", "vault.db"), other.Path("vault", "vault.db"));

        var result = other.Expect(ExitCodes.Failure, "list");

        Assert.Contains("another reviewer key", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Vault_UsesWalAndSecureDelete()
    {
        _export.Report(_alice, "report");
        _home.Expect(ExitCodes.Ok, "import", _export.WriteTo(_home.Root));

        using var vault = OpenVault(out var identity);
        using (identity)
        {
            Assert.Equal("wal", Scalar(vault, "PRAGMA journal_mode"));
            Assert.Equal("1", Scalar(vault, "PRAGMA secure_delete"));
            Assert.Equal(vault.Db.Database.GetMigrations(), vault.Db.Database.GetAppliedMigrations());
            Assert.Empty(vault.Db.Database.GetPendingMigrations());
            // Opening skips EF's Migrate() when the history names this constant: it must be the newest migration.
            Assert.Equal(VaultStore.LatestMigration, vault.Db.Database.GetMigrations().Last());
        }
    }

    private static string? Scalar(VaultStore vault, string sql)
    {
        using var command = vault.Connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private VaultStore OpenVault(out ReviewerIdentity identity)
    {
        var opened = Keyfile.Open(File.ReadAllBytes(_home.Path("reviewer.key")), TestHome.Passphrase);
        Assert.True(opened.IsReviewer);
        identity = opened.Reviewer;
        var home = ConsoleHome.Resolve(_home.Root, new ConsoleEnvironment { GetVariable = _ => null, UserHome = _home.Root });
        return VaultStore.Open(home, "alice", identity.EncryptionKey);
    }
}
