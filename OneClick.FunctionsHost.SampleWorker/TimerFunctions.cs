using Microsoft.Azure.Functions.Worker;

namespace OneClick.FunctionsHost.SampleWorker;

public static class TimerFunctions
{
    [Function("Tick")]
    public static Task Tick([TimerTrigger("*/2 * * * * *")] TimerInfo timer)
        => Results.RecordAsync("ticks", new
        {
            timer.IsPastDue, Last = timer.ScheduleStatus?.Last, Next = timer.ScheduleStatus?.Next, At = DateTimeOffset.UtcNow,
        });
}
