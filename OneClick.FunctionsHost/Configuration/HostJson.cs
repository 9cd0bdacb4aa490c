using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneClick.FunctionsHost.Configuration;

/// <summary>The parts of host.json the local host honours.</summary>
internal sealed record HostJson
{
    public string RoutePrefix { get; init; } = "api";

    public QueuesOptions Queues { get; init; } = new();

    /// <summary>host.json "functions": when present, only these functions are loaded.</summary>
    public IReadOnlyList<string>? FunctionAllowList { get; init; }

    /// <summary>
    /// The app settings that override host.json, as in Azure: <c>AzureFunctionsJobHost__extensions__queues__batchSize</c>
    /// sets <c>extensions.queues.batchSize</c> (https://learn.microsoft.com/azure/azure-functions/functions-host-json#override-hostjson-values).
    /// </summary>
    public const string OverridePrefix = "AzureFunctionsJobHost__";

    public static HostJson Load(string scriptRoot, AppSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var path = Path.Combine(scriptRoot, "host.json");
        var root = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path), documentOptions: JsonFile.Lenient)!.AsObject() : [];
        foreach (var (name, value) in settings.StartingWith(OverridePrefix))
            Override(root, name.Split("__"), value);
        return Parse(JsonFile.Parse(root.ToJsonString()));
    }

    private static void Override(JsonObject root, string[] path, string value)
    {
        var node = root;
        foreach (var segment in path[..^1])
        {
            var existing = node.FirstOrDefault(p => string.Equals(p.Key, segment, StringComparison.OrdinalIgnoreCase));
            if (existing.Value is JsonObject child)
                node = child;
            else
            {
                if (existing.Key is not null)
                    node.Remove(existing.Key);
                node[segment] = child = [];
                node = child;
            }
        }
        var leaf = node.FirstOrDefault(p => string.Equals(p.Key, path[^1], StringComparison.OrdinalIgnoreCase)).Key ?? path[^1];
        node[leaf] = value;
    }

    public static HostJson Parse(JsonElement root)
    {
        var extensions = root.Get("extensions");
        var routePrefix = extensions?.Get("http")?.GetText("routePrefix");
        var allowList = root.Get("functions") is { ValueKind: JsonValueKind.Array } functions
            ? functions.EnumerateArray().Select(f => f.GetString() ?? "").ToList()
            : null;
        return new HostJson
        {
            RoutePrefix = (routePrefix ?? "api").Trim('/'),
            Queues = ParseQueues(extensions?.Get("queues")),
            FunctionAllowList = allowList,
        };
    }

    private static QueuesOptions ParseQueues(JsonElement? queues)
    {
        var defaults = new QueuesOptions();
        if (queues is not { } q)
            return defaults;
        var batchSize = Int(q, "batchSize") ?? defaults.BatchSize;
        if (batchSize is < 1 or > 32)
            throw new InvalidOperationException($"host.json extensions.queues.batchSize must be 1 to 32, not {batchSize}.");
        var encoding = q.GetText("messageEncoding") ?? "base64";
        if (!encoding.Equals("base64", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("none", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"host.json extensions.queues.messageEncoding must be 'base64' or 'none', not '{encoding}'.");
        return new QueuesOptions
        {
            BatchSize = batchSize,
            NewBatchThreshold = Int(q, "newBatchThreshold") ?? batchSize / 2 * Environment.ProcessorCount,
            MaxPollingInterval = Max(Time(q, "maxPollingInterval") ?? defaults.MaxPollingInterval, QueuesOptions.MinPollingInterval),
            VisibilityTimeout = Time(q, "visibilityTimeout") ?? defaults.VisibilityTimeout,
            MaxDequeueCount = Math.Max(1, Int(q, "maxDequeueCount") ?? defaults.MaxDequeueCount),
            Base64Encoding = encoding.Equals("base64", StringComparison.OrdinalIgnoreCase),
        };
    }

    private static int? Int(JsonElement element, string name) =>
        element.GetText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    private static TimeSpan? Time(JsonElement element, string name) =>
        element.GetText(name) is { } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : null;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
