using SafeIntake.Intake.Web;
using SafeIntake.Intake.Web.Trust;

// The intake server: the witness form, the ciphertext upload API and the reviewer bundle. With no configuration
// it starts a self-contained demo; with Intake:Mode=Production it needs a pinned organisation key and a bundle.
var builder = WebApplication.CreateBuilder(args);
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
Banner.Print(app);
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
