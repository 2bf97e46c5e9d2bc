namespace SafeIntake.Intake.Web.Tests.Storage;

/// <summary>
/// Program.cs prepares storage (migrations, WAL, the served bundle, crash repair) before the host starts; the
/// factory runs Program's Main, so the in-process server must be prepared the same way.
/// </summary>
public sealed class StoragePreparationTests(IntakeApplicationFactory factory) : IClassFixture<IntakeApplicationFactory>
{
    [Fact]
    public async Task Start_InProcess_MigratesTheDatabase_InWalMode_AndRecordsTheServedBundle()
    {
        using var witness = factory.CreateWitness();
        var bundle = await witness.GetBundleAsync();

        var served = Assert.Single(StoreSnapshot.Query(factory.DataPath, "SELECT Hash, Epoch, InstalledDay FROM Bundles"));
        Assert.Equal(Convert.ToHexStringLower(bundle.Hash.Span), served["Hash"]);
        Assert.Equal("1", served["Epoch"]);
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), served["InstalledDay"]);
        Assert.Equal("wal", Assert.Single(StoreSnapshot.Query(factory.DataPath, "PRAGMA journal_mode"))["journal_mode"]);
        Assert.NotEmpty(StoreSnapshot.Query(factory.DataPath, "SELECT MigrationId FROM __EFMigrationsHistory"));
    }

    [Fact]
    public void Start_InProcess_UsesTheFactoryFolder_NotTheDefaultDemoFolder()
    {
        _ = factory.Server;

        foreach (var file in new[] { "bundle.json", "organisation.pub", "reviewer.key", "README.txt" })
        {
            Assert.True(File.Exists(Path.Combine(factory.DemoPath, file)), $"{file} is missing from the factory's demo folder");
        }

        Assert.True(File.Exists(Path.Combine(factory.DataPath, "intake.db")));
        Assert.True(Directory.Exists(Path.Combine(factory.DataPath, "keys")));
    }
}
