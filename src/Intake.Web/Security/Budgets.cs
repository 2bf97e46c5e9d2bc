using Microsoft.Extensions.Options;

namespace SafeIntake.Intake.Web.Security;

/// <summary>The separate budgets: a flood on one side of the server never empties another's.</summary>
public enum Budget
{
    /// <summary>New uploads, charged only once a proof of work verifies.</summary>
    Witness,

    /// <summary>Mailbox challenges and openings.</summary>
    Mailbox,

    /// <summary>Outboxes and replies from the reviewer console.</summary>
    Reviewer,
}

/// <summary>
/// Global token buckets, never keyed on a client (the server keeps no address). Tokens trickle in continuously, and a
/// refused caller is told when its turn really comes: callers already refused are counted as a queue that drains at
/// the refill rate, so a crowd is spread over the refill time instead of coming back in one wave.
/// </summary>
public sealed class Budgets
{
    private readonly Bucket[] _buckets;

    public Budgets(IOptions<IntakeOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _buckets =
        [
            new Bucket(o.RateLimitPerMinute, time),
            new Bucket(o.MailboxRateLimitPerMinute, time),
            new Bucket(o.ReviewerRateLimitPerMinute, time),
        ];
    }

    /// <summary>Takes one token, or returns how many whole seconds until the caller's turn.</summary>
    public bool TryTake(Budget budget, out int retryAfterSeconds) => _buckets[(int)budget].TryTake(out retryAfterSeconds);

    /// <summary>Gives back a token taken for work that then was not done (e.g. the proof of work was a replay).</summary>
    public void Return(Budget budget) => _buckets[(int)budget].Return();

    /// <summary>Takes a token, or sets <c>Retry-After</c> and returns the uniform rate-limited problem.</summary>
    public Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Refuse(Budget budget, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (TryTake(budget, out var seconds))
        {
            return null;
        }

        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Of("rate-limited");
    }

    private sealed class Bucket(int perMinute, TimeProvider time)
    {
        private const int MaxRetryAfterSeconds = 3600;
        private readonly double _capacity = Math.Max(1, perMinute);
        private readonly double _perSecond = Math.Max(1, perMinute) / 60.0;
        private readonly object _gate = new();
        private double _tokens = Math.Max(1, perMinute);
        private double _waiting;
        private long _last = time.GetTimestamp();

        public bool TryTake(out int retryAfterSeconds)
        {
            lock (_gate)
            {
                Refill();
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    retryAfterSeconds = 0;
                    return true;
                }

                _waiting += 1;
                retryAfterSeconds = (int)Math.Clamp(Math.Ceiling((_waiting - _tokens) / _perSecond), 1, MaxRetryAfterSeconds);
                return false;
            }
        }

        public void Return()
        {
            lock (_gate)
            {
                _tokens = Math.Min(_capacity, _tokens + 1);
            }
        }

        private void Refill()
        {
            var now = time.GetTimestamp();
            var added = time.GetElapsedTime(_last, now).TotalSeconds * _perSecond;
            _last = now;
            _tokens = Math.Min(_capacity, _tokens + added);
            // Refused callers are assumed back when their turn came: the queue drains as fast as tokens arrive.
            _waiting = Math.Clamp(_waiting - added, 0, _perSecond * MaxRetryAfterSeconds);
        }
    }
}

/// <summary>Charges a budget before an endpoint runs.</summary>
public static class BudgetEndpoints
{
    public static RouteHandlerBuilder WithBudget(this RouteHandlerBuilder builder, Budget budget) =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<Budgets>().Refuse(budget, context.HttpContext) is { } refused
                ? refused
                : await next(context));
}
