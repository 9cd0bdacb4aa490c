using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using OneClick.Functions.Auth;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Http;

/// <summary>
/// What every HTTP function shares, in the worker's own middleware pipeline: the correlation id, the API key
/// checked against the function's [Authorize] or [AllowAnonymous] attribute (a function with neither is refused,
/// so a new one cannot be public by accident), the rate limits (per address before the key is checked, per tenant after),
/// and bad input or a crash answered as RFC 7807 problem details. Queue and timer functions pass straight through.
/// </summary>
internal sealed partial class HttpFunctionMiddleware(
    IAuthorizationService authorization, IAuthorizationPolicyProvider policies, RequestRateLimits limits,
    IdempotentRequests idempotent, ILogger<HttpFunctionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <summary>RFC 6585's definition of 429, as the framework's problems link their status codes' definitions.</summary>

    /// <summary>Meta's webhook deliveries and verify calls: anonymous, so limited by address alone and more tightly.</summary>
    private const string WebhookPath = "/api/webhooks";

    /// <summary>Load balancers and uptime probes call it often; it reads nothing a caller chooses.</summary>
    private const string HealthFunction = "Health";

    private static readonly ConcurrentDictionary<string, AccessRule> Rules = new();

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }

        http.Response.Headers[Correlation.Header] = http.CorrelationId();
        try
        {
            var rule = Rules.GetOrAdd(context.FunctionDefinition.EntryPoint, AccessRule.For);
            if (await RefuseAsync(http, context.FunctionDefinition.Name, rule) is { } refusal)
            {
                context.GetInvocationResult().Value = refusal;
                return;
            }
            if (rule.Idempotent && http.User.TenantId() is { } tenantId)
                await idempotent.InvokeAsync(context, http, tenantId, next);
            else
                await next(context);
        }
        catch (BadHttpRequestException bad)
        {
            context.GetInvocationResult().Value = Problem.BadRequest(bad);
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            LogFailed(logger, e, context.FunctionDefinition.Name);
            context.GetInvocationResult().Value = Problem.Status(StatusCodes.Status500InternalServerError, "Something went wrong on our side.", $"Quote correlation id {http.CorrelationId()} when you report it.");
        }
    }

    private async Task<IResult?> RefuseAsync(HttpContext http, string function, AccessRule rule)
    {
        if (function != HealthFunction
            && limits.TryAcquireForAddress(http, http.Request.Path.StartsWithSegments(WebhookPath, StringComparison.OrdinalIgnoreCase)) is { } addressWait)
        {
            LogAddressLimited(logger, function);
            return TooManyRequests(http, addressWait, "Too many requests from this address.");
        }
        if (rule.Anonymous)
            return null;
        if (!rule.Declared)
            return TypedResults.NotFound();
        var authentication = await http.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
        if (!authentication.Succeeded)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Problem.Status(StatusCodes.Status401Unauthorized, "Authentication required",
                "Send 'Authorization: Bearer <API key>' with a valid key.");
        }
        http.User = authentication.Principal;
        if (http.User.TenantId() is { } tenantId && limits.TryAcquireForTenant(tenantId) is { } tenantWait)
        {
            LogTenantLimited(logger, tenantId, function);
            return TooManyRequests(http, tenantWait, "This tenant has made too many requests.");
        }
        if (rule.Policy is null)
            return null;
        var policy = await policies.GetPolicyAsync(rule.Policy) ?? throw new InvalidOperationException($"No authorization policy '{rule.Policy}'.");
        return (await authorization.AuthorizeAsync(http.User, policy)).Succeeded
            ? null
            : Problem.Status(StatusCodes.Status403Forbidden, "Forbidden", "This key cannot use this endpoint.");
    }

    private static IResult TooManyRequests(HttpContext http, TimeSpan wait, string title)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem.Status(StatusCodes.Status429TooManyRequests, title, $"Try again in {seconds} s (Retry-After).");
    }

    /// <summary>Who may call a function, read once from the attributes on its method and class.</summary>
    private sealed record AccessRule(bool Anonymous, bool Declared, string? Policy, bool Idempotent = false)
    {
        public static AccessRule For(string entryPoint)
        {
            var split = entryPoint.LastIndexOf('.');
            var type = typeof(HttpFunctionMiddleware).Assembly.GetType(entryPoint[..split], throwOnError: true)!;
            var method = type.GetMethod(entryPoint[(split + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                ?? throw new InvalidOperationException($"No method for function entry point {entryPoint}.");
            if ((method.GetCustomAttribute<AllowAnonymousAttribute>() ?? type.GetCustomAttribute<AllowAnonymousAttribute>()) is not null)
                return new AccessRule(Anonymous: true, Declared: true, Policy: null);
            var authorize = method.GetCustomAttribute<AuthorizeAttribute>() ?? type.GetCustomAttribute<AuthorizeAttribute>();
            return new AccessRule(Anonymous: false, Declared: authorize is not null, authorize?.Policy,
                Idempotent: method.GetCustomAttribute<IdempotentAttribute>() is not null);
        }
    }

    // Debug: an address over its limit is usually a flood, and one line per refused call would flood the log too.
    [LoggerMessage(LogLevel.Debug, "Rate limit: a call of {Function} from one address was refused")]
    private static partial void LogAddressLimited(ILogger logger, string function);

    [LoggerMessage(LogLevel.Warning, "Rate limit: a call of {Function} by tenant {TenantId} was refused")]
    private static partial void LogTenantLimited(ILogger logger, string tenantId, string function);

    [LoggerMessage(LogLevel.Error, "Function {Function} failed")]
    private static partial void LogFailed(ILogger logger, Exception e, string function);
}
