using Spectre.Console;

namespace SafeIntake.Review.Console.Interactive;

/// <summary>A progress bar with speed and time left for long work (decrypting files), or none when it would be noise.</summary>
internal static class ProgressDisplay
{
    public static T Run<T>(IAnsiConsole console, bool quiet, string description, long total, Func<IProgress<long>, T> work)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(work);
        if (quiet)
        {
            return work(new ImmediateProgress(_ => { }));
        }

        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
                var result = work(new ImmediateProgress(value => task.Value = value));
                task.Value = task.MaxValue;
                return result;
            });
    }

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool, out of order).</summary>
    private sealed class ImmediateProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
