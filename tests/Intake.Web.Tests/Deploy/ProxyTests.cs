using SafeIntake.Tests.Shared;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SafeIntake.Intake.Web.Tests.Hosting;

namespace SafeIntake.Intake.Web.Tests.Deploy;

/// <summary>
/// deploy/Caddyfile and deploy/nginx.conf.example for real (issue 11, deliverable 3): the built server as its own process
/// on loopback, Debian's caddy (<c>tls internal</c>) or nginx (a certificate made here) in front of it from the shipped
/// file with only addresses, ports and paths changed, and a witness over HTTPS through the proxy: the headers she gets,
/// and a 50 MB attachment sent in the production chunk size and finalized.
/// </summary>
public abstract class ProxyTests
{
    internal const string Onion = "http://safeintakeexampleonionaddressxxxxxxxxxxxxxxxxxxxxxxx.onion";

    private protected abstract ProxiedServer Proxied { get; }

    /// <summary>GET / through the proxy: the app's CSP and Onion-Location, HSTS, no cookie, no version in <c>Server</c>.</summary>
    protected async Task PageKeepsTheAppsHeadersAsync()
    {
        using var client = Proxied.CreateClient();

        using var response = await client.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Intake.Web.Security.SecurityHeaders.ContentSecurityPolicy, string.Join(", ", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal($"{Onion}/", response.Headers.GetValues("Onion-Location").Single());
        Assert.Contains("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Set-Cookie"), "the proxy or the app set a cookie");
        var server = response.Headers.TryGetValues("Server", out var values) ? string.Join(" ", values) : null;
        Assert.False(server is not null && (server.Any(char.IsDigit) || server.Contains('/', StringComparison.Ordinal)), $"Server header names a version: {server}");
        Assert.Equal(Proxied.ServerHeader, server);
    }

    /// <summary>A 50 MB attachment sealed, sent in 4 MiB chunks through the proxy, and finalized.</summary>
    protected async Task WitnessSends50MegabytesAsync()
    {
        var attachment = RandomNumberGenerator.GetBytes(50 * 1000 * 1000);
        using var witness = new WitnessClient(Proxied.CreateClient(TimeSpan.FromMinutes(5)), Proxied.DemoPath);
        var envelope = await witness.SealReportAsync("Fifty megabytes through the proxy.", ("video.mp4", attachment));
        var ticket = await witness.CreateUploadAsync(envelope.Length);
        Assert.Equal(4 << 20, ticket.ChunkBytes);
        Assert.True(envelope.Length > 10 * ticket.ChunkBytes);

        await witness.UploadRangeAsync(ticket, envelope, 0, envelope.Length);
        using var finalized = await witness.FinalizeAsync(ticket.Id);

        Assert.True(finalized.StatusCode == HttpStatusCode.Created, $"finalize: {(int)finalized.StatusCode} {await finalized.Content.ReadAsStringAsync()}");
        Assert.Contains("\"received\"", await finalized.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Plain HTTP on the proxy's port 80 (here a high port) answers a permanent redirect to HTTPS.</summary>
    protected async Task PlainHttpRedirectsAsync()
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });

        using var response = await client.GetAsync(new Uri($"http://localhost:{Proxied.HttpPort}/"));

        Assert.True((int)response.StatusCode is 301 or 308, $"{(int)response.StatusCode}");
        Assert.Equal("https", response.Headers.Location?.Scheme);
    }
}

[Collection(RealProxies.Name)]
public sealed class CaddyProxyTests(CaddyProxy proxy) : ProxyTests, IClassFixture<CaddyProxy>
{
    private protected override ProxiedServer Proxied { get; } = proxy;

    [BinaryFact("/usr/bin/caddy")]
    public Task Page_ThroughCaddy_KeepsTheAppsHeaders_AndAddsNoVersionNorCookie() => PageKeepsTheAppsHeadersAsync();

