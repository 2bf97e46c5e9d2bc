using System.ComponentModel;
using Microsoft.EntityFrameworkCore;
using SafeIntake.Intake.Web.Storage;
using Spectre.Console.Cli;

namespace SafeIntake.Intake.Web.Admin;

public sealed class TokenCreateSettings : AdminSettings
{
    [CommandOption("--reviewer <ID>")]
    [Description("The reviewer (an id in the current bundle) whose online machine will fetch")]
    public string Reviewer { get; init; } = "";

    [CommandOption("--label <TEXT>")]
    [Description("A note for token list, e.g. which machine holds it")]
    public string Label { get; init; } = "";

    public override Spectre.Console.ValidationResult Validate() => string.IsNullOrWhiteSpace(Reviewer)
        ? Spectre.Console.ValidationResult.Error("--reviewer <ID> is required")
        : Spectre.Console.ValidationResult.Success();
}

/// <summary><c>token create</c>: the token is printed once, on the first line; only its hash is kept.</summary>
public sealed class TokenCreateCommand(AdminHost host) : AdminCommand<TokenCreateSettings>(host)
{
    protected override async Task<int> RunAsync(IServiceProvider services, TokenCreateSettings settings, CancellationToken cancellationToken)
    {
        var (row, token) = await services.GetRequiredService<TransferStore>().CreateTokenAsync(settings.Reviewer, settings.Label, cancellationToken);
        return Answer(settings, new { token, id = row.Id, reviewer = row.ReviewerId, label = row.Label },
        [
            token,
            $"token id {row.Id} for reviewer {row.ReviewerId}. It is shown once and reads ciphertext only; store it on the online machine.",
        ]);
    }
}

/// <summary><c>token list</c>.</summary>
public sealed class TokenListCommand(AdminHost host) : AdminCommand<AdminSettings>(host)
{
    protected override async Task<int> RunAsync(IServiceProvider services, AdminSettings settings, CancellationToken cancellationToken)
    {
        var tokens = await services.GetRequiredService<IntakeDbContext>().FetchTokens.AsNoTracking().OrderBy(t => t.CreatedDay).ToListAsync(cancellationToken);
        return Answer(settings,
            tokens.Select(t => new { id = t.Id, reviewer = t.ReviewerId, label = t.Label, created = t.CreatedDay, revoked = t.RevokedDay }),
            tokens.Select(t => $"{t.Id}  {t.ReviewerId,-16} created {t.CreatedDay:yyyy-MM-dd}  {(t.RevokedDay is { } r ? $"revoked {r:yyyy-MM-dd}" : "active")}  {t.Label}")
                .Append($"{tokens.Count} token(s)."));
    }
}

public sealed class TokenRevokeSettings : AdminSettings
{
    [CommandArgument(0, "[TOKEN_ID]")]
    [Description("The token's id, as token list shows it")]
    public string? Id { get; init; }

    [CommandOption("--reviewer <ID>")]
    [Description("Instead of one id: every active token of this reviewer (a reviewer who leaves, a lost online machine)")]
    public string? Reviewer { get; init; }

    public override Spectre.Console.ValidationResult Validate() => string.IsNullOrWhiteSpace(Id) == string.IsNullOrWhiteSpace(Reviewer)
        ? Spectre.Console.ValidationResult.Error("give either a <TOKEN_ID> or --reviewer <ID>")
        : Spectre.Console.ValidationResult.Success();
}

/// <summary>
/// <c>token revoke</c>: one token by id (1 when no active token has it), or <c>--reviewer</c>: all of a reviewer's active
/// tokens (0 with none, so a runbook can run it whether or not the reviewer ever had one).
/// </summary>
public sealed class TokenRevokeCommand(AdminHost host) : AdminCommand<TokenRevokeSettings>(host)
{
    protected override async Task<int> RunAsync(IServiceProvider services, TokenRevokeSettings settings, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<TransferStore>();
        if (!string.IsNullOrWhiteSpace(settings.Reviewer))
        {
            var reviewer = settings.Reviewer;
            var revoked = await store.RevokeReviewerTokensAsync(reviewer, cancellationToken);
            return Answer(settings, new { reviewer, revoked },
                revoked.Count == 0
                    ? [$"Reviewer {reviewer} has no active token."]
                    : [$"Revoked {revoked.Count} token(s) of reviewer {reviewer}: {string.Join(", ", revoked)}."]);
        }

        return await store.RevokeTokenAsync(settings.Id!, cancellationToken)
            ? Answer(settings, new { revoked = settings.Id }, [$"Revoked token {settings.Id}."])
            : Refuse(settings, $"No active token with id {settings.Id}.");
    }
}
