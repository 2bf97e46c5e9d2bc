using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web.Admin;

/// <summary><c>server-key</c>: the export-signing public key reviewers pin; the first line is the key alone.</summary>
public sealed class ServerKeyCommand(AdminHost host) : AdminCommand<AdminSettings>(host)
{
    protected override Task<int> RunAsync(IServiceProvider services, AdminSettings settings, CancellationToken cancellationToken)
    {
        var key = services.GetRequiredService<ServerSigningKey>().PublicKey;
        return Task.FromResult(Answer(settings, new { key = key.ToBase64(), fingerprint = key.Fingerprint },
        [
            key.ToBase64(),
            $"fingerprint: {key.Fingerprint}",
            "On each air-gapped machine: safeintake-review server trust " + key.ToBase64(),
        ]));
    }
}
