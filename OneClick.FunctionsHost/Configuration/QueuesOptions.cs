namespace OneClick.FunctionsHost.Configuration;

/// <summary>host.json extensions.queues, with the host's defaults.</summary>
internal sealed record QueuesOptions
{
    /// <summary>The shortest wait between polls of an empty queue (the host's QueuePollingIntervals.Minimum).</summary>
    public static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    public int BatchSize { get; init; } = 16;

    /// <summary>Fetch a new batch once fewer than this many messages are still running. Host default: batchSize / 2 × processors.</summary>
    public int NewBatchThreshold { get; init; } = 16 / 2 * Environment.ProcessorCount;

    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a failed message stays invisible before its next try.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>True for base64 message bodies (the default), false for "none".</summary>
    public bool Base64Encoding { get; init; } = true;
}
