namespace OneClick.Functions.Http;

/// <summary>
/// A correlation id follows a request from the API through the queues to Meta and back. A caller may pass
/// its own in X-Correlation-Id; every response carries it.
/// </summary>
public static class Correlation
{
    public const string Header = "X-Correlation-Id";
    private const string ItemKey = "oneclick.correlation-id";

    public static string CorrelationId(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Items[ItemKey] is string id)
            return id;
        var given = http.Request.Headers[Header].ToString();
        id = given.Length is > 0 and <= 64 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? given : Guid.NewGuid().ToString("N");
        http.Items[ItemKey] = id;
        return id;
    }

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            http.Response.Headers[Header] = http.CorrelationId();
            return next(http);
        });
}
