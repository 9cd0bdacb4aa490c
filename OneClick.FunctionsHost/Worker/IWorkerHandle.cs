namespace OneClick.FunctionsHost.Worker;

/// <summary>A started worker, however it was started.</summary>
internal interface IWorkerHandle : IAsyncDisposable
{
    /// <summary>Completes when the worker process exits, with its exit code; never, for a worker that is no process.</summary>
    Task<int> Exited { get; }

    /// <summary>The process id, if the worker is a process.</summary>
    int? ProcessId { get; }

    /// <summary>The worker's last lines of console output, for error messages.</summary>
    IReadOnlyList<string> RecentOutput { get; }
}
