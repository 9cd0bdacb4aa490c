using System.Globalization;
using System.Text.Json;

namespace OneClick.Functions.Http;

/// <summary>
/// Reads an HTTP function's body and query the way minimal APIs bind them: JSON with the web defaults, and any
/// bad input thrown as <see cref="BadHttpRequestException"/>, which <see cref="HttpFunctionMiddleware"/> answers
/// as a 4xx problem.
/// </summary>
public static class RequestReading
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The JSON body as <typeparamref name="T"/>; a missing body is a 400.</summary>
    public static async Task<T> ReadBodyAsync<T>(this HttpRequest request, CancellationToken cancellationToken) =>
        await request.ReadOptionalBodyAsync<T>(cancellationToken).ConfigureAwait(false)
        ?? throw new BadHttpRequestException($"A JSON body ({typeof(T).Name}) is required.");

    /// <summary>The JSON body as <typeparamref name="T"/>, or null when the request has none.</summary>
    public static async Task<T?> ReadOptionalBodyAsync<T>(this HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength == 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0))
            return default;
        if (!request.HasJsonContentType())
            throw new BadHttpRequestException($"Expected a JSON body, got content type '{request.ContentType}'.", StatusCodes.Status415UnsupportedMediaType);
        try
        {
            return await request.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException($"Failed to read the body as {typeof(T).Name}.", e);
        }
    }

    /// <summary>An optional integer query parameter; text that is not one is a 400.</summary>
    public static int? QueryInt(this HttpRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        var value = request.Query[name].ToString();
        if (value.Length == 0)
            return null;
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new BadHttpRequestException($"Failed to bind parameter \"int? {name}\" from \"{value}\".");
    }

    /// <summary>An optional boolean query parameter; text that is not one is a 400.</summary>
    public static bool? QueryBool(this HttpRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        var value = request.Query[name].ToString();
        if (value.Length == 0)
            return null;
        return bool.TryParse(value, out var flag)
            ? flag
            : throw new BadHttpRequestException($"Failed to bind parameter \"bool? {name}\" from \"{value}\".");
    }

    /// <summary>An optional query parameter: null when absent, "" when given empty (which a caller may refuse).</summary>
    public static string? QueryText(this HttpRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Query.TryGetValue(name, out var value) ? value.ToString() : null;
    }
}
