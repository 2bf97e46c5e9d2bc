using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SafeIntake.Intake.Web.Tests.Hosting;

/// <summary>Abuse control where timing and Kestrel's own limits matter: a real server process on loopback.</summary>
public sealed class AbuseOnKestrelTests
{
    [Fact]
    public async Task SlowChunkUploads_DoNotStallAnotherWitness()
    {
        var demo = TestFolders.Create("kestrel-slow");
        try
        {
            await using var server = await ServerProcess.StartDemoAsync(demo);
            using var http = server.CreateClient();
            using var witness = new WitnessClient(http, demo);
            var tickets = new List<UploadTicket>();
            for (var i = 0; i < 40; i++)
            {
                tickets.Add(await witness.CreateUploadAsync(200_000));
            }

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            var slow = tickets.Select(t => TrickleChunkAsync(server.BaseAddress, t.Id, IntakeApplicationFactory.TestChunkBytes, stop.Token)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(1));

            for (var i = 0; i < 3; i++)
            {
                var envelope = await witness.SealReportAsync("slow clients elsewhere " + i, ("a.bin", new byte[30_000]));
                var clock = Stopwatch.StartNew();
                await witness.SubmitOkAsync(envelope);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"a witness waited {clock.Elapsed} behind slow uploads");
            }

            await stop.CancelAsync();
            await Task.WhenAll(slow.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    [Fact]
    public async Task HostileBodies_GetUniformProblems_AndTheLogHasNoTraceOrMessage()
    {
        var demo = TestFolders.Create("kestrel-hostile");
        try
        {
            await using var server = await ServerProcess.StartDemoAsync(demo);
            using var http = server.CreateClient();
            using var witness = new WitnessClient(http, demo);
            var ticket = await witness.CreateUploadAsync(200_000);

            // A body far too slow: Kestrel's MinRequestBodyDataRate cuts it with 408, answered as a problem.
            var slow = await RawAsync(server.BaseAddress, $"PATCH /api/v1/uploads/{ticket.Id} HTTP/1.1\r\nHost: x\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: 8000\r\n\r\n",
                trickle: true);
            Assert.StartsWith("HTTP/1.1 408", slow, StringComparison.Ordinal);
            Assert.Contains("\"code\":\"too-slow\"", slow, StringComparison.Ordinal);

            // 70 MB outbox: 413 from the declared length, before a byte is read.
            var large = await RawAsync(server.BaseAddress, "POST /api/v1/outbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 73400320\r\n\r\n{");
            Assert.StartsWith("HTTP/1.1 413", large, StringComparison.Ordinal);
            Assert.Contains("\"code\":\"too-large\"", large, StringComparison.Ordinal);

            // A chunk that stops half way: the client went away.
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync(IPAddress.Loopback, server.BaseAddress.Port);
                var stream = tcp.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"PATCH /api/v1/uploads/{ticket.Id} HTTP/1.1\r\nHost: x\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: 8000\r\n\r\n"));
                await stream.WriteAsync(new byte[3000]);
                await Task.Delay(300);
                tcp.Client.LingerState = new LingerOption(true, 0);
            }

            // A malformed request line, which Kestrel refuses itself.
            _ = await RawAsync(server.BaseAddress, "GARBAGE\r\n\r\n");

            // The hostile query value of issue 9.
            using var since = await http.GetAsync(new Uri("/api/v1/export?since=9223372036854775807", UriKind.Relative));
            Assert.True((int)since.StatusCode is >= 400 and < 500);

            await Task.Delay(500);
            using var after = await witness.HeadAsync(ticket.Id);
            Assert.Equal(HttpStatusCode.NoContent, after.StatusCode);
            await server.StopAsync();
            var log = server.StandardOutput + server.StandardError;
            Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", log, StringComparison.Ordinal);
            Assert.DoesNotContain("ERR]", log, StringComparison.Ordinal);
        }
        finally
        {
            TestFolders.Delete(demo);
        }
    }

    private static async Task TrickleChunkAsync(Uri baseAddress, string id, int length, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, baseAddress.Port, cancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"PATCH /api/v1/uploads/{id} HTTP/1.1\r\nHost: x\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: {length}\r\n\r\n"), cancellationToken);
        var piece = new byte[500];
        for (var sent = 0; sent < length && !cancellationToken.IsCancellationRequested; sent += piece.Length)
        {
            await stream.WriteAsync(piece.AsMemory(0, Math.Min(piece.Length, length - sent)), cancellationToken);
            await Task.Delay(1000, cancellationToken);
        }
    }

    private static async Task<string> RawAsync(Uri baseAddress, string head, bool trickle = false)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, baseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var reading = ReadAllAsync(stream);
        if (trickle)
        {
            for (var i = 0; i < 30 && !reading.IsCompleted; i++)
            {
                try
                {
                    await stream.WriteAsync(new byte[1]);
                }
                catch (IOException)
                {
                    break;
                }

                await Task.WhenAny(reading, Task.Delay(1000));
            }
        }

        return await reading.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<string> ReadAllAsync(NetworkStream stream)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                text.Append(Encoding.ASCII.GetString(buffer, 0, read));
                if (text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && text.ToString().EndsWith('}'))
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
        }

        return text.ToString();
    }
}
