using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace SafeIntake.Browser.Tests;

/// <summary>
/// The real reviewer console (<c>dotnet safeintake-review.dll … --home</c>) and the server's admin command, each run
/// as its own process, as a reviewer and an administrator type them. Every command line and its output is kept in
/// <see cref="Transcript"/>, for a failing test's message.
/// </summary>
public sealed class ReviewConsole(IntakeServer server, string passphrase)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private readonly StringBuilder _transcript = new();

    public string Transcript
    {
        get
        {
            lock (_transcript)
            {
                return _transcript.ToString();
            }
        }
    }

    /// <summary>Runs a console command in <paramref name="home"/>; fails unless it exits with <paramref name="expectedExit"/>.</summary>
    public Task<string> RunAsync(string home, string[] args, int expectedExit = 0) =>
        RunProcessAsync([Path.Combine(AppContext.BaseDirectory, "safeintake-review.dll"), .. args, "--home", home],
            new Dictionary<string, string> { ["SAFEINTAKE_PASSPHRASE"] = passphrase }, Path.GetTempPath(), expectedExit);

    public Task<string> RunAsync(string home, params string[] args) => RunAsync(home, args, 0);

    /// <summary>A console command with <c>--json</c>, its output parsed.</summary>
    public async Task<JsonElement> JsonAsync(string home, params string[] args)
    {
        var stdout = await RunAsync(home, [.. args, "--json"]);
        using var document = JsonDocument.Parse(stdout);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// <c>admin …</c> against the running demo server's configuration and data: the same demo folder and the same
    /// content root (admin commands build the host from the working directory, not from <c>--contentRoot</c>).
    /// </summary>
    public Task<string> AdminAsync(params string[] args) =>
        RunProcessAsync([Path.Combine(AppContext.BaseDirectory, "SafeIntake.Intake.Web.dll"), "admin", .. args],
            new Dictionary<string, string>
            {
                ["Intake__Mode"] = "Demo",
                ["Intake__DemoPath"] = server.DemoPath,
                ["Intake__PowDifficulty"] = "8",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
            },
            Path.Combine(IntakeServer.RepoRoot, "src", "Intake.Web"), 0);

    private async Task<string> RunProcessAsync(string[] args, Dictionary<string, string> environment, string workingDirectory, int expectedExit)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["COLUMNS"] = "200";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Describe(args)} did not finish in {Timeout.TotalMinutes} min.\n{Transcript}");
        }

        var output = await stdout + await stderr;
        lock (_transcript)
        {
            _transcript.Append("$ ").Append(Describe(args)).Append("  → ").Append(process.ExitCode).Append('\n').Append(output).Append('\n');
        }

        Assert.True(process.ExitCode == expectedExit, $"{Describe(args)} exited {process.ExitCode}, expected {expectedExit}:\n{output}");
        return await stdout;
    }

    private static string Describe(string[] args) =>
        string.Join(' ', args.Skip(1).Select(a => a.Length > 60 ? a[..60] + "…" : a).Prepend(Path.GetFileName(args[0])));
}
