using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xunit.Abstractions;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// A witness in Chromium sends a 50 MB attachment through deploy/Caddyfile as shipped (with <c>tls internal</c> for
/// localhost, high ports, no admin endpoint): the page over HTTPS, every chunk through Caddy in the production chunk
/// size, and the reviewer opens the exact bytes (issue 11, deliverable 3). Chromium trusts only Caddy's test CA.
/// </summary>
public sealed class ProxiedSubmissionTests(ProxiedSubmissionTests.Fixture fixture, ITestOutputHelper output)
    : IClassFixture<ProxiedSubmissionTests.Fixture>
{
    internal const string Caddy = "/usr/bin/caddy";

    private const int Size = 50 * 1000 * 1000;

    /// <summary>The server with its default 4 MiB chunks, and real Caddy in front from the shipped Caddyfile.</summary>
    public sealed class Fixture : BrowserFixture
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("safeintake-caddy-").FullName;
        private Process? _caddy;
        private readonly StringBuilder _caddyOutput = new();

        protected override IDictionary<string, string>? ServerEnvironment => new Dictionary<string, string> { ["Intake__ChunkBytes"] = (4 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture) };

        // Chromium accepts certificate errors only for chains holding these keys: Caddy's own local CA, made in the temp folder.
        protected override IEnumerable<string> ExtraChromiumArgs => [$"--ignore-certificate-errors-spki-list={string.Join(",", CaSpkiHashes())}"];

        private string Authority => Path.Combine(_folder, "data", "caddy", "pki", "authorities", "local");

        protected override async Task<Uri?> StartFrontAsync(IntakeServer server)
        {
            if (!File.Exists(Caddy))
            {
                return null;
            }

            int httpsPort = FreePort(), httpPort = FreePort();
            var text = File.ReadAllText(Path.Combine(IntakeServer.RepoRoot, "deploy", "Caddyfile"));
            Assert.Contains("127.0.0.1:5080", text, StringComparison.Ordinal);
            text = text.Replace("127.0.0.1:5080", $"127.0.0.1:{server.Address.Port}", StringComparison.Ordinal);
            var global = text.IndexOf("\n{\n", StringComparison.Ordinal);
            Assert.True(global >= 0, "deploy/Caddyfile has no global options block");
            text = text.Insert(global + 3, $"\tadmin off\n\thttp_port {httpPort}\n\thttps_port {httpsPort}\n\tskip_install_trust\n");
            Assert.Contains("report.example.org {\n", text, StringComparison.Ordinal);
            text = text.Replace("report.example.org {\n", "localhost {\n\ttls internal\n", StringComparison.Ordinal);
            var file = Path.Combine(_folder, "Caddyfile");
            File.WriteAllText(file, text);

            var start = new ProcessStartInfo(Caddy) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "run", "--config", file, "--adapter", "caddyfile" })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["HOME"] = _folder;
            start.Environment["XDG_DATA_HOME"] = Path.Combine(_folder, "data");
            start.Environment["XDG_CONFIG_HOME"] = Path.Combine(_folder, "config");
            _caddy = Process.Start(start)!;
            _caddy.OutputDataReceived += (_, e) => { lock (_caddyOutput) { _caddyOutput.AppendLine(e.Data); } };
            _caddy.ErrorDataReceived += (_, e) => { lock (_caddyOutput) { _caddyOutput.AppendLine(e.Data); } };
            _caddy.BeginOutputReadLine();
            _caddy.BeginErrorReadLine();

            var site = new Uri($"https://localhost:{httpsPort}");
            using var client = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => File.Exists(Path.Combine(Authority, "root.crt")) })
            {
                BaseAddress = site,
                Timeout = TimeSpan.FromSeconds(5),
            };
            for (var attempt = 0; attempt < 300 && !_caddy.HasExited; attempt++)
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

            lock (_caddyOutput)
            {
                Assert.Fail($"caddy did not pass /healthz through:\n{_caddyOutput}");
            }

            return null;
        }

        protected override void StopFront()
        {
            if (_caddy is { HasExited: false })
            {
                _caddy.Kill(entireProcessTree: true);
                _caddy.WaitForExit();
            }

            _caddy?.Dispose();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private IEnumerable<string> CaSpkiHashes()
        {
            foreach (var name in new[] { "root.crt", "intermediate.crt" })
            {
                var path = Path.Combine(Authority, name);
                if (File.Exists(path))
                {
                    using var certificate = X509CertificateLoader.LoadCertificateFromFile(path);
                    yield return Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
                }
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    [ChromiumAndCaddyFact]
    public async Task Submit_50MegabyteAttachment_ThroughCaddy_ReviewerGetsExactBytes()
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
            await using var witness = await fixture.NewSessionAsync("proxied-caddy", "en");
            var page = await witness.Page.GotoAsync($"/{witness.Lang}/");
            Assert.NotNull(page);
            Assert.Equal(200, page.Status);
            var headers = await page.AllHeadersAsync();
            Assert.True(headers.ContainsKey("content-security-policy"), "no CSP through Caddy");
            Assert.False(headers.ContainsKey("server"), $"Server: {headers.GetValueOrDefault("server")}");
            Assert.False(headers.ContainsKey("set-cookie"), "a cookie through Caddy");

            await witness.FillReportAsync(new WitnessReport("A long recording, sent through Caddy.", "", "", null));
            await witness.AttachAsync("files", path);
            var clock = Stopwatch.StartNew();
            await witness.Page.Locator("#submit").ClickAsync();
            var codename = await witness.WaitForDoneAsync();
            output.WriteLine($"sealed and uploaded {Size} bytes through Caddy in {clock.Elapsed.TotalSeconds:F1} s");
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

/// <summary>Needs Debian's Chromium and caddy; skipped, saying which to install, without either.</summary>
public sealed class ChromiumAndCaddyFactAttribute : FactAttribute
{
    public ChromiumAndCaddyFactAttribute()
    {
        if (!File.Exists(ChromiumFactAttribute.ChromiumPath) || !File.Exists(ProxiedSubmissionTests.Caddy))
        {
            Skip = "Chromium or caddy is not installed (apt-get install chromium caddy); .ci/run installs both.";
        }
    }
}
