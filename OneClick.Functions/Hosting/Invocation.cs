using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneClick.Functions.Hosting;

/// <summary>What the Functions host POSTs to /{FunctionName} for a non-HTTP trigger.</summary>
public sealed record InvocationRequest(Dictionary<string, JsonElement>? Data, Dictionary<string, JsonElement>? Metadata)
{
    /// <summary>
    /// The trigger's payload for <paramref name="bindingName"/>. The host passes a queue message's text as a
    /// JSON string (a JSON message arrives as a string holding JSON); read it either way.
    /// </summary>
    public T Payload<T>(string bindingName, JsonSerializerOptions options, Func<T, bool> isComplete)
    {
        if (Data is null || !Data.TryGetValue(bindingName, out var element))
            throw new InvalidInvocationException($"The invocation carries no data for binding '{bindingName}'.");
        try
        {
            while (element.ValueKind == JsonValueKind.String)
                element = JsonDocument.Parse(element.GetString()!).RootElement;
            return element.Deserialize<T>(options) is { } payload && isComplete(payload)
                ? payload
                : throw new InvalidInvocationException($"The data for binding '{bindingName}' is not a complete {typeof(T).Name}.");
        }
        catch (JsonException e)
        {
            throw new InvalidInvocationException($"The data for binding '{bindingName}' is not a valid message: {e.Message}");
        }
    }

    public int DequeueCount =>
        Metadata is not null && Metadata.TryGetValue("DequeueCount", out var count) && count.TryGetInt32(out var value) ? value : 1;
}

/// <summary>What the host reads back. A non-2xx status fails the invocation (and so retries the message).</summary>
public sealed record InvocationResponse(
    [property: JsonPropertyName("Outputs")] Dictionary<string, object?> Outputs,
    [property: JsonPropertyName("Logs")] List<string> Logs,
    [property: JsonPropertyName("ReturnValue")] object? ReturnValue)
{
    public static InvocationResponse Ok(params string[] logs) => new([], [.. logs], null);
}

/// <summary>The invocation itself is malformed: retrying it cannot help.</summary>
public sealed class InvalidInvocationException(string message) : Exception(message);

