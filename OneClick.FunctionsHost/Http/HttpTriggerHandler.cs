using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using OneClick.FunctionsHost.Worker;
using Yarp.ReverseProxy.Forwarder;

namespace OneClick.FunctionsHost.Http;

/// <summary>
/// Serves one request: a safe path that matches a function's route becomes an InvocationRequest plus the same HTTP request
/// forwarded to the worker (its ASP.NET Core integration runs the function with it); anything else is a 404.
/// </summary>
internal sealed class HttpTriggerHandler : IDisposable
{
    private const string Reason = "This function was programmatically called via the host APIs.";

    private readonly HttpRouteTable _routes;
    private readonly WorkerSupervisor _supervisor;
    private readonly FunctionInvoker _invoker;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _httpClient;
    private readonly LocalFunctionsHostOptions _options;
    private readonly ILogger _logger;

    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        ActivityTimeout = TimeSpan.FromSeconds(240), // As the host.
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    public HttpTriggerHandler(HttpRouteTable routes, WorkerSupervisor supervisor, FunctionInvoker invoker, IHttpForwarder forwarder,
        LocalFunctionsHostOptions options, ILoggerFactory loggerFactory)
    {
        _routes = routes;
        _supervisor = supervisor;
        _invoker = invoker;
        _forwarder = forwarder;
        _options = options;
        _logger = loggerFactory.CreateLogger("OneClick.FunctionsHost.Http");
        var sockets = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        _httpClient = new HttpMessageInvoker(new RetryingHandler(sockets, _logger, options.TimeProvider));
    }

    public async Task HandleAsync(HttpContext context)
    {
        var (rawPath, rawQuery) = RawTarget(context);
        if (!RequestPathGuard.IsSafe(rawPath))
        {
            Log.UnsafePathRefused(_logger, rawPath);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (_routes.Match(rawPath, context.Request.Method, context) is not { } match)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        ReadyWorker worker;
        try
        {
            worker = await _supervisor.WaitForReadyAsync(_options.WorkerReadyWaitTimeout, context.RequestAborted).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await ProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "The worker is not running", "The function app's worker is restarting or failed to start; try again shortly.").ConfigureAwait(false);
            return;
        }
        if (worker.Find(match.FunctionName) is not { } function)
        {
            await ProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "The function is not loaded", $"The worker did not load function '{match.FunctionName}'.").ConfigureAwait(false);
            return;
        }
        if (worker.HttpUri is not { } httpUri)
        {
            await ProblemAsync(context, StatusCodes.Status500InternalServerError, "The worker does not proxy HTTP",
                "The worker did not advertise the HttpUri capability: the local host runs HTTP triggers through the ASP.NET Core integration (ConfigureFunctionsWebApplication).").ConfigureAwait(false);
            return;
        }

        var invocationId = Guid.NewGuid().ToString();
        var request = HttpInvocationRequest.Create(invocationId, match, context.Request, _options.TimeProvider.GetUtcNow());
        request.TraceContext = new Rpc.RpcTraceContext { TraceParent = Activity.Current?.Id ?? "" };
        // A caller that hangs up cancels the invocation (InvocationCancel), as the host does.
        var invocation = _invoker.InvokeAsync(worker, function, Reason, request, context.RequestAborted);
        var target = new Uri(httpUri.GetLeftPart(UriPartial.Authority) + rawPath + rawQuery);
        var transformer = new WorkerRequestTransformer(target, invocationId, invocation);

        var forwarded = await _forwarder.SendAsync(context, httpUri.AbsoluteUri, _httpClient, RequestConfig, transformer).ConfigureAwait(false);
        InvocationOutcome outcome;
        try
        {
            outcome = await invocation.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (transformer.FailedBeforeResponse is { } failed)
        {
            await ProblemAsync(context, StatusCodes.Status500InternalServerError, "The function failed", failed.Error).ConfigureAwait(false);
            return;
        }
        if (forwarded == ForwarderError.None)
            return;

        Log.ForwardingFailed(_logger, invocationId, forwarded.ToString(), context.Features.Get<IForwarderErrorFeature>()?.Exception);
        if (context.Response.HasStarted)
        {
            context.Abort(); // Half a response is worse than none: let the caller see the failure.
            return;
        }
        if (outcome.WorkerGone is { } gone)
            await ProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "The worker stopped", gone.Message).ConfigureAwait(false);
        else if (!outcome.Succeeded)
            await ProblemAsync(context, StatusCodes.Status500InternalServerError, "The function failed", outcome.Error).ConfigureAwait(false);
        else if (forwarded is not ForwarderError.RequestCanceled)
            await ProblemAsync(context, StatusCodes.Status502BadGateway, "The worker's answer was lost", $"Forwarding to the worker failed: {forwarded}.").ConfigureAwait(false);
    }

    public void Dispose() => _httpClient.Dispose();

    /// <summary>The path and query exactly as the client sent them (not decoded, not normalized).</summary>
    private static (string Path, string Query) RawTarget(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
            return (context.Request.Path.ToUriComponent(), context.Request.QueryString.ToUriComponent());
        var queryStart = raw.IndexOf('?', StringComparison.Ordinal);
        return queryStart < 0 ? (raw, "") : (raw[..queryStart], raw[queryStart..]);
    }

    private static Task ProblemAsync(HttpContext context, int status, string title, string? detail)
    {
        context.Response.Clear();
        return Results.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(context);
    }
}
