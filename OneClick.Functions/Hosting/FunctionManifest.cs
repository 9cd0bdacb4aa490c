using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneClick.Functions.Hosting;

/// <summary>One binding in a function.json, with the fields OneClick uses.</summary>
public sealed record FunctionBinding(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("direction")] string Direction,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("route")] string? Route = null,
    [property: JsonPropertyName("methods")] string[]? Methods = null,
    [property: JsonPropertyName("authLevel")] string? AuthLevel = null,
    [property: JsonPropertyName("queueName")] string? QueueName = null,
    [property: JsonPropertyName("connection")] string? Connection = null,
    [property: JsonPropertyName("schedule")] string? Schedule = null,
    [property: JsonPropertyName("runOnStartup")] bool RunOnStartup = false);

/// <summary>A function as the Functions host sees it: its folder name and its bindings.</summary>
public sealed record FunctionDefinition(string Name, IReadOnlyList<FunctionBinding> Bindings)
{
    public FunctionBinding Trigger => Bindings.Single(b => b.Direction == "in" && b.Type.EndsWith("Trigger", StringComparison.Ordinal));
    public bool IsHttp => Trigger.Type == "httpTrigger";
    public bool IsTimer => Trigger.Type == "timerTrigger";
    public bool IsQueue => Trigger.Type == "queueTrigger";
}

/// <summary>Reads the function.json files that sit next to the executable, exactly as the Functions host does.</summary>
public static class FunctionManifest
{
    private sealed record FunctionJson([property: JsonPropertyName("bindings")] List<FunctionBinding> Bindings);

    public static IReadOnlyList<FunctionDefinition> Load(string scriptRoot) =>
        Directory.GetDirectories(scriptRoot)
            .Where(dir => File.Exists(Path.Combine(dir, "function.json")))
            .Select(dir => new FunctionDefinition(
                Path.GetFileName(dir),
                JsonSerializer.Deserialize<FunctionJson>(File.ReadAllText(Path.Combine(dir, "function.json")))!.Bindings))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
}
