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
await app.PrepareStorageAsync();
if (adminCommand is not null)
{
    return await SafeIntake.Intake.Web.Admin.AdminCommands.RunAsync(adminCommand, app.Services, Console.Out);
}

Banner.Print(app);
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
