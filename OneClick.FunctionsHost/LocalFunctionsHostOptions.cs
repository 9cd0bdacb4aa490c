namespace OneClick.FunctionsHost;

/// <summary>How to run a <see cref="LocalFunctionsHost"/>.</summary>
public sealed class LocalFunctionsHostOptions
{
    /// <summary>The function app's build output: functions.metadata, worker.config.json, host.json.</summary>
    public required string ScriptRoot { get; set; }

    /// <summary>The address the HTTP triggers listen on.</summary>
    public string HttpHost { get; set; } = "127.0.0.1";

    /// <summary>The HTTP port; 0 picks a free one (read <see cref="LocalFunctionsHost.BaseAddress"/>).</summary>
    public int HttpPort { get; set; } = 7071;

    /// <summary>
    /// App settings. They win over environment variables, which win over local.settings.json;
    /// the merged settings become the worker's environment and resolve %Setting% placeholders.
    /// </summary>
    public IDictionary<string, string?> Settings { get; set; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>local.settings.json to read; null reads the one in <see cref="ScriptRoot"/> if there is one.</summary>
    public string? LocalSettingsPath { get; set; }

    /// <summary>
    /// Starts the worker in the caller's own way (e.g. in the test process) instead of as a process.
    /// The returned object stops that worker when disposed.
    /// </summary>
    public Func<WorkerStartContext, CancellationToken, Task<IAsyncDisposable>>? StartWorker { get; set; }

    /// <summary>How long a worker may take from start to functions loaded.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The first wait before restarting a worker that died; it doubles on each quick death.</summary>
    public TimeSpan RestartDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between restarts.</summary>
    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an HTTP request waits for a (re)starting worker before it gets a 503.</summary>
    public TimeSpan WorkerReadyWaitTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>On shutdown, how long in-flight invocations may finish, and how long the worker may take to exit.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Added to the queue triggers' storage clients, e.g. to count their requests in a benchmark; null adds nothing.</summary>
    public Azure.Core.Pipeline.HttpPipelinePolicy? QueuePolicy { get; set; }

    /// <summary>The clock for schedules, polling and back-offs.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
