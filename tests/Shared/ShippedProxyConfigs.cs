using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SafeIntake.Tests.Shared;

/// <summary>
/// How the proxy tests turn the shipped deploy/Caddyfile and deploy/nginx.conf.example into files that run here: only
/// names, ports and paths change, each by a replacement that must find its text. Linked into Intake.Web.Tests
/// (ProxyTests) and Browser.Tests (ProxiedSubmissionTests), which share no project.
/// </summary>
internal static class ShippedProxyConfigs
{
    /// <summary>The shipped deploy file with the app's loopback port replaced by the test server's.</summary>
    public static string Shipped(string repositoryRoot, string name, int appPort)
    {
        var text = File.ReadAllText(Path.Combine(repositoryRoot, "deploy", name));
        Assert.Contains("127.0.0.1:5080", text, StringComparison.Ordinal);
        return text.Replace("127.0.0.1:5080", $"127.0.0.1:{appPort}", StringComparison.Ordinal);
    }

    public static string Replace(string text, string shipped, string test)
    {
        Assert.Contains(shipped, text, StringComparison.Ordinal);
        return text.Replace(shipped, test, StringComparison.Ordinal);
    }

    /// <summary>Global options first (no admin endpoint, high ports, no system trust store), then the site as localhost with Caddy's own CA.</summary>
    public static string Caddyfile(string shipped, int httpPort, int httpsPort)
    {
        var global = shipped.IndexOf("\n{\n", StringComparison.Ordinal);
        Assert.True(global >= 0, "deploy/Caddyfile has no global options block");
        var text = shipped.Insert(global + 3, $"\tadmin off\n\thttp_port {httpPort}\n\thttps_port {httpsPort}\n\tskip_install_trust\n");
        return Replace(text, "report.example.org {\n", "localhost {\n\ttls internal\n");
    }

    /// <summary>Caddy keeps its CA and state under these, inside <paramref name="folder"/>.</summary>
    public static Dictionary<string, string> CaddyEnvironment(string folder) => new()
    {
        ["HOME"] = folder,
        ["XDG_DATA_HOME"] = Path.Combine(folder, "data"),
        ["XDG_CONFIG_HOME"] = Path.Combine(folder, "config"),
    };

    /// <summary>
    /// Writes a self-signed localhost certificate, the shipped site with it on high loopback ports, and a minimal
    /// nginx.conf around it with every path in <paramref name="folder"/>; returns the certificate and nginx's arguments.
    /// </summary>
    public static (X509Certificate2 Certificate, string[] Arguments) Nginx(string shippedSite, string folder, int httpPort, int httpsPort)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificateFile = Path.Combine(folder, "fullchain.pem");
        var keyFile = Path.Combine(folder, "privkey.pem");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());

        var site = Replace(shippedSite, "/etc/letsencrypt/live/report.example.org/fullchain.pem", certificateFile);
        site = Replace(site, "/etc/letsencrypt/live/report.example.org/privkey.pem", keyFile);
        site = Replace(site, "/var/log/nginx/safeintake-error.log", Path.Combine(folder, "error.log"));
        site = Replace(site, "    listen [::]:80;\n", "");
        site = Replace(site, "    listen [::]:443 ssl http2;\n", "");
        site = Replace(site, "listen 80;", $"listen 127.0.0.1:{httpPort};");
        site = Replace(site, "listen 443 ssl http2;", $"listen 127.0.0.1:{httpsPort} ssl http2;");
        site = site.Replace("report.example.org", "localhost", StringComparison.Ordinal);
        var temp = Path.Combine(folder, "temp");
        Directory.CreateDirectory(temp);
        Directory.CreateDirectory(Path.Combine(folder, "logs")); // nginx opens prefix/logs/error.log before it reads the file
        var file = Path.Combine(folder, "nginx.conf");
        File.WriteAllText(file, $$"""
            error_log {{Path.Combine(folder, "main-error.log")}} warn;
            worker_processes 1;
            events { worker_connections 64; }
            http {
                client_body_temp_path {{temp}}/body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;
                access_log off;
            {{site}}
            }
            """);
        return (certificate, ["-p", folder + "/", "-c", file, "-g", $"daemon off; pid {Path.Combine(folder, "nginx.pid")};"]);
    }
}
