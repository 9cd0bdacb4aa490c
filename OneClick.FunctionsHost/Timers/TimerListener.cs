using Microsoft.Extensions.Logging;
using OneClick.FunctionsHost.Invocations;
using OneClick.FunctionsHost.Metadata;
using OneClick.FunctionsHost.Rpc;
using OneClick.FunctionsHost.Worker;

namespace OneClick.FunctionsHost.Timers;

/// <summary>
/// Drives one timer-triggered function: runs it at each occurrence of its schedule (never two runs at once), once at start
/// with runOnStartup, and marks a run IsPastDue when the occurrence after it had passed too (a long run or a worker restart
/// made the timer miss its schedule; the missed occurrences are then skipped, as the host catches up with one run).
/// The status lives in memory: a restart of the local host starts a fresh schedule.
/// </summary>
internal sealed class TimerListener(FunctionDefinition function, TimerSchedule schedule, WorkerSupervisor supervisor, FunctionInvoker invoker, TimeProvider time, ILogger logger)
{
    /// <summary>Longer waits go in steps (a single delay cannot exceed about 49 days).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    public async Task RunAsync(CancellationToken stopping)
    {
        var now = time.GetLocalNow();
        var status = new ScheduleStatus(default, schedule.Next(now), default);
        Log.TimerScheduled(logger, function.Name, schedule.Text, status.Next);
        if (function.Trigger!.RunOnStartup)
            status = await RunOnceAsync(status, isPastDue: false, onSchedule: false, "RunOnStartup", stopping).ConfigureAwait(false);

        while (!stopping.IsCancellationRequested)
        {
            var wait = status.Next - time.GetLocalNow();
            if (wait > MaxWait)
            {
                await Task.Delay(MaxWait, time, stopping).ConfigureAwait(false);
                continue;
            }
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, time, stopping).ConfigureAwait(false);
            var isPastDue = schedule.Next(status.Next) <= time.GetLocalNow();
            status = await RunOnceAsync(status, isPastDue, onSchedule: !isPastDue, isPastDue ? "IsPastDue" : $"Timer fired at {time.GetLocalNow():o}", stopping).ConfigureAwait(false);
        }
    }

    private async Task<ScheduleStatus> RunOnceAsync(ScheduleStatus status, bool isPastDue, bool onSchedule, string reason, CancellationToken stopping)
    {
        var firedAt = time.GetLocalNow();
        try
        {
            var worker = await supervisor.WaitForReadyAsync(Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false);
            var request = new InvocationRequest();
            request.InputData.Add(new ParameterBinding { Name = function.Trigger!.Name, Data = TimerInfoJson.Create(status, isPastDue) });
            request.TriggerMetadata["sys"] = TriggerValues.Sys(function.Name, time.GetUtcNow());
            await invoker.InvokeAsync(worker, function, reason, request, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.TimerFailed(logger, function.Name, exception);
        }
        // As the host: a run that fired a little early counts from its scheduled time, so the same occurrence never runs twice.
        var last = onSchedule && firedAt < status.Next ? status.Next : firedAt;
        return new ScheduleStatus(last, schedule.Next(last), last);
    }
}
