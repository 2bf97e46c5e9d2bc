using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SafeIntake.Crypto;
using SafeIntake.Intake.Web.Storage;
using SafeIntake.Intake.Web.Trust;

namespace SafeIntake.Intake.Web.Admin;

/// <summary>
/// <c>dotnet SafeIntake.Intake.Web.dll admin …</c>: the administrator's commands, run against the same configuration
/// and data folder as the server (docs/admin/keys-and-tokens.md). Exit codes: 0 done, 1 refused, 2 usage.
/// </summary>
public static class AdminCommands
{
    public const string Usage = """
        usage: SafeIntake.Intake.Web admin <command>
          server-key                              print the server's export-signing public key, for reviewers to pin
          token create --reviewer <id> [--label <text>]
                                                  create a fetch token (shown once; only its hash is kept)
          token list                              list fetch tokens (ids, reviewers, labels, days)
          token revoke <token id>                 revoke a fetch token
          bundle install <signed bundle file>     verify against the pinned organisation key and install it
          stats                                   counts for monitoring
          retention [--apply]                     show the retention policy, or apply it now
        """;

    /// <summary>
    /// Runs one command. <paramref name="exclusive"/>: this process holds the data folder's lock (no server is running)
    /// and has migrated and repaired. Without it, a server is running: every command still works, on the live
    /// database and beside the server's own transactions, but none repairs, and none runs on an unmigrated schema.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, IServiceProvider services, TextWriter output, bool exclusive)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        if (!exclusive && (await provider.GetRequiredService<IntakeDbContext>().Database.GetPendingMigrationsAsync()).Any())
        {
            return Say(output, "Refused: the running server's database is older than this program. Stop the server, run this command, then start the new server.", 1);
        }

        try
        {
            return args switch
            {
                ["server-key"] => ServerKey(provider, output),
                ["token", "create", .. var rest] when Option(rest, "--reviewer") is { } reviewer =>
                    await CreateToken(provider, reviewer, Option(rest, "--label") ?? "", output),
                ["token", "list"] => await ListTokens(provider, output),
                ["token", "revoke", var id] => await provider.GetRequiredService<TransferStore>().RevokeTokenAsync(id)
                    ? Say(output, $"Revoked token {id}.", 0)
                    : Say(output, $"No active token with id {id}.", 1),
                ["bundle", "install", var file] => await InstallBundle(provider, file, output),
                ["stats"] => await Stats(provider, output),
                ["retention"] => Retention(provider, output),
                ["retention", "--apply"] => Say(output, $"Deleted {await ApplyRetention(provider)} envelopes' ciphertext.", 0),
                _ => Say(output, Usage, 2),
            };
        }
        catch (IntakeConfigurationException e)
        {
            return Say(output, e.Message, 1);
        }
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static int Say(TextWriter output, string text, int code)
    {
        output.WriteLine(text);
        return code;
    }

    private static int ServerKey(IServiceProvider provider, TextWriter output)
    {
        var key = provider.GetRequiredService<ServerSigningKey>().PublicKey;
        output.WriteLine(key.ToBase64());
        output.WriteLine($"fingerprint: {key.Fingerprint}");
        output.WriteLine("On each air-gapped machine: safeintake-review server trust " + key.ToBase64());
        return 0;
    }

    private static async Task<int> CreateToken(IServiceProvider provider, string reviewer, string label, TextWriter output)
    {
        var (row, token) = await provider.GetRequiredService<TransferStore>().CreateTokenAsync(reviewer, label);
        output.WriteLine(token);
        output.WriteLine($"token id {row.Id} for reviewer {row.ReviewerId}. It is shown once and reads ciphertext only; store it on the online machine.");
        return 0;
    }

    private static async Task<int> ListTokens(IServiceProvider provider, TextWriter output)
    {
        var tokens = await provider.GetRequiredService<IntakeDbContext>().FetchTokens.AsNoTracking().OrderBy(t => t.CreatedDay).ToListAsync();
        foreach (var t in tokens)
        {
            output.WriteLine($"{t.Id}  {t.ReviewerId,-16} created {t.CreatedDay:yyyy-MM-dd}  {(t.RevokedDay is { } r ? $"revoked {r:yyyy-MM-dd}" : "active")}  {t.Label}");
        }

        return Say(output, $"{tokens.Count} token(s).", 0);
    }

    private static async Task<int> InstallBundle(IServiceProvider provider, string file, TextWriter output)
    {
        var options = provider.GetRequiredService<IOptions<IntakeOptions>>().Value;
        var current = provider.GetRequiredService<BundleProvider>();
        if (!File.Exists(file))
        {
            return Say(output, $"No such file: {file}", 1);
        }

        var text = await File.ReadAllTextAsync(file);
        var db = provider.GetRequiredService<IntakeDbContext>();
        var highest = await db.Bundles.MaxAsync(b => (long?)b.Epoch) ?? 0;
        var result = SignedReviewerBundle.Verify(text, current.OrganisationKey, DateTimeOffset.UtcNow, highest);
        if (!result.IsValid)
        {
            return Say(output, result.Failure switch
            {
                BundleFailureReason.RolledBack => $"Refused: the bundle's epoch is lower than epoch {highest} already served (a rollback).",
                BundleFailureReason.Expired => "Refused: the bundle has expired.",
                BundleFailureReason.Signature => "Refused: the bundle is not signed by the pinned organisation key.",
                _ => "Refused: the file is not a valid signed reviewer bundle.",
            }, 1);
        }

        BlobStore.WriteAllBytesAtomic(options.BundlePath!, System.Text.Encoding.UTF8.GetBytes(text));
        output.WriteLine($"Installed bundle epoch {result.Bundle.Bundle.Epoch}, fingerprint {result.Bundle.Fingerprint}, {result.Bundle.Bundle.Reviewers.Count} reviewer(s).");
        return Say(output, "Restart the server to serve it, and publish the fingerprint where witnesses can compare it.", 0);
    }

    private static async Task<int> Stats(IServiceProvider provider, TextWriter output)
    {
        var db = provider.GetRequiredService<IntakeDbContext>();
        var byKind = await db.Envelopes.AsNoTracking().GroupBy(e => new { e.Kind, e.State }).Select(g => new { g.Key.Kind, g.Key.State, Count = g.Count(), Bytes = g.Sum(e => e.Size) }).ToListAsync();
        foreach (var row in byKind.OrderBy(r => r.Kind).ThenBy(r => r.State))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Kind,-9} {row.State,-13} {row.Count,8} envelopes {row.Bytes / 1048576.0,10:F1} MiB"));
        }

        output.WriteLine($"uploads in progress: {await db.Uploads.CountAsync()}");
        output.WriteLine($"active fetch tokens: {await db.FetchTokens.CountAsync(t => t.RevokedDay == null)}");
        return 0;
    }

    private static int Retention(IServiceProvider provider, TextWriter output)
    {
        var options = provider.GetRequiredService<IOptions<IntakeOptions>>().Value;
        output.WriteLine($"Delete once every reviewer has acknowledged: {(options.DeleteWhenAllAcknowledged ? "yes" : "no")} (Intake:DeleteWhenAllAcknowledged)");
        output.WriteLine($"Delete after days regardless: {(options.RetentionDays > 0 ? options.RetentionDays.ToString(CultureInfo.InvariantCulture) : "never")} (Intake:RetentionDays)");
        return 0;
    }

    private static Task<int> ApplyRetention(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<IntakeOptions>>().Value;
        return provider.GetRequiredService<TransferStore>().ApplyRetentionAsync(options.RetentionDays, options.DeleteWhenAllAcknowledged, CancellationToken.None);
    }
}
