using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;

namespace OneClick.Functions.Hosting;

/// <summary>The host.json settings the standalone host honours, read from the same file the Functions host reads.</summary>
public sealed record HostSettings(
    string RoutePrefix,
    int BatchSize,
    int NewBatchThreshold,
    TimeSpan MaxPollingInterval,
    TimeSpan VisibilityTimeout,
    int MaxDequeueCount,
    QueueMessageEncoding MessageEncoding)
{
    public static HostSettings Load(string scriptRoot)
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(scriptRoot, "host.json")))!;
        var queues = host["extensions"]?["queues"];
        var http = host["extensions"]?["http"];
        return new HostSettings(
            RoutePrefix: http?["routePrefix"]?.GetValue<string>() ?? "api",
            // Defaults are the Functions host's own.
            BatchSize: queues?["batchSize"]?.GetValue<int>() ?? 16,
            NewBatchThreshold: queues?["newBatchThreshold"]?.GetValue<int>() ?? 8,
            MaxPollingInterval: Duration(queues?["maxPollingInterval"], TimeSpan.FromMinutes(1)),
            VisibilityTimeout: Duration(queues?["visibilityTimeout"], TimeSpan.Zero),
            MaxDequeueCount: queues?["maxDequeueCount"]?.GetValue<int>() ?? 5,
            MessageEncoding: (queues?["messageEncoding"]?.GetValue<string>() ?? "base64") switch
            {
                "none" => QueueMessageEncoding.None,
                "base64" => QueueMessageEncoding.Base64,
                var other => throw new JsonException($"host.json: unknown queues.messageEncoding '{other}'"),
            });
    }

    private static TimeSpan Duration(JsonNode? node, TimeSpan fallback) =>
        node is null ? fallback : TimeSpan.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture);
}
