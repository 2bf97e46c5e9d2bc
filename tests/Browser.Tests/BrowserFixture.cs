using Microsoft.Playwright;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// One real intake server and one headless Chromium for a test class; every test gets its own
/// <see cref="WitnessSession"/> (a fresh BrowserContext: no cookies, storage or cache carried over).
/// Where Chromium is missing nothing starts, and the tests report as skipped.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium, never a downloaded one (no <c>playwright install</c>; CI is offline).</summary>
    internal static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private IntakeServer? _server;
    private ReviewerDesk? _desk;
    private Task<byte[]>? _photo;
    private Uri? _site;

    public IntakeServer Server => _server ?? throw new InvalidOperationException("The fixture did not start (no Chromium?).");

    /// <summary>Where the witness's browser goes: the server itself, or the proxy a test class puts in front of it.</summary>
    public Uri SiteAddress => _site ?? Server.Address;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The fixture did not start (no Chromium?).");

    /// <summary>The demo reviewer's side: the stored blobs, the database, replies from the console.</summary>
    public ReviewerDesk Desk => _desk ??= new ReviewerDesk(Server);

    /// <summary>A JPEG rendered once per class by this Chromium, without metadata (see <see cref="TestPhoto"/>).</summary>
    public Task<byte[]> PhotoAsync() => _photo ??= TestPhoto.RenderJpegAsync(Browser);

    /// <summary>Extra Chromium switches for a test class that emulates a particular browser setting.</summary>
    protected virtual IEnumerable<string> ExtraChromiumArgs => [];

    /// <summary>Extra server configuration (environment variables) for a test class that needs it.</summary>
    protected virtual IDictionary<string, string>? ServerEnvironment => null;

    /// <summary>Started after the server, before Chromium: something in front of the server (a proxy) and its address.</summary>
    protected virtual Task<Uri?> StartFrontAsync(IntakeServer server) => Task.FromResult<Uri?>(null);

    /// <summary>Stops what <see cref="StartFrontAsync"/> started, before the server stops.</summary>
    protected virtual void StopFront()
    {
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumFactAttribute.ChromiumPath))
        {
            return;
        }

        _server = await IntakeServer.StartAsync(environment: ServerEnvironment);
        _site = await StartFrontAsync(_server);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ChromiumPath,
            Headless = true,
            Args = [.. ChromiumArgs, .. ExtraChromiumArgs],
        });
    }

    /// <summary>A fresh context and page recording every request and response, for one test.</summary>
    public Task<WitnessSession> NewSessionAsync(string test, string lang, BrowserNewContextOptions? options = null) =>
        WitnessSession.StartAsync(this, test, lang, options);

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        _desk?.Dispose();
        StopFront();
        if (_server is not null)
        {
            await _server.DisposeAsync();
            TryDelete(_server.DemoPath);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
