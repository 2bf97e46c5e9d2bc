namespace SafeIntake.Intake.Web.Tests.Hosting;

/// <summary>
/// A test that runs the server as the unprivileged user nobody (setpriv), as a service user owning only what it was
/// given: needs root, as CI runs. Elsewhere it is reported as skipped, with the reason, never silently passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AsServiceUserFactAttribute : FactAttribute
{
    public AsServiceUserFactAttribute()
    {
        if (!ServerProcess.CanRunAsNobody)
        {
            Skip = "needs root and /usr/bin/setpriv to run the server as another user (CI runs as root)";
        }
    }
}
