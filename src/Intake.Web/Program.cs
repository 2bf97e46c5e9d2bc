using SafeIntake.Intake.Web;
using SafeIntake.Intake.Web.Hosting;

// The intake server: the witness form, the ciphertext upload API and the reviewer bundle. In the Development
// environment (dotnet run) or with Intake:Mode=Demo it starts a self-contained demo; in any other it needs a complete
// production configuration and refuses to start without one. "admin …" runs an administrator's command against the
// same configuration and data, then exits. Every refusal is one or two lines and an exit code (Hosting/ExitCodes.cs).
var adminCommand = args is ["admin", .. var rest] ? rest : null;
var builder = WebApplication.CreateBuilder(StartupGuard.Options(adminCommand is null ? args : []));
WebApplication app;
try
{
    builder.AddIntake(forAdmin: adminCommand is not null);
    app = builder.Build();
    app.UseIntake();
    if (adminCommand is not null)
    {
        // With no server running the command takes the data folder's lock and repairs like a start-up; beside a
        // running server it works on the live database without repair (docs/admin/README.md).
        await Console.Error.WriteLineAsync("configuration: " + IntakeExtensions.DescribeConfiguration(builder));
        var exclusive = await app.PrepareStorageAsync(TimeSpan.Zero);
        return await SafeIntake.Intake.Web.Admin.AdminCommands.RunAsync(adminCommand, app.Services, Console.Out, exclusive);
    }

    // An admin command holds the lock for a moment; another server holds it for good.
    if (!await app.PrepareStorageAsync(TimeSpan.FromSeconds(10)))
    {
        return await StartupGuard.RefuseAsync(ExitCodes.DataFolderInUse,
            $"another process holds the data folder's lock ({SafeIntake.Intake.Web.Storage.DataFolderLock.FileName}); is a server already running on it?");
    }

    await app.StartAsync();
}
catch (Exception e) when (StartupGuard.Explain(e, builder) is var (code, message))
{
    return await StartupGuard.RefuseAsync(code, message, adminCommand is not null);
}

Banner.Print(app);
await app.WaitForShutdownAsync();
return ExitCodes.Ok;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
