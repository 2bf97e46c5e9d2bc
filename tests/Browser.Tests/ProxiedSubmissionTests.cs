using SafeIntake.Tests.Shared;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xunit.Abstractions;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// A witness in Chromium sends a 50 MB attachment through a real proxy from the shipped file — deploy/Caddyfile (with
/// <c>tls internal</c> for localhost) or deploy/nginx.conf.example (with a certificate made here) — with high ports and
/// temporary paths: the page over HTTPS with the app's headers, every chunk through the proxy in the production chunk
/// size, and the reviewer opens the exact bytes (issue 11, deliverable 3). Chromium trusts only that test CA or certificate.
/// </summary>
public abstract class ProxiedSubmissionTests<TFront>(TFront fixture, ITestOutputHelper output)
    where TFront : ProxyFront
{
    private const int Size = 50 * 1000 * 1000;

    protected async Task SubmitThroughProxyAsync()
    {
        Assert.Equal("https", fixture.SiteAddress.Scheme);
        var folder = Directory.CreateTempSubdirectory("safeintake-proxied-");
        var path = Path.Combine(folder.FullName, "recording.bin");
        var content = RandomNumberGenerator.GetBytes(Size);
        await File.WriteAllBytesAsync(path, content);
        var desk = fixture.Desk;
        var blobsBefore = desk.BlobIds();
        try
        {
            await using var witness = await fixture.NewSessionAsync($"proxied-{fixture.Name}", "en");
            var page = await witness.Page.GotoAsync($"/{witness.Lang}/");
            Assert.NotNull(page);
            Assert.Equal(200, page.Status);
            var headers = await page.AllHeadersAsync();
            Assert.True(headers.ContainsKey("content-security-policy"), $"no CSP through {fixture.Name}");
            Assert.Equal(fixture.ServerHeader, headers.GetValueOrDefault("server"));
            Assert.False(headers.ContainsKey("set-cookie"), $"a cookie through {fixture.Name}");

            await witness.FillReportAsync(new WitnessReport($"A long recording, sent through {fixture.Name}.", "", "", null));
            await witness.AttachAsync("files", path);
            var clock = Stopwatch.StartNew();
            await witness.Page.Locator("#submit").ClickAsync();
            var codename = await witness.WaitForDoneAsync();
            output.WriteLine($"sealed and uploaded {Size} bytes through {fixture.Name} in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.NotNull(codename);

            var patches = witness.Network.To("PATCH", "/api/v1/uploads/").ToList();
            Assert.True(patches.Count > Size / (4 << 20), $"{patches.Count} PATCH requests for {Size} bytes");
            witness.Network.AssertOnlyOrigin(fixture.SiteAddress);
            var id = desk.SingleNewBlob(blobsBefore);
            var attachment = Assert.Single(desk.Open(id).Attachments);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(content)), Convert.ToHexString(SHA256.HashData(attachment)));
            witness.AssertCleanConsole();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

public sealed class CaddySubmissionTests(CaddyFront fixture, ITestOutputHelper output)
    : ProxiedSubmissionTests<CaddyFront>(fixture, output), IClassFixture<CaddyFront>
{
    [ProxyFact(CaddyFront.Binary)]
    public Task Submit_50MegabyteAttachment_ThroughCaddy_ReviewerGetsExactBytes() => SubmitThroughProxyAsync();
}

public sealed class NginxSubmissionTests(NginxFront fixture, ITestOutputHelper output)
    : ProxiedSubmissionTests<NginxFront>(fixture, output), IClassFixture<NginxFront>
{
    [ProxyFact(NginxFront.Binary)]
    public Task Submit_50MegabyteAttachment_ThroughNginx_ReviewerGetsExactBytes() => SubmitThroughProxyAsync();
}

/// <summary>The server with its default 4 MiB chunks, and a real proxy in front of it from a shipped file.</summary>
public abstract class ProxyFront : BrowserFixture
{
    private readonly StringBuilder _proxyOutput = new();
    private Process? _proxy;

    protected string Folder { get; } = Directory.CreateTempSubdirectory("safeintake-front-").FullName;

    public abstract string Name { get; }

    /// <summary>The <c>Server</c> header the shipped file lets through (the app sends none).</summary>
    public abstract string? ServerHeader { get; }

    protected abstract string BinaryPath { get; }

    protected override IDictionary<string, string>? ServerEnvironment => new Dictionary<string, string> { ["Intake__ChunkBytes"] = (4 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture) };

    // Chromium accepts certificate errors only for chains holding these keys: the test's own CA or certificate.
    protected override IEnumerable<string> ExtraChromiumArgs => [$"--ignore-certificate-errors-spki-list={string.Join(",", TrustedKeys().Select(c => Convert.ToBase64String(SHA256.HashData(c.PublicKey.ExportSubjectPublicKeyInfo()))))}"];

    /// <summary>The certificates whose keys Chromium is to accept.</summary>
    protected abstract IEnumerable<X509Certificate2> TrustedKeys();

    /// <summary>Writes the configuration from the shipped file; returns the arguments, the environment and the HTTPS port.</summary>
    protected abstract (string[] Arguments, Dictionary<string, string> Environment, int HttpsPort) Configure(IntakeServer server);

    protected static string Shipped(string name, IntakeServer server) => ShippedProxyConfigs.Shipped(IntakeServer.RepoRoot, name, server.Address.Port);

    protected override async Task<Uri?> StartFrontAsync(IntakeServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!File.Exists(BinaryPath))
        {
            return null;
        }

        var (arguments, environment, httpsPort) = Configure(server);
        var start = new ProcessStartInfo(BinaryPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        _proxy = Process.Start(start)!;
        _proxy.OutputDataReceived += (_, e) => { lock (_proxyOutput) { _proxyOutput.AppendLine(e.Data); } };
        _proxy.ErrorDataReceived += (_, e) => { lock (_proxyOutput) { _proxyOutput.AppendLine(e.Data); } };
        _proxy.BeginOutputReadLine();
        _proxy.BeginErrorReadLine();

        // Only readiness is probed here; what a witness sees is checked by Chromium with its own trust.
        var site = new Uri($"https://localhost:{httpsPort}");
        using var client = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
        {
            BaseAddress = site,
            Timeout = TimeSpan.FromSeconds(5),
        };
        for (var attempt = 0; attempt < 300 && !_proxy.HasExited; attempt++)
        {
            try
            {
                if ((await client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode == HttpStatusCode.OK)
                {
                    return site;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        lock (_proxyOutput)
        {
            Assert.Fail($"{Name} did not pass /healthz through:\n{_proxyOutput}");
        }

        return null;
    }

    protected override void StopFront()
    {
        if (_proxy is { HasExited: false })
        {
            _proxy.Kill(entireProcessTree: true);
            _proxy.WaitForExit();
        }

        _proxy?.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    protected static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>deploy/Caddyfile with <c>tls internal</c> for localhost, high ports, no admin endpoint, its state in the temp folder.</summary>
public sealed class CaddyFront : ProxyFront
{
    public const string Binary = "/usr/bin/caddy";

    public override string Name => "caddy";

    public override string? ServerHeader => null; // "-Server" in the shipped file

    protected override string BinaryPath => Binary;

    private static readonly string[] Authorities = ["root.crt", "intermediate.crt"];

    private string Authority => Path.Combine(Folder, "data", "caddy", "pki", "authorities", "local");

    protected override IEnumerable<X509Certificate2> TrustedKeys() =>
        Authorities.Select(n => Path.Combine(Authority, n)).Where(File.Exists).Select(X509CertificateLoader.LoadCertificateFromFile);

    protected override (string[] Arguments, Dictionary<string, string> Environment, int HttpsPort) Configure(IntakeServer server)
    {
        int httpsPort = FreePort(), httpPort = FreePort();
        var file = Path.Combine(Folder, "Caddyfile");
        File.WriteAllText(file, ShippedProxyConfigs.Caddyfile(Shipped("Caddyfile", server), httpPort, httpsPort));
        return (["run", "--config", file, "--adapter", "caddyfile"], ShippedProxyConfigs.CaddyEnvironment(Folder), httpsPort);
    }
}

/// <summary>deploy/nginx.conf.example inside a minimal nginx.conf: a self-signed certificate made here, high ports, every path temporary.</summary>
public sealed class NginxFront : ProxyFront
{
    public const string Binary = "/usr/sbin/nginx";

    private X509Certificate2? _certificate;

    public override string Name => "nginx";

    public override string? ServerHeader => "nginx"; // server_tokens off: no version

    protected override string BinaryPath => Binary;

    protected override IEnumerable<X509Certificate2> TrustedKeys() => _certificate is null ? [] : [_certificate];

    protected override (string[] Arguments, Dictionary<string, string> Environment, int HttpsPort) Configure(IntakeServer server)
    {
        int httpsPort = FreePort(), httpPort = FreePort();
        (_certificate, var arguments) = ShippedProxyConfigs.Nginx(Shipped("nginx.conf.example", server), Folder, httpPort, httpsPort);
        return (arguments, [], httpsPort);
    }
}

/// <summary>Needs Debian's Chromium and the proxy; skipped, saying which to install, without either.</summary>
public sealed class ProxyFactAttribute : FactAttribute
{
    public ProxyFactAttribute(string binary)
    {
        if (!File.Exists(ChromiumFactAttribute.ChromiumPath) || !File.Exists(binary))
        {
            Skip = $"Chromium or {binary} is not installed (apt-get install chromium {Path.GetFileName(binary)}); .ci/run installs both.";
        }
    }
}
