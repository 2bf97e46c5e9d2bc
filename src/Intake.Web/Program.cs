using SafeIntake.Intake.Web;
using SafeIntake.Intake.Web.Hosting;

// The intake server: the witness form, the ciphertext upload API and the reviewer bundle. In the Development
// environment (dotnet run) or with Intake:Mode=Demo it starts a self-contained demo; in any other it needs a complete
// production configuration and refuses to start without one. "admin …" runs an administrator's command against the
// same configuration and data, then exits. Every refusal is one or two lines and an exit code (Hosting/ExitCodes.cs).
var adminCommand = args is ["admin", .. var rest] ? rest : null;
var builder = WebApplication.CreateBuilder(StartupGuard.Options(adminCommand is null ? args : []));
if (adminCommand is not null)
{
    await using var admin = new SafeIntake.Intake.Web.Admin.AdminHost(builder, Console.Out, Console.Error);
    return await SafeIntake.Intake.Web.Admin.AdminApp.RunAsync(adminCommand, admin, Spectre.Console.AnsiConsole.Console);
}

WebApplication app;
try
{
    builder.AddIntake();
    app = builder.Build();
    app.UseIntake();

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
    return await StartupGuard.RefuseAsync(code, message);
}

Banner.Print(app);
await app.WaitForShutdownAsync();
return ExitCodes.Ok;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
