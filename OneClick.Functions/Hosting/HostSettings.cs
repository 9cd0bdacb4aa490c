using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;

namespace OneClick.Functions.Hosting;

/// <summary>
/// The host.json queue settings the app itself must agree with: the encoding the host expects of the messages the
/// app puts on its queues, and the try count after which the host poisons a message.
/// </summary>
public sealed record HostSettings(int MaxDequeueCount, QueueMessageEncoding MessageEncoding)
{
    /// <summary>The folder the host runs the app from (host.json, functions.metadata); the build output otherwise.</summary>
    public static string ScriptRoot =>
        Environment.GetEnvironmentVariable("FUNCTIONS_APPLICATION_DIRECTORY") is { Length: > 0 } root ? root : AppContext.BaseDirectory;

    public static HostSettings Load(string scriptRoot)
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(scriptRoot, "host.json")))!;
        var queues = host["extensions"]?["queues"];
        return new HostSettings(
            // Defaults are the Functions host's own.
            MaxDequeueCount: queues?["maxDequeueCount"]?.GetValue<int>() ?? 5,
            MessageEncoding: (queues?["messageEncoding"]?.GetValue<string>() ?? "base64") switch
            {
                "none" => QueueMessageEncoding.None,
                "base64" => QueueMessageEncoding.Base64,
                var other => throw new JsonException($"host.json: unknown queues.messageEncoding '{other}'"),
            });
    }
}
