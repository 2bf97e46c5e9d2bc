using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace SafeIntake.Intake.Web.Tests;

/// <summary>
/// The intake server in process, in demo mode on a fresh temporary folder: the server creates the demo organisation
/// and reviewer there and keeps its store under <c>server-data</c>. One factory is one store; a test class gets its
/// own (IClassFixture), and tests that need other limits build one with <see cref="WithSettings"/>.
/// </summary>
public sealed class IntakeApplicationFactory : WebApplicationFactory<Program>
{
    /// <summary>Small chunks so that every submission is several PATCHes; an easy proof of work; no rate limit in the way.</summary>
    public const int TestChunkBytes = 8192;

    private readonly Dictionary<string, string> _settings;
    private readonly TestClock? _clock;

    public IntakeApplicationFactory()
        : this(new Dictionary<string, string>(StringComparer.Ordinal), clock: null)
    {
    }

    private IntakeApplicationFactory(IReadOnlyDictionary<string, string> overrides, TestClock? clock)
    {
        _clock = clock;
        DemoPath = TestFolders.Create("web");
        _settings = new(StringComparer.Ordinal)
        {
            ["Intake:Mode"] = "Demo",
            ["Intake:DemoPath"] = DemoPath,
            ["Intake:PowDifficulty"] = "4",
            ["Intake:PowIterations"] = "100",
            ["Intake:ChunkBytes"] = TestChunkBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Intake:RateLimitPerMinute"] = "100000",
            ["Intake:MailboxRateLimitPerMinute"] = "100000",
            ["Intake:ReviewerRateLimitPerMinute"] = "100000",
        };
        foreach (var (key, value) in overrides)
        {
            _settings[key] = value;
        }
    }

    /// <summary>A factory with some <c>Intake:</c> settings replaced, e.g. <c>("Intake:RateLimitPerMinute", "2")</c>.</summary>
    public static IntakeApplicationFactory WithSettings(params (string Key, string Value)[] settings) =>
        new(settings.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal), clock: null);

    /// <summary>A factory whose server reads the time from <paramref name="clock"/>.</summary>
    public static IntakeApplicationFactory WithClock(TestClock clock) =>
        new(new Dictionary<string, string>(StringComparer.Ordinal), clock);

    public string DemoPath { get; }

    public string DataPath => Path.Combine(DemoPath, "server-data");

    /// <summary>What the server has stored right now: rows and files.</summary>
    public StoreSnapshot Snapshot() => StoreSnapshot.Take(DataPath);

    /// <summary>A witness's client: no cookies kept, no redirects followed, so the tests see exactly what the server sends.</summary>
    public WitnessClient CreateWitness() =>
        new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }), DemoPath);

    /// <summary>A client whose every request appears to come from <paramref name="address"/>.</summary>
    public HttpClient CreateClientFrom(System.Net.IPAddress address)
    {
        _ = Server; // starts the host
        var handler = Server.CreateHandler(context => context.Connection.RemoteIpAddress = address);
        return new HttpClient(handler) { BaseAddress = new Uri("http://localhost") };
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // What an administrator runs: never the Development pipeline (developer exception page, detailed errors).
        builder.UseEnvironment("Production");
        foreach (var (key, value) in _settings)
        {
            // UseSetting, unlike ConfigureAppConfiguration, is visible to AddIntake() before the host is built.
            builder.UseSetting(key, value);
        }

        if (_clock is { } clock)
        {
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock));
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            TestFolders.Delete(DemoPath);
        }
    }
}
