using System.Collections;
using System.Diagnostics;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;

namespace OneClick.Functions.Observability;

/// <summary>
/// For every /api request: the correlation id and the tenant as a logging scope and as tags on ASP.NET Core's
/// request activity, so the API end of a message's journey carries the same dimensions as the queue end.
/// Added first in the pipeline by a startup filter. Invocations from the host (/{FunctionName}) are left
/// alone: their own scope carries the ids of the message they work on.
/// </summary>
internal sealed class RequestTelemetry(ILoggerFactory loggers) : IStartupFilter
{
    private readonly ILogger _logger = loggers.CreateLogger<RequestTelemetry>();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (http, nextMiddleware) =>
        {
            if (!http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            {
                await nextMiddleware(http);
                return;
            }
            var request = Activity.Current; // ASP.NET Core's activity for this request
            request?.SetTag(OneClickTelemetry.CorrelationId, http.CorrelationId());
            try
            {
                using (_logger.BeginScope(new RequestScope(http)))
                    await nextMiddleware(http);
            }
            finally
            {
                if (TenantOf(http) is { } tenant)
                    request?.SetTag(OneClickTelemetry.TenantId, tenant);
            }
        });
        next(app);
    };

    /// <summary>The authenticated tenant, or the tenant a route names (Meta's webhooks are not authenticated by key).</summary>
    private static string? TenantOf(HttpContext http) => http.User.TenantId() ?? http.GetRouteValue("tenantId") as string;

    /// <summary>Read each time a log is written: the tenant is known only once authentication and routing have run.</summary>
    private sealed class RequestScope(HttpContext http) : IEnumerable<KeyValuePair<string, object?>>
    {
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return new(OneClickTelemetry.CorrelationId, http.CorrelationId());
            if (TenantOf(http) is { } tenant)
                yield return new(OneClickTelemetry.TenantId, tenant);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => string.Join(", ", this.Select(p => $"{p.Key}={p.Value}"));
    }
}
