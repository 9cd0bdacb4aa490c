using System.Text.Encodings.Web;
using System.Text.Json;

namespace OneClick.MetaSandbox.Control;

/// <summary>JSON in and out of the control API (camelCase, like the request examples in the README).</summary>
internal static class ControlJson
{
    // ASP.NET's web conventions; its own instance so reading ignores the Content-Type (plain curl -d works).
    // Relaxed escaping keeps wamids readable ('+' instead of \u002B); this JSON is for people and tests, not browsers.
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken);
            return value is null ? (null, Error("A JSON body is required.")) : (value, null);
        }
        catch (JsonException exception)
        {
            return (null, Error($"The body is not valid JSON for this endpoint: {exception.Message}"));
        }
    }

    public static IResult Error(string message, int statusCode = StatusCodes.Status400BadRequest) =>
        Results.Json(new ControlError(message), Options, statusCode: statusCode);

    public static IResult NotRegistered(string phoneNumberId) =>
        Error($"Phone number '{phoneNumberId}' is not registered; POST /_sandbox/phone-numbers first.", StatusCodes.Status404NotFound);
}

internal sealed record ControlError(string Error);
