using OneClick.FunctionsHost.Rpc;

namespace OneClick.FunctionsHost.Worker;

/// <summary>An exception the worker reported (in a log, a load or an invocation), with its remote stack trace.</summary>
public sealed class WorkerException : Exception
{
    private readonly string? _remoteStackTrace;

    public WorkerException()
    {
    }

    public WorkerException(string message) : base(message)
    {
    }

    public WorkerException(string message, Exception innerException) : base(message, innerException)
    {
    }

    private WorkerException(string message, string? remoteStackTrace) : base(message) => _remoteStackTrace = remoteStackTrace;

    /// <summary>The exception's type as the worker named it.</summary>
    public string? RemoteType { get; private init; }

    public override string? StackTrace => _remoteStackTrace ?? base.StackTrace;

    internal static WorkerException? From(RpcException? exception) =>
        exception is null ? null : new WorkerException(exception.Message, exception.StackTrace) { RemoteType = exception.Type };
}
