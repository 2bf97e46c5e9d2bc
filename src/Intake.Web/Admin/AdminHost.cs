using Microsoft.EntityFrameworkCore;
using SafeIntake.Intake.Web.Hosting;

namespace SafeIntake.Intake.Web.Admin;

/// <summary>An admin command cannot run: one line for the administrator and an exit code (<see cref="ExitCodes"/>).</summary>
public sealed class AdminRefusedException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// The server's configuration and data, opened only when a command needs them (so <c>--help</c> works anywhere). With no
/// server running the command takes the data folder's lock and repairs like a start-up; beside a running server it
/// works on the live database without repair, and refuses on a schema older than this program (docs/admin/README.md).
/// </summary>
public sealed class AdminHost(WebApplicationBuilder builder, TextWriter output, TextWriter diagnostics) : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Where commands write their human or JSON answer (stdout).</summary>
    public TextWriter Output { get; } = output;

    public async Task<IServiceProvider> OpenAsync()
    {
        if (_app is not null)
        {
            return _app.Services;
        }

        try
        {
            builder.AddIntake(forAdmin: true);
            await diagnostics.WriteLineAsync("configuration: " + IntakeExtensions.DescribeConfiguration(builder));
            _app = builder.Build();
            _app.UseIntake();
            var exclusive = await _app.PrepareStorageAsync(TimeSpan.Zero);
            if (!exclusive)
            {
                await using var scope = _app.Services.CreateAsyncScope();
                if ((await scope.ServiceProvider.GetRequiredService<Storage.IntakeDbContext>().Database.GetPendingMigrationsAsync()).Any())
                {
                    throw new AdminRefusedException("the running server's database is older than this program. Stop the server, run this command, then start the new server.", ExitCodes.Refused);
                }
            }

            return _app.Services;
        }
        catch (Exception e) when (e is not AdminRefusedException && StartupGuard.Explain(e, builder) is var (code, message))
        {
            throw new AdminRefusedException(message, code);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
