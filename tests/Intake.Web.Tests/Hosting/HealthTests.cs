using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SafeIntake.Intake.Web.Hosting;
using SafeIntake.Intake.Web.Storage;

namespace SafeIntake.Intake.Web.Tests.Hosting;

/// <summary>
/// Warnings before trouble (issue 11): <c>/healthz</c> answers a JSON status a monitor can alert on, and the log warns
/// once a day from 14 days before the reviewer bundle expires. The demo bundle is valid for 365 days from its first
/// start, so a test clock moved forward reaches the warning window.
/// </summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_FreshServer_IsOkWithNoReasons()
    {
        using var factory = new IntakeApplicationFactory();
        var (status, health) = await GetHealthAsync(factory);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Empty(health.GetProperty("reasons").EnumerateArray());
    }

    [Fact]
    public async Task Healthz_TenDaysBeforeBundleExpiry_IsDegradedWithBundleExpiring()
    {
        var clock = new TestClock();
        using var factory = IntakeApplicationFactory.WithClock(clock);
        _ = factory.Server;
        clock.Advance(TimeSpan.FromDays(365 - 10));

        var (status, health) = await GetHealthAsync(factory);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Equal([IntakeHealth.BundleExpiring], health.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Healthz_SixteenDaysBeforeBundleExpiry_IsStillOk()
    {
        var clock = new TestClock();
        using var factory = IntakeApplicationFactory.WithClock(clock);
        _ = factory.Server;
        clock.Advance(TimeSpan.FromDays(365 - 16));

        var (_, health) = await GetHealthAsync(factory);

        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Healthz_FreeSpaceUnderTwiceTheFloor_IsDegradedWithDiskNearlyFull()
    {
        // A floor no disk reaches: the disk is "nearly full" at once.
        using var factory = IntakeApplicationFactory.WithSettings(("Intake:MinFreeBytes", (1L << 60).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var (_, health) = await GetHealthAsync(factory);

        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Contains(IntakeHealth.DiskNearlyFull, health.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Theory]
    [InlineData("Intake:MaxStorageBytesPerDay", 20000, true)] // 100 %: the next witness is refused
    [InlineData("Intake:MaxStorageBytesPerDay", 22000, true)] // 91 %
    [InlineData("Intake:MaxStorageBytesPerDay", 22300, false)] // 89.7 %
    [InlineData("Intake:MaxStorageBytes", 22000, true)]
    [InlineData("Intake:MaxStorageBytes", 22300, false)]
    public async Task Healthz_StorageCapNinetyPercentUsed_IsDegradedWithStorageNearlyFull(string cap, long bytes, bool nearlyFull)
    {
        // Space an open upload reserves counts like stored space, so one open upload of 20000 bytes uses 20000 of the cap.
        var other = cap == "Intake:MaxStorageBytes" ? "Intake:MaxStorageBytesPerDay" : "Intake:MaxStorageBytes";
        using var factory = IntakeApplicationFactory.WithSettings((cap, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)), (other, "0"));
        using var witness = factory.CreateWitness();
        await witness.CreateUploadAsync(20000);

        var (_, health) = await GetHealthAsync(factory);

        Assert.Equal(nearlyFull, health.GetProperty("reasons").EnumerateArray().Any(r => r.GetString() == IntakeHealth.StorageNearlyFull));
        Assert.Equal(nearlyFull ? "degraded" : "ok", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Healthz_StoredCiphertextDeleted_FreesItsRoomAtOnce_NotAfterTheSumsMaximumAge()
    {
        // Measure one stored report, then cap the total so that it alone is 95 % of it.
        long size;
        using (var probe = new IntakeApplicationFactory())
        using (var probeWitness = probe.CreateWitness())
        {
            size = (await probeWitness.SealReportAsync("probe")).Length;
        }

        using var factory = IntakeApplicationFactory.WithSettings(("Intake:MaxStorageBytes", (size * 100 / 95).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Intake:MaxStorageBytesPerDay", "0"));
        using var witness = factory.CreateWitness();
        await witness.SubmitOkAsync(await witness.SealReportAsync("probe"));
        var (_, before) = await GetHealthAsync(factory);
        Assert.Contains(IntakeHealth.StorageNearlyFull, before.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var deleted = await UnacknowledgedExpiry.ExpireAsync(scope.ServiceProvider.GetRequiredService<IntakeDbContext>(),
                scope.ServiceProvider.GetRequiredService<BlobStore>(), 1, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2), CancellationToken.None);
            Assert.Equal(1, deleted);
        }

        // At once: the sum the last admission took is at most 10 s old and would still count the deleted bytes.
        var (_, after) = await GetHealthAsync(factory);
        Assert.Equal("ok", after.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Log_InsideTheWarningWindow_WarnsOncePerDay_NamingTheExpiryDay()
    {
        var clock = new TestClock();
        using var factory = IntakeApplicationFactory.WithClock(clock);
        _ = factory.Server;
        var health = factory.Services.GetRequiredService<IntakeHealth>();
        health.WarnIfDue();
        Assert.Equal(0, CountWarnings(factory));

        clock.Advance(TimeSpan.FromDays(365 - 13));
        health.WarnIfDue();
        health.WarnIfDue(); // the hourly tick, same day: no second line
        Assert.Equal(1, CountWarnings(factory));

        clock.Advance(TimeSpan.FromDays(1));
        health.WarnIfDue();
        Assert.Equal(2, CountWarnings(factory));

        var line = ReadLog(factory).Split('\n').First(l => l.Contains("expires on", StringComparison.Ordinal));
        Assert.Matches(@"^\[\d{4}-\d{2}-\d{2} WRN\] SafeIntake\.Intake\.Web\.Hosting\.IntakeHealth: The reviewer bundle \(epoch 1\) expires on \d{4}-\d{2}-\d{2}, in 1[23] day\(s\)", line);
        Assert.DoesNotMatch(@"\d{2}:\d{2}", line);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Health)> GetHealthAsync(IntakeApplicationFactory factory)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    private static int CountWarnings(IntakeApplicationFactory factory) =>
        ReadLog(factory).Split('\n').Count(l => l.Contains("The reviewer bundle (epoch 1) expires on", StringComparison.Ordinal));

    private static string ReadLog(IntakeApplicationFactory factory)
    {
        var logs = Path.Combine(factory.DataPath, "logs");
        return string.Concat(Directory.EnumerateFiles(logs, "intake-*.log").Select(path =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }));
    }
}
