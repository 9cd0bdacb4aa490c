using System.Text.Json;
using OneClick.FunctionsHost.Rpc;

namespace OneClick.FunctionsHost.Invocations;

/// <summary>
/// Trigger data in the shapes the real host sends: strings as TypedData.String, everything else as JSON
/// (numbers as "5", dates as "\"2024-05-01T12:00:00+00:00\""), which is what the worker's converters read.
/// </summary>
internal static class TriggerValues
{
    public static TypedData String(string value) => new() { String = value };

    public static TypedData Json<T>(T value) => new() { Json = JsonSerializer.Serialize(value) };

    /// <summary>The "sys" binding data: the function name, the time and a random id.</summary>
    public static TypedData Sys(string functionName, DateTimeOffset utcNow) =>
        Json(new Dictionary<string, object> { ["MethodName"] = functionName, ["UtcNow"] = utcNow, ["RandGuid"] = Guid.NewGuid() });
}
