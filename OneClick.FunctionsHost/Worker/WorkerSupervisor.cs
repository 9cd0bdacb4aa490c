using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace OneClick.FunctionsHost.Worker;

/// <summary>
/// Keeps one worker running: starts it, waits until it has loaded its functions, and when it dies logs why,
/// fails what was in flight (the channel does that) and starts a new one after a back-off.
/// </summary>
internal sealed class WorkerSupervisor
{
    private readonly LocalFunctionsHostOptions _options;
    private readonly WorkerLauncher _launcher;
    private readonly WorkerInitializer _initializer;
    private readonly WorkerConnections _connections;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource<ReadyWorker> _firstStart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<ReadyWorker> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WorkerSupervisor(LocalFunctionsHostOptions options, WorkerLauncher launcher, WorkerInitializer initializer, WorkerConnections connections, ILoggerFactory loggerFactory)
    {
        _loggerFactory = loggerFactory;
        _options = options;
        _launcher = launcher;
        _initializer = initializer;
        _connections = connections;
        _logger = loggerFactory.CreateLogger("OneClick.FunctionsHost.Worker");
        _time = options.TimeProvider;
    }

    /// <summary>The first worker's start: its functions, or why it could not start (after which the supervisor gives up).</summary>
    public Task<ReadyWorker> FirstStart => _firstStart.Task;

    /// <summary>How many workers have become ready so far.</summary>
    public int ReadyCount { get; private set; }

    /// <summary>The process id of the ready worker, if it is a process and one is ready now.</summary>
    public int? ReadyProcessId { get; private set; }

    /// <summary>The ready worker, waiting for a (re)start if there is none right now.</summary>
    public Task<ReadyWorker> WaitForReadyAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        Volatile.Read(ref _ready).Task.WaitAsync(timeout, _time, cancellationToken);

    /// <summary>Runs workers until <paramref name="stopping"/>; then asks the current one to terminate.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var delay = _options.RestartDelay;
        while (!stopping.IsCancellationRequested)
        {
            var startedAt = _time.GetTimestamp();
            var ranLong = false;
            try
            {
                await RunOneWorkerAsync(stopping).ConfigureAwait(false);
                ranLong = _time.GetElapsedTime(startedAt) > TimeSpan.FromMinutes(1);
            }
            catch (Exception exception) when (!stopping.IsCancellationRequested)
            {
                if (!FirstStart.IsCompleted)
                {
                    _firstStart.TrySetException(exception);
                    return;
                }
                Log.WorkerStartFailed(_logger, exception);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (stopping.IsCancellationRequested)
                break;
            delay = ranLong ? _options.RestartDelay : delay;
            Log.RestartingWorker(_logger, delay);
            try
            {
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRestartDelay.Ticks));
        }
        _firstStart.TrySetCanceled(stopping);
    }

    private async Task RunOneWorkerAsync(CancellationToken stopping)
    {
        var workerId = Guid.NewGuid().ToString();
        var channel = new WorkerChannel(workerId, _loggerFactory);
        _connections.Add(channel);
        IWorkerHandle? worker = null;
        try
        {
            var context = _launcher.CreateContext(workerId);
            var stopwatch = Stopwatch.StartNew();
            worker = await _launcher.StartAsync(context, stopping).ConfigureAwait(false);
            var exited = worker;
            _ = worker.Exited.ContinueWith(
                exit => channel.Close(new WorkerGoneException($"Worker process {exited.ProcessId} exited with code {exit.Result}.")),
                CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

            ReadyWorker ready;
            using (var startup = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                startup.CancelAfter(_options.StartupTimeout);
                ready = await InitializeAsync(channel, worker, startup.Token, stopping).ConfigureAwait(false);
            }
            Log.WorkerReady(_logger, workerId, ready.Functions.Count, stopwatch.ElapsedMilliseconds);
            ReadyCount++;
            ReadyProcessId = worker.ProcessId;
            _firstStart.TrySetResult(ready);
            Volatile.Read(ref _ready).TrySetResult(ready);

            var gone = await channel.Closed.WaitAsync(stopping).ConfigureAwait(false);
            ReadyProcessId = null;
            Volatile.Write(ref _ready, new TaskCompletionSource<ReadyWorker>(TaskCreationOptions.RunContinuationsAsynchronously));
            await ReportGoneAsync(worker, workerId, gone).ConfigureAwait(false);
        }
        finally
        {
            if (stopping.IsCancellationRequested)
                channel.Terminate(_options.ShutdownTimeout);
            _connections.Remove(channel);
            if (worker is not null)
                await worker.DisposeAsync().ConfigureAwait(false);
            channel.Close(new WorkerGoneException($"Worker {workerId} was stopped."));
            channel.Dispose();
        }
    }

    private async Task<ReadyWorker> InitializeAsync(WorkerChannel channel, IWorkerHandle worker, CancellationToken startup, CancellationToken stopping)
    {
        try
        {
            // A worker that dies before connecting closes the channel (its exit does), so wait for either.
            if (await Task.WhenAny(channel.Connected, channel.Closed).WaitAsync(startup).ConfigureAwait(false) == channel.Closed)
                throw await channel.Closed.ConfigureAwait(false);
            return await _initializer.InitializeAsync(channel, startup).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            throw new TimeoutException($"The worker did not load its functions within {_options.StartupTimeout}.{RecentOutput(worker)}");
        }
        catch (WorkerGoneException gone)
        {
            throw new InvalidOperationException($"The worker stopped while starting: {gone.Message}{RecentOutput(worker)}", gone);
        }
    }

    private async Task ReportGoneAsync(IWorkerHandle worker, string workerId, WorkerGoneException gone)
    {
        if (worker.ProcessId is { } processId)
        {
            // The stream often breaks a moment before the process is reaped; wait briefly for the exit code.
            try
            {
                var exitCode = await worker.Exited.WaitAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
                Log.WorkerProcessExited(_logger, processId, workerId, exitCode);
                return;
            }
            catch (TimeoutException)
            {
                // Still running with its stream gone: report the stream, the process gets killed on dispose.
            }
        }
        Log.WorkerGone(_logger, workerId, gone.Message);
    }

    private static string RecentOutput(IWorkerHandle worker) =>
        worker.RecentOutput.Count == 0 ? "" : Environment.NewLine + "Worker output:" + Environment.NewLine + string.Join(Environment.NewLine, worker.RecentOutput);
}
