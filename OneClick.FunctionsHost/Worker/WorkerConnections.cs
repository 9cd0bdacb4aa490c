using System.Collections.Concurrent;

namespace OneClick.FunctionsHost.Worker;

/// <summary>The channels waiting for their worker to connect, by worker id (the id the host gave the worker on its command line).</summary>
internal sealed class WorkerConnections
{
    private readonly ConcurrentDictionary<string, WorkerChannel> _channels = new(StringComparer.OrdinalIgnoreCase);

    public void Add(WorkerChannel channel) => _channels[channel.WorkerId] = channel;

    public void Remove(WorkerChannel channel) => _channels.TryRemove(new KeyValuePair<string, WorkerChannel>(channel.WorkerId, channel));

    public WorkerChannel? Find(string workerId) => _channels.GetValueOrDefault(workerId);
}
