using System.Text.Json;
using OneClick.FunctionsHost.Rpc;

namespace OneClick.FunctionsHost.Timers;

/// <summary>The TimerInfo the host sends as a timer's trigger input, in the JSON shape the worker's Timer extension reads.</summary>
internal static class TimerInfoJson
{
    public static TypedData Create(ScheduleStatus status, bool isPastDue) => new()
    {
        Json = JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = new { status.Last, status.Next, status.LastUpdated },
            IsPastDue = isPastDue,
        }),
    };
}

/// <summary>When the timer last ran and when it runs next (local time), as the host's schedule monitor tracks it.</summary>
internal sealed record ScheduleStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated);
