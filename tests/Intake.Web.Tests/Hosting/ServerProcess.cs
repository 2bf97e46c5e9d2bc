using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace SafeIntake.Intake.Web.Tests.Hosting;

/// <summary>
/// The real intake server as an administrator runs it: <c>dotnet SafeIntake.Intake.Web.dll</c> in its own process,
/// Kestrel on a free loopback port, configuration from environment variables, stdout and stderr captured. For what
/// only a real host shows: the files it leaves on disk, a <c>kill -9</c>, a refusal to start.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The repository root (the folder holding SafeIntake.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Starts the server in demo mode on <paramref name="demoPath"/> and waits until <c>/healthz</c> answers.</summary>
    public static async Task<ServerProcess> StartDemoAsync(string demoPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Intake__Mode"] = "Demo",
            ["Intake__DemoPath"] = demoPath,
            ["Intake__PowDifficulty"] = "4",
            ["Intake__PowIterations"] = "100",
            ["Intake__ChunkBytes"] = IntakeApplicationFactory.TestChunkBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        var server = Launch(variables);
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>Runs <c>admin …</c> on the demo folder as an administrator would, beside a running server or not.</summary>
    public static async Task<(int ExitCode, string Output)> RunAdminAsync(string demoPath, params string[] arguments)
    {
        var admin = Launch(new Dictionary<string, string>(StringComparer.Ordinal) { ["Intake__Mode"] = "Demo", ["Intake__DemoPath"] = demoPath }, ["admin", .. arguments]);
        var code = await admin.WaitForExitAsync(TimeSpan.FromSeconds(120));
        var output = admin.StandardOutput + admin.StandardError;
        await admin.DisposeAsync();
        return (code, output);
    }

    /// <summary>Runs <c>admin …</c> with exactly these variables; stdout (the answer) and stderr apart.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAdminWithAsync(IReadOnlyDictionary<string, string> environment, string? workingDirectory, params string[] arguments) =>
        await RunAdminAsAsync(environment, workingDirectory, asUser: null, assembly: null, arguments);

    /// <summary>Runs <c>admin …</c> of <paramref name="assembly"/> (default the build) as <paramref name="asUser"/> (default this user).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAdminAsAsync(IReadOnlyDictionary<string, string> environment, string? workingDirectory,
        string? asUser, string? assembly, params string[] arguments)
    {
        var admin = Launch(environment, ["admin", .. arguments], workingDirectory: workingDirectory, asUser: asUser, assembly: assembly);
        var code = await admin.WaitForExitAsync(TimeSpan.FromSeconds(120));
        var result = (code, admin.StandardOutput, admin.StandardError);
        await admin.DisposeAsync();
        return result;
    }

    /// <summary>
    /// Starts the server with exactly these <c>Intake__</c> variables and does not wait for it. <paramref name="contentRoot"/>:
    /// the server's <c>--contentRoot</c> (default the source folder; empty: none, as an administrator who gives none);
    /// <paramref name="workingDirectory"/>: where it runs (default the temp folder); <paramref name="asNobody"/>: as
    /// the unprivileged user nobody (setpriv), as a service user who owns nothing it was not given.
    /// </summary>
    public static ServerProcess Launch(IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? arguments = null,
        string? contentRoot = null, string? workingDirectory = null, bool asNobody = false, IReadOnlyList<string>? extraArguments = null, int? port = null,
        string? asUser = null, string? assembly = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        port ??= FreePort();
        asUser ??= asNobody ? "nobody" : null;
        var start = new ProcessStartInfo(asUser is not null ? "setpriv" : DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (asUser is not null)
        {
            foreach (var argument in new[] { $"--reuid={IdOf(asUser, "-u")}", $"--regid={IdOf(asUser, "-g")}", "--clear-groups", FullDotnetPath() })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["HOME"] = Path.GetTempPath();
        }

        // Another user may not be able to reach the build output (a clone in a 0700 folder, as mktemp -d makes):
        // they run a world-readable copy of it, from that copy's folder.
        var readable = asUser is not null && assembly is null ? ReadableServerCopy.Value : null;
        start.ArgumentList.Add(assembly ?? readable ?? ServerAssembly());
        if (arguments is { Count: > 0 })
        {
            // An admin command: Program.cs reads only what follows "admin".
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            if (contentRoot != "")
            {
                start.ArgumentList.Add("--contentRoot");
                start.ArgumentList.Add(contentRoot ?? (readable is not null ? Path.GetDirectoryName(readable)! : Path.Combine(RepositoryRoot, "src", "Intake.Web")));
            }

            if (extraArguments is null)
            {
                start.ArgumentList.Add("--urls");
                start.ArgumentList.Add($"http://127.0.0.1:{port}");
            }
        }

        foreach (var argument in extraArguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        // The test runner's own hosting variables must not leak into the server under test.
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || key.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("Intake__", StringComparison.OrdinalIgnoreCase) || key.StartsWith("Intake:", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => Append(server._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(server._stderr, e.Data);
        Assert.True(process.Start(), "dotnet did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>A client to this server, optionally bound to a local <paramref name="source"/> address and with a User-Agent.</summary>
    public HttpClient CreateClient(IPAddress? source = null, string? userAgent = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromSeconds(5),
        };
        if (source is not null)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    // Bound before connecting, so the server sees this address as the client's.
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (userAgent is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
        }

        return client;
    }

    /// <summary>SIGTERM, as systemd stops a service, and waits for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        _ = Kill(_process.Id, 15 /* SIGTERM */);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit(); // drains the output readers
    }

    /// <summary>SIGKILL: the process gets no chance to flush, checkpoint or clean up.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit();
    }

    /// <summary>Waits for the process to end by itself (a refusal to start); kills it and fails if it is still running.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            await KillHardAsync();
            Assert.Fail($"the server was expected to refuse to start but is still running after {timeout.TotalSeconds} s.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillHardAsync();
        }

        _process.Dispose();
    }

    /// <summary>Waits until <c>/healthz</c> answers 200; fails the test if the server exits first.</summary>
    public async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                Assert.Fail($"the server exited with {_process.ExitCode} while starting.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        await KillHardAsync();
        Assert.Fail($"the server did not answer /healthz within {StartTimeout.TotalSeconds} s.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether tests can run the server as another user (root with setpriv, as in CI).</summary>
    internal static bool CanRunAsNobody => Environment.UserName == "root" && File.Exists("/usr/bin/setpriv");

    /// <summary>A free loopback port, for tests that give the server its address themselves.</summary>
    public static int ReservePort() => FreePort();

    /// <summary>A user's uid (<c>-u</c>) or gid (<c>-g</c>), from <c>id</c>.</summary>
    public static string IdOf(string user, string which)
    {
        var info = new ProcessStartInfo("id") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(which);
        info.ArgumentList.Add(user);
        using var id = Process.Start(info)!;
        var value = id.StandardOutput.ReadToEnd().Trim();
        id.WaitForExit();
        Assert.True(id.ExitCode == 0, $"no user {user}");
        return value;
    }

    private static string FullDotnetPath()
    {
        var host = DotnetHost();
        if (Path.IsPathRooted(host))
        {
            return host;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, host)).FirstOrDefault(File.Exists) ?? host;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The server built next to this test assembly's configuration (Debug or Release).</summary>
    private static readonly Lazy<string> ReadableServerCopy = new(() =>
    {
        var source = Path.GetDirectoryName(ServerAssembly())!;
        var target = Path.Combine(Path.GetTempPath(), $"safeintake-server-{Environment.ProcessId}");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy, overwrite: true);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(copy, (UnixFileMode)0x1A4); // 0644
            }
        }

        foreach (var folder in Directory.EnumerateDirectories(target, "*", SearchOption.AllDirectories).Append(target))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(folder, (UnixFileMode)0x1ED); // 0755
            }
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(target, recursive: true);
        return Path.Combine(target, Path.GetFileName(ServerAssembly()));
    });

    private static string ServerAssembly()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var path = Path.Combine(RepositoryRoot, "src", "Intake.Web", "bin", configuration, framework, "SafeIntake.Intake.Web.dll");
        Assert.True(File.Exists(path), $"the server is not built at {path}");
        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "SafeIntake.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("SafeIntake.sln not found above " + AppContext.BaseDirectory);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
