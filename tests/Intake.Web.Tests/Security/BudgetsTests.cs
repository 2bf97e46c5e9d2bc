using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SafeIntake.Intake.Web.Security;
using SafeIntake.Intake.Web.Storage;

namespace SafeIntake.Intake.Web.Tests.Security;

public sealed class BudgetsTests
{
    [Fact]
    public void Crowd_OverTheBudget_IsToldTurnsSpreadOverTheRefillTime()
    {
        var budgets = new Budgets(Options.Create(new IntakeOptions { RateLimitPerMinute = 120 }), new FrozenTime());
        var waits = new List<int>();
        for (var i = 0; i < 200; i++)
        {
            if (!budgets.TryTake(Budget.Witness, out var wait))
            {
                waits.Add(wait);
            }
        }

        // 120 at once, the other 80 at 2 a second: turns from 1 s to 40 s, not all of them "60".
        Assert.Equal(80, waits.Count);
        Assert.Equal(1, waits.Min());
        Assert.Equal(40, waits.Max());
        Assert.True(budgets.TryTake(Budget.Mailbox, out _), "the mailbox has a budget of its own");
        Assert.True(budgets.TryTake(Budget.Reviewer, out _), "the reviewers have a budget of their own");
    }

    [Fact]
    public async Task UnacknowledgedReport_IsDeletedAfterTheExpiry_AndNotBefore()
    {
        using var factory = new IntakeApplicationFactory();
        using var witness = factory.CreateWitness();
        await witness.SubmitOkAsync(await witness.SealReportAsync("garbage, never acknowledged"));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IntakeDbContext>();
        var blobs = scope.ServiceProvider.GetRequiredService<BlobStore>();
        Assert.Equal(0, await UnacknowledgedExpiry.ExpireAsync(db, blobs, 90, today.AddDays(90), CancellationToken.None));
        Assert.Single(factory.Snapshot().Blobs);

        Assert.Equal(1, await UnacknowledgedExpiry.ExpireAsync(db, blobs, 90, today.AddDays(91), CancellationToken.None));
        Assert.Empty(factory.Snapshot().Blobs);
    }

    private sealed class FrozenTime : TimeProvider
    {
        public override long GetTimestamp() => 0;
    }
}