    [BinaryFact("/usr/bin/caddy")]
    public Task Witness_ThroughCaddy_Sends50MegabyteAttachmentInChunks_AndItIsFinalized() => WitnessSends50MegabytesAsync();

    [BinaryFact("/usr/bin/caddy")]
    public Task PlainHttp_OnCaddy_RedirectsToHttps() => PlainHttpRedirectsAsync();

    [BinaryFact("/usr/bin/caddy")]
    public async Task OnionOnlyVariant_ServesThePage_OverPlainHttpOnLoopback_WithTheAppsHeaders()
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });

        using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{proxy.OnionPort}/"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Intake.Web.Security.SecurityHeaders.ContentSecurityPolicy, string.Join(", ", response.Headers.GetValues("Content-Security-Policy")));
        Assert.False(response.Headers.Contains("Server"), "Caddy's Server header got through");
        Assert.False(response.Headers.Contains("Set-Cookie"), "a cookie was set");
    }
}

[Collection(RealProxies.Name)]
public sealed class NginxProxyTests(NginxProxy proxy) : ProxyTests, IClassFixture<NginxProxy>
{
    private protected override ProxiedServer Proxied { get; } = proxy;

    [BinaryFact("/usr/sbin/nginx")]
    public Task Page_ThroughNginx_KeepsTheAppsHeaders_AndAddsNoVersionNorCookie() => PageKeepsTheAppsHeadersAsync();

    [BinaryFact("/usr/sbin/nginx")]
    public Task Witness_ThroughNginx_Sends50MegabyteAttachmentInChunks_AndItIsFinalized() => WitnessSends50MegabytesAsync();

    [BinaryFact("/usr/sbin/nginx")]
    public Task PlainHttp_OnNginx_RedirectsToHttps() => PlainHttpRedirectsAsync();
}

/// <summary>
/// What the app receives through each shipped proxy file: no header naming the witness's address. A listener stands in
/// for the app and records the request heads the proxy forwards.
/// </summary>
[Collection(RealProxies.Name)]
public sealed class ForwardedHeaderTests
{
    [BinaryFact("/usr/bin/caddy")]
    public Task Caddy_ForwardsNoClientAddress() => ForwardsNoClientAddressAsync(port => new CaddyProxy { Upstream = port });

    [BinaryFact("/usr/sbin/nginx")]
    public Task Nginx_ForwardsNoClientAddress() => ForwardsNoClientAddressAsync(port => new NginxProxy { Upstream = port });

    private static async Task ForwardsNoClientAddressAsync(Func<int, ProxiedServer> create)
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var heads = new List<string>();
        using var stop = new CancellationTokenSource();
        var app = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var connection = await listener.AcceptTcpClientAsync(stop.Token);
                var stream = connection.GetStream();
                var buffer = new byte[16384];
                var head = new StringBuilder();
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                lock (heads)
                {
                    heads.Add(head.ToString());
                }

