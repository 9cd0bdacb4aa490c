namespace OneClick.FunctionsHost.Worker;

/// <summary>The worker exited or its gRPC stream closed; whatever was in flight on it failed.</summary>
public sealed class WorkerGoneException : Exception
{
    public WorkerGoneException()
    {
    }

    public WorkerGoneException(string message) : base(message)
    {
    }

    public WorkerGoneException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
