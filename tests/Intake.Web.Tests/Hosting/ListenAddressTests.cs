using System.Diagnostics;
using System.Net;

namespace SafeIntake.Intake.Web.Tests.Hosting;

/// <summary>
/// Changing the port (README "Try it"): <c>--urls</c> and <c>ASPNETCORE_URLS</c> both work, on the built server and under
/// <c>dotnet run</c>, whose launch profile once overrode ASPNETCORE_URLS with its own applicationUrl (issue 11).
/// </summary>
public sealed class ListenAddressTests
{
    [Fact]
    public async Task AspNetCoreUrls_WithoutUrlsArgument_IsWhereTheServerListens()
    {
        var demo = TestFolders.Create("urls-env");
        try
        {
            var port = ServerProcess.ReservePort();
            await using var server = ServerProcess.Launch(
                new Dictionary<string, string> { ["Intake__Mode"] = "Demo", ["Intake__DemoPath"] = demo, ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" },
                extraArguments: [], port: port);
            await server.WaitUntilReadyAsync();
            Assert.Contains($"Now listening on: http://127.0.0.1:{port}", server.StandardOutput, StringComparison.Ordinal);
            await server.StopAsync();
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    [Fact]
    public async Task UrlsArgument_WinsOverAspNetCoreUrls()
    {
        var demo = TestFolders.Create("urls-arg");
        try
        {
            var port = ServerProcess.ReservePort();
            var other = ServerProcess.ReservePort();
            await using var server = ServerProcess.Launch(
                new Dictionary<string, string> { ["Intake__Mode"] = "Demo", ["Intake__DemoPath"] = demo, ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{other}" },
                extraArguments: ["--urls", $"http://127.0.0.1:{port}"], port: port);
            await server.WaitUntilReadyAsync();
            Assert.DoesNotContain($":{other}", server.StandardOutput, StringComparison.Ordinal);
            await server.StopAsync();
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    [Fact]
    public async Task DotnetRun_WithAspNetCoreUrls_ListensThere_InDemoMode()
    {
        var demo = TestFolders.Create("urls-run");
        var port = ServerProcess.ReservePort();
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = ServerProcess.RepositoryRoot };
        foreach (var argument in new[] { "run", "--no-build", "-c", configuration, "--project", Path.Combine("src", "Intake.Web") })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Intake__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Intake__DemoPath"] = demo; // the Development profile makes it a demo; only its folder is the test's
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var answered = false;
            for (var attempt = 0; attempt < 600 && !answered && !process.HasExited; attempt++)
            {
                try
                {
                    answered = (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"))).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
            }

            string text;
            lock (output)
            {
                text = output.ToString();
            }

            Assert.True(answered, $"dotnet run did not listen on {port}:\n{text}");
            Assert.Contains("DEMO MODE", text, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            TestFolders.Delete(demo);
        }
    }
}
