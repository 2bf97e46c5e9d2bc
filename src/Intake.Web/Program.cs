using SafeIntake.Intake.Web;
using SafeIntake.Intake.Web.Trust;

// The intake server: the witness form, the ciphertext upload API and the reviewer bundle. With no configuration
// it starts a self-contained demo; with Intake:Mode=Production it needs a pinned organisation key and a bundle.
// "admin …" runs an administrator's command against the same configuration and data, then exits.
var adminCommand = args is ["admin", .. var rest] ? rest : null;
var builder = WebApplication.CreateBuilder(adminCommand is null ? args : []);
try
{
    builder.AddIntake();
}
catch (IntakeConfigurationException e)
{
    await Console.Error.WriteLineAsync("SafeIntake will not start: " + e.Message);
    return 2;
}

var app = builder.Build();
app.UseIntake();
if (adminCommand is not null)
{
    // With no server running the command takes the data folder's lock and repairs like a start-up; beside a running
    // server it works on the live database without repair (docs/admin/README.md).
    var exclusive = await app.PrepareStorageAsync(TimeSpan.Zero);
    return await SafeIntake.Intake.Web.Admin.AdminCommands.RunAsync(adminCommand, app.Services, Console.Out, exclusive);
}

// An admin command holds the lock for a moment; another server holds it for good.
if (!await app.PrepareStorageAsync(TimeSpan.FromSeconds(10)))
{
    await Console.Error.WriteLineAsync($"SafeIntake will not start: another process holds the data folder's lock ({SafeIntake.Intake.Web.Storage.DataFolderLock.FileName}); is a server already running on it?");
    return 2;
}

Banner.Print(app);
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
