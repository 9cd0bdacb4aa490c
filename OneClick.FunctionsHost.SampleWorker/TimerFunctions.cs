using Microsoft.Azure.Functions.Worker;

namespace OneClick.FunctionsHost.SampleWorker;

public static class TimerFunctions
{
    /// <summary>Records each run in the queue named by the TicksQueueName setting (each host of the tests has its own).</summary>
    [Function("Tick")]
    public static Task Tick([TimerTrigger("*/2 * * * * *")] TimerInfo timer)
        => Results.RecordAsync(Environment.GetEnvironmentVariable("TicksQueueName") ?? "ticks", new
        {
            timer.IsPastDue, Last = timer.ScheduleStatus?.Last, Next = timer.ScheduleStatus?.Next, At = DateTimeOffset.UtcNow,
        });
}
