using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OneClick.FunctionsHost.Configuration;
using OneClick.FunctionsHost.Http;
using OneClick.FunctionsHost.Metadata;
using OneClick.FunctionsHost.Queues;
using OneClick.FunctionsHost.Timers;
using OneClick.FunctionsHost.Worker;

namespace OneClick.FunctionsHost;

/// <summary>
/// A local Azure Functions host for the .NET isolated worker: it starts the real worker, speaks the host's side of the
/// gRPC protocol with it, and drives its HTTP, queue and timer triggers. What Azurite is to Storage, this is to the host.
/// </summary>
public sealed class LocalFunctionsHost : IAsyncDisposable
{
    private readonly LocalFunctionsHostOptions _options;
    private readonly string _scriptRoot;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopWorkers = new();
    private readonly CancellationTokenSource _stopListeners = new();
    private readonly List<Task> _listenerTasks = [];
    private readonly List<QueueListener> _queueListeners = [];
    private GrpcServer? _grpc;
    private WorkerSupervisor? _supervisor;
    private Task? _supervising;
    private HttpFrontEnd? _http;
    private List<LocalFunction> _functions = [];
    private int _state; // 0: new, 1: started, 2: stopped.

    public LocalFunctionsHost(LocalFunctionsHostOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _scriptRoot = Path.GetFullPath(options.ScriptRoot);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("OneClick.FunctionsHost");
    }

    /// <summary>Where the HTTP triggers answer, e.g. http://127.0.0.1:7071/ (known once started).</summary>
    public Uri BaseAddress => _http?.BaseAddress ?? throw new InvalidOperationException("The host has not started.");

    /// <summary>The functions the worker loaded at start.</summary>
    public IReadOnlyList<LocalFunction> Functions => _functions;

    /// <summary>How many times a worker has loaded its functions (1 after start, more after restarts).</summary>
    public int WorkerStarts => _supervisor?.ReadyCount ?? 0;

    /// <summary>
    /// The process id of the worker taking invocations now; null while none is ready, or when the worker is not a
    /// process (<see cref="LocalFunctionsHostOptions.StartWorker"/>). Lets a test kill it as a crash would.
    /// </summary>
    public int? WorkerProcessId => _supervisor?.ReadyProcessId;

    /// <summary>
    /// Starts the worker and returns once it has loaded its functions and HTTP is listening. Throws if the worker exits or
    /// does not load its functions within <see cref="LocalFunctionsHostOptions.StartupTimeout"/> (with its last output).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            throw new InvalidOperationException("The host can be started once.");
        if (!Directory.Exists(_scriptRoot))
            throw new DirectoryNotFoundException($"The script root {_scriptRoot} does not exist.");
        try
        {
            var settings = AppSettings.Load(_options.LocalSettingsPath ?? Path.Combine(_scriptRoot, "local.settings.json"), _options.Settings);
            var hostJson = HostJson.Load(_scriptRoot, settings);
            var connections = new WorkerConnections();
            _grpc = await GrpcServer.StartAsync(connections, _loggerFactory, cancellationToken).ConfigureAwait(false);

            var launcher = new WorkerLauncher(_options, _scriptRoot, settings, _grpc.Address, _loggerFactory);
            var initializer = new WorkerInitializer(_scriptRoot, hostJson, _loggerFactory.CreateLogger("OneClick.FunctionsHost.Worker"));
            _supervisor = new WorkerSupervisor(_options, launcher, initializer, connections, _loggerFactory);
            _supervising = Task.Run(() => _supervisor.RunAsync(_stopWorkers.Token), CancellationToken.None);
            var worker = await _supervisor.FirstStart.WaitAsync(cancellationToken).ConfigureAwait(false);

            var invoker = new FunctionInvoker(_loggerFactory, _options.TimeProvider);
            _http = await HttpFrontEnd.StartAsync(_options, settings, hostJson, worker.Functions, _supervisor, invoker, _loggerFactory, cancellationToken).ConfigureAwait(false);
            _functions = StartTriggers(worker.Functions, settings, hostJson, invoker);
            await WaitForQueueListenersAsync(cancellationToken).ConfigureAwait(false);
            Log.HostReady(_logger, BaseAddress, _functions.Count);
        }
        catch
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until a worker is ready (e.g. after a restart).</summary>
    public async Task WaitForWorkerAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var supervisor = _supervisor ?? throw new InvalidOperationException("The host has not started.");
        await supervisor.WaitForReadyAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops polling and timers and taking HTTP requests, gives in-flight invocations <see cref="LocalFunctionsHostOptions.ShutdownTimeout"/>
    /// to finish, then sends the worker WorkerTerminate and kills it if it has not exited within the same timeout.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
            return;
        Log.Stopping(_logger);
        await _stopListeners.CancelAsync().ConfigureAwait(false);

