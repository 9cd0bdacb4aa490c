using System.Text.Json;
using OneClick.FunctionsHost.Configuration;

namespace OneClick.FunctionsHost.Metadata;

/// <summary>A function's trigger binding, as written in its raw binding JSON.</summary>
internal sealed record TriggerBinding(string Name, string Type, JsonElement Raw)
{
    public const string Http = "httpTrigger";
    public const string Queue = "queueTrigger";
    public const string Timer = "timerTrigger";

    public bool Is(string type) => Type.Equals(type, StringComparison.OrdinalIgnoreCase);

    /// <summary>The http route; null means the function name.</summary>
    public string? Route => Raw.GetText("route");

    /// <summary>The allowed methods, upper case; empty means all.</summary>
    public IReadOnlyList<string> Methods => Raw.Get("methods") is { ValueKind: JsonValueKind.Array } methods
        ? methods.EnumerateArray().Select(m => (m.GetString() ?? "").ToUpperInvariant()).Where(m => m.Length > 0).ToList()
        : [];

    public string? QueueName => Raw.GetText("queueName");

    /// <summary>The name of the setting that holds the storage connection.</summary>
    public string Connection => Raw.GetText("connection") is { Length: > 0 } name ? name : "AzureWebJobsStorage";

    public string? Schedule => Raw.GetText("schedule");

    public bool RunOnStartup => Raw.Get("runOnStartup") is { } value &&
        (value.ValueKind == JsonValueKind.True || (value.ValueKind == JsonValueKind.String && bool.TryParse(value.GetString(), out var on) && on));

    /// <summary>"String", "Binary", "Stream" or null.</summary>
    public string? DataType => Raw.GetText("dataType");

    /// <summary>
    /// The worker asks for deferred binding (ModelBindingData) for parameter types such as QueueMessage;
    /// the SDK writes this into the binding's "properties".
    /// </summary>
    public bool SupportsDeferredBinding =>
        Raw.Get("properties")?.GetText("supportsDeferredBinding") is { } value && value.Equals("true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first input binding whose type ends in "Trigger".</summary>
    public static TriggerBinding? Find(IEnumerable<JsonElement> rawBindings)
    {
        foreach (var binding in rawBindings)
        {
            var type = binding.GetText("type") ?? "";
            var direction = binding.GetText("direction") ?? "in";
            if (type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) && direction.Equals("in", StringComparison.OrdinalIgnoreCase))
                return new TriggerBinding(binding.GetText("name") ?? "", type, binding);
        }
        return null;
    }
}