                await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), stop.Token);
            }
        });
        var proxy = create(((IPEndPoint)listener.LocalEndpoint).Port);
        try
        {
            await proxy.InitializeAsync();
            using var client = proxy.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/en/", UriKind.Relative));
            // A witness's browser never sends these; a proxy that appends to them would add her address.
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            string[] seen;
            lock (heads)
            {
                seen = [.. heads];
            }

            var page = Assert.Single(seen, h => h.StartsWith("GET /en/ ", StringComparison.Ordinal));
            foreach (var header in new[] { "X-Forwarded-For:", "X-Real-IP:", "Forwarded:" })
            {
                Assert.DoesNotContain(header, page, StringComparison.OrdinalIgnoreCase);
            }

            Assert.DoesNotContain("127.0.0.1", page.Replace($"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            await proxy.DisposeAsync();
            await stop.CancelAsync();
            listener.Stop();
            try
            {
                await app;
            }
            catch (OperationCanceledException)
            {
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}

/// <summary>deploy/torrc.example as tor reads it, with its folder moved into a temporary one.</summary>
public sealed class TorConfigTests
{
    [BinaryFact("/usr/sbin/tor")]
    public async Task VerifyConfig_ShippedTorrc_IsValid()
    {
        var folder = TestFolders.Create("tor");
        try
        {
            var text = File.ReadAllText(Path.Combine(ServerProcess.RepositoryRoot, "deploy", "torrc.example"));
            Assert.Contains("HiddenServiceDir /var/lib/tor/safeintake/", text, StringComparison.Ordinal);
            var service = Path.Combine(folder, "hs");
            var torrc = Path.Combine(folder, "torrc");
            File.WriteAllText(torrc, text.Replace("/var/lib/tor/safeintake/", service + "/", StringComparison.Ordinal)
                + $"\nDataDirectory {folder}/data\nSocksPort 0\n");

            using var tor = ProxyProcess.Start("/usr/sbin/tor", ["--verify-config", "-f", torrc], new Dictionary<string, string> { ["HOME"] = folder });
            var code = await tor.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.True(code == 0 && tor.Output.Contains("Configuration was valid", StringComparison.Ordinal), $"tor exit {code}:\n{tor.Output}");
        }
        finally
        {
            TestFolders.Delete(folder);
        }
    }
}

/// <summary>The proxy tests run one at a time: each holds a server, a proxy and 50 MB in flight.</summary>
[CollectionDefinition(Name)]
public sealed class RealProxies
{
    public const string Name = "Real proxies";
}

/// <summary>The server as a process in demo mode with an onion address and the production chunk size, and a proxy in front.</summary>
public abstract class ProxiedServer : IAsyncLifetime
{
    private ServerProcess? _server;
    private ProxyProcess? _proxy;

    protected ProxiedServer(string binary) => Binary = binary;

    public string Binary { get; }

    public string Folder { get; } = TestFolders.Create("proxy");

    public string DemoPath => Path.Combine(Folder, "demo");

    public int HttpsPort { get; } = ServerProcess.ReservePort();

    public int HttpPort { get; } = ServerProcess.ReservePort();

    /// <summary>The <c>Server</c> header the shipped file lets through (the app sends none).</summary>
    public abstract string? ServerHeader { get; }

    private protected ServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>Set before starting: the proxy forwards to this loopback port instead of a server it starts.</summary>
    public int? Upstream { get; init; }

    /// <summary>Whether <paramref name="certificate"/> is the one this proxy serves.</summary>
    protected abstract bool IsProxyCertificate(X509Certificate2 certificate);

    /// <summary>Writes the proxy's configuration (from the shipped file) into <see cref="Folder"/> and starts it.</summary>
    protected abstract ProxyProcess StartProxy();

    public async Task InitializeAsync()
    {
        if (!File.Exists(Binary))
        {
            return; // the tests skip themselves (BinaryFact)
        }

        if (Upstream is null)
        {
            _server = await ServerProcess.StartDemoAsync(DemoPath, new Dictionary<string, string>
            {
                ["Intake__ChunkBytes"] = (4 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Intake__OnionLocation"] = ProxyTests.Onion,
            });
        }

        _proxy = StartProxy();
        using var client = CreateClient(TimeSpan.FromSeconds(5));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_proxy.HasExited)
            {
                Assert.Fail($"{Binary} exited with {_proxy.ExitCode}:\n{_proxy.Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = new HttpRequestException($"{(int)response.StatusCode}");
            }
            catch (HttpRequestException e)
            {
                last = e;
            }
            catch (TaskCanceledException e)
            {
                last = e;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{Binary} did not pass /healthz through within 60 s ({last?.Message}):\n{_proxy.Output}");
    }

    /// <summary>An HTTPS client to the proxy that trusts its one test certificate and nothing else.</summary>
    public HttpClient CreateClient(TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                    && IsProxyCertificate(new X509Certificate2(certificate)),
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{HttpsPort}"), Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _proxy?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        TestFolders.Delete(Folder);
    }

    /// <summary>The shipped file with the app's loopback port replaced by the test server's.</summary>
    protected string Shipped(string name) => ShippedProxyConfigs.Shipped(ServerProcess.RepositoryRoot, name, Upstream ?? Server.BaseAddress.Port);

    protected static string Replace(string text, string shipped, string test) => ShippedProxyConfigs.Replace(text, shipped, test);
}

/// <summary>deploy/Caddyfile with <c>tls internal</c> for localhost, high ports, no admin endpoint, its state in the temp folder.</summary>
public sealed class CaddyProxy() : ProxiedServer("/usr/bin/caddy")
{
    public override string? ServerHeader => null; // "-Server" in the shipped file

    /// <summary>Where the Caddyfile's onion-only variant listens (8080 as shipped), plain HTTP for tor.</summary>
    public int OnionPort { get; } = ServerProcess.ReservePort();

    private string DataHome => Path.Combine(Folder, "data");

    protected override bool IsProxyCertificate(X509Certificate2 certificate)
    {
        // Caddy's own local CA, created under XDG_DATA_HOME: the chain must end there.
        using var root = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(DataHome, "caddy", "pki", "authorities", "local", "root.crt"));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var intermediate = Path.Combine(DataHome, "caddy", "pki", "authorities", "local", "intermediate.crt");
        if (File.Exists(intermediate))
        {
            chain.ChainPolicy.ExtraStore.Add(X509CertificateLoader.LoadCertificateFromFile(intermediate));
        }

        return chain.Build(certificate);
    }

    protected override ProxyProcess StartProxy()
    {
        var text = ShippedProxyConfigs.Caddyfile(Shipped("Caddyfile"), HttpPort, HttpsPort);
        // The onion-only variant too, uncommented, in the same Caddy on its own loopback port.
        text = Replace(text, "# http://:8080 {\n# \tbind 127.0.0.1\n# \timport safeintake\n# }\n", $"http://:{OnionPort} {{\n\tbind 127.0.0.1\n\timport safeintake\n}}\n");
        var file = Path.Combine(Folder, "Caddyfile");
        File.WriteAllText(file, text);
        return ProxyProcess.Start(Binary, ["run", "--config", file, "--adapter", "caddyfile"], ShippedProxyConfigs.CaddyEnvironment(Folder));
    }
}

/// <summary>deploy/nginx.conf.example inside a minimal nginx.conf: a certificate made here, high ports, every path temporary.</summary>
public sealed class NginxProxy() : ProxiedServer("/usr/sbin/nginx")
{
    private X509Certificate2? _certificate;

    public override string? ServerHeader => "nginx"; // server_tokens off: no version

    protected override bool IsProxyCertificate(X509Certificate2 certificate) =>
        _certificate is not null && certificate.RawData.AsSpan().SequenceEqual(_certificate.RawData);

    protected override ProxyProcess StartProxy()
    {
        (_certificate, var arguments) = ShippedProxyConfigs.Nginx(Shipped("nginx.conf.example"), Folder, HttpPort, HttpsPort);
        return ProxyProcess.Start(Binary, arguments, new Dictionary<string, string>());
    }
}

/// <summary>A proxy (or tor) as a child process, output captured, killed by its own Process object when disposed.</summary>
public sealed class ProxyProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ProxyProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ProxyProcess Start(string binary, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var proxy = new ProxyProcess(process);
        process.OutputDataReceived += (_, e) => proxy.Append(e.Data);
        process.ErrorDataReceived += (_, e) => proxy.Append(e.Data);
        Assert.True(process.Start(), $"{binary} did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return proxy;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            // nginx's master takes its workers with it on SIGKILL only as orphans: kill the whole tree it started.
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

/// <summary>A test that needs a Debian binary; skipped, with the package to install, when it is absent.</summary>
public sealed class BinaryFactAttribute : FactAttribute
{
    public BinaryFactAttribute(string binary)
    {
        if (!File.Exists(binary))
        {
            Skip = $"{binary} is not installed (apt-get install {Path.GetFileName(binary)}); .ci/run installs it.";
        }
    }
}