        var draining = new List<Task>(_queueListeners.Select(q => q.DrainAsync(_options.ShutdownTimeout)));
        if (_http is not null)
            draining.Add(_http.DisposeAsync().AsTask());
        draining.Add(Task.WhenAll(_listenerTasks).WaitAsync(_options.ShutdownTimeout, _options.TimeProvider, cancellationToken));
        await IgnoreFailures(Task.WhenAll(draining)).WaitAsync(cancellationToken).ConfigureAwait(false);

        await _stopWorkers.CancelAsync().ConfigureAwait(false);
        if (_supervising is not null)
            await IgnoreFailures(_supervising).ConfigureAwait(false);
        if (_grpc is not null)
            await _grpc.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopWorkers.Dispose();
        _stopListeners.Dispose();
    }

    private List<LocalFunction> StartTriggers(IReadOnlyList<FunctionDefinition> functions, AppSettings settings, HostJson hostJson, FunctionInvoker invoker)
    {
        var described = new List<LocalFunction>();
        foreach (var function in functions)
        {
            WarnAboutOutputBindings(function);
            var trigger = function.Trigger;
            if (trigger is null)
            {
                Log.UnsupportedTrigger(_logger, function.Name, "(none)");
                continue;
            }
            if (trigger.Is(TriggerBinding.Http))
            {
                var template = _http!.Routes.Routes.First(r => r.FunctionName == function.Name).Template;
                described.Add(new LocalFunction(function.Name, trigger.Type, new Uri(BaseAddress, template).ToString().Replace("%7B", "{", StringComparison.Ordinal).Replace("%7D", "}", StringComparison.Ordinal), trigger.Methods, null, null));
            }
            else if (trigger.Is(TriggerBinding.Queue))
            {
                var queueName = settings.Resolve(trigger.QueueName ?? throw new InvalidOperationException($"Function '{function.Name}' has no queueName.")).ToLowerInvariant();
                var service = StorageConnection.CreateClient(settings, trigger.Connection, function.Name, _options.QueuePolicy);
                var listener = new QueueListener(function, service, queueName, hostJson.Queues, _supervisor!, invoker, _options.TimeProvider, _loggerFactory.CreateLogger("OneClick.FunctionsHost.Queues"));
                _queueListeners.Add(listener);
                _listenerTasks.Add(RunListenerAsync(function.Name, listener.RunAsync));
                described.Add(new LocalFunction(function.Name, trigger.Type, null, [], queueName, null));
            }
            else if (trigger.Is(TriggerBinding.Timer))
            {
                var schedule = TimerSchedule.Parse(settings.Resolve(trigger.Schedule ?? throw new InvalidOperationException($"Function '{function.Name}' has no schedule.")));
                var listener = new TimerListener(function, schedule, _supervisor!, invoker, _options.TimeProvider, _loggerFactory.CreateLogger("OneClick.FunctionsHost.Timers"));
                _listenerTasks.Add(RunListenerAsync(function.Name, listener.RunAsync));
                described.Add(new LocalFunction(function.Name, trigger.Type, null, [], null, schedule.Text));
            }
            else
            {
                Log.UnsupportedTrigger(_logger, function.Name, trigger.Type);
                described.Add(new LocalFunction(function.Name, trigger.Type, null, [], null, null));
            }
        }
        return described;
    }

    /// <summary>So that a message sent right after start finds its queue; storage that is down only delays this (the listeners retry).</summary>
    private async Task WaitForQueueListenersAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_queueListeners.Select(q => q.Listening)).WaitAsync(_options.StartupTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.QueuesNotReady(_logger, _options.StartupTimeout);
        }
    }

    /// <summary>Runs a listener until the host stops; if it fails (e.g. storage unreachable) it starts again a little later.</summary>
    private async Task RunListenerAsync(string functionName, Func<CancellationToken, Task> run)
    {
        var stopping = _stopListeners.Token;
        await Task.Yield();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await run(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                Log.ListenerFailed(_logger, functionName, exception);
                await IgnoreFailures(Task.Delay(TimeSpan.FromSeconds(5), _options.TimeProvider, stopping)).ConfigureAwait(false);
            }
        }
    }

    private void WarnAboutOutputBindings(FunctionDefinition function)
    {
        foreach (var binding in function.RawBindings)
        {
            var type = binding.GetText("type") ?? "";
            if ((binding.GetText("direction") ?? "").Equals("out", StringComparison.OrdinalIgnoreCase) && !type.Equals("http", StringComparison.OrdinalIgnoreCase))
                Log.OutputBindingIgnored(_logger, function.Name, type);
        }
    }

    private static async Task IgnoreFailures(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException or InvalidOperationException or AggregateException or IOException)
        {
            // Shutting down: what failed here has been logged where it failed.
        }
    }
}
