namespace OneClick.FunctionsHost.Worker;

/// <summary>A worker started by <see cref="LocalFunctionsHostOptions.StartWorker"/>: only its gRPC stream tells whether it lives.</summary>
internal sealed class CallbackWorkerHandle(IAsyncDisposable worker) : IWorkerHandle
{
    private readonly TaskCompletionSource<int> _never = new();

    public Task<int> Exited => _never.Task;

    public int? ProcessId => null;

    public IReadOnlyList<string> RecentOutput => [];

    public ValueTask DisposeAsync() => worker.DisposeAsync();
}
