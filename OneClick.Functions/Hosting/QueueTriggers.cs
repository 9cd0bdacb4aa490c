namespace OneClick.Functions.Hosting;

/// <summary>What the queue-triggered functions share.</summary>
public static class QueueTriggers
{
    /// <summary>The app setting that names the storage account of every queue trigger (identity-based in Azure).</summary>
    public const string Connection = "AzureWebJobsStorage";

    /// <summary>
    /// The worker has deserialized the message; one that is not a complete command of the current version fails the
    /// invocation, so the host retries it and, after maxDequeueCount tries, moves it to the poison queue.
    /// </summary>
    public static void Require<T>(T? command, Func<T, bool> isComplete) where T : class
    {
        ArgumentNullException.ThrowIfNull(isComplete);
        if (command is null || !isComplete(command))
            throw new InvalidOperationException($"The queue message is not a complete {typeof(T).Name}.");
    }
}
