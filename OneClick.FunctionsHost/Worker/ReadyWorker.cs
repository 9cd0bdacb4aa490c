using OneClick.FunctionsHost.Metadata;

namespace OneClick.FunctionsHost.Worker;

/// <summary>A worker that has loaded its functions and takes invocations.</summary>
internal sealed class ReadyWorker(WorkerChannel channel, IReadOnlyList<FunctionDefinition> functions, IReadOnlyDictionary<string, string> capabilities)
{
    private readonly Dictionary<string, FunctionDefinition> _byName = functions.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    public WorkerChannel Channel { get; } = channel;

    public IReadOnlyList<FunctionDefinition> Functions { get; } = functions;

    public IReadOnlyDictionary<string, string> Capabilities { get; } = capabilities;

    /// <summary>Where the worker's ASP.NET Core integration listens (its "HttpUri" capability); null without that integration.</summary>
    public Uri? HttpUri { get; } = capabilities.TryGetValue("HttpUri", out var uri) && !string.IsNullOrEmpty(uri) ? new Uri(uri) : null;

    /// <summary>Function ids belong to one worker instance (the worker may draw new ones when it restarts), so look functions up by name.</summary>
    public FunctionDefinition? Find(string name) => _byName.GetValueOrDefault(name);
}
