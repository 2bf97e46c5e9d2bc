using System.Diagnostics;
using System.Globalization;

namespace SafeIntake.Crypto.Tests;

/// <summary>
/// Seals and opens 1 GiB through streams in a separate process (tests/StreamProbe) and checks its peak
/// resident memory: flat memory is a property of the format, not of this machine's speed.
/// </summary>
public sealed class StreamingMemoryTests
{
    private const long OneGiB = 1L << 30;
    private const long Limit = 100L * 1024 * 1024;

    [Fact]
    public void SealOpen_OneGiB_PeakMemoryStaysUnder100MB()
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "SafeIntake.StreamProbe.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(probe);
        start.ArgumentList.Add(OneGiB.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "the probe did not finish in 5 minutes");

        Assert.Equal(0, process.ExitCode);
        var fields = output.Split(' ', StringSplitOptions.TrimEntries).Select(f => f.Split('=')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        Assert.Equal("True", fields["ok"]);
        Assert.Equal(OneGiB.ToString(CultureInfo.InvariantCulture), fields["size"]);
        var peak = long.Parse(fields["peak_rss"], CultureInfo.InvariantCulture);
        Assert.True(peak < Limit, $"peak RSS {peak / (1024 * 1024)} MiB for 1 GiB");
    }
}
