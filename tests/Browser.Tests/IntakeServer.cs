using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// The real intake server as its own process on a free loopback port, in demo mode with a fresh demo folder, as a
/// newcomer starts it. Its stdout and stderr are captured so tests can grep them.
/// </summary>
public sealed class IntakeServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private IntakeServer(Process process, string demoPath, Uri address)
    {
        _process = process;
        DemoPath = demoPath;
        Address = address;
    }

    public string DemoPath { get; }

    public string DataPath => Path.Combine(DemoPath, "server-data");

    public Uri Address { get; }

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

    public static string RepoRoot { get; } = FindRoot();

    public static async Task<IntakeServer> StartAsync(string? demoPath = null, IDictionary<string, string>? environment = null)
    {
        demoPath ??= Directory.CreateTempSubdirectory("safeintake-browser-").FullName;
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var dll = Path.Combine(AppContext.BaseDirectory, "SafeIntake.Intake.Web.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(Path.Combine(RepoRoot, "src", "Intake.Web"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString().TrimEnd('/'));
        start.Environment["Intake__Mode"] = "Demo";
        start.Environment["Intake__DemoPath"] = demoPath;
        start.Environment["Intake__PowDifficulty"] = "8";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var server = new IntakeServer(process, demoPath, address);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        for (var attempt = 0; attempt < 1800; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("The server exited: " + server.Output);
            }

            try
            {
                if ((await http.GetAsync(new Uri(address, "/healthz"))).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        throw new TimeoutException("The server did not start in 180 s: " + server.Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SafeIntake.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("SafeIntake.sln not found");
    }
}
