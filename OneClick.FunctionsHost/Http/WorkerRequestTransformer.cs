using Microsoft.AspNetCore.Http;
using OneClick.FunctionsHost.Worker;
using Yarp.ReverseProxy.Forwarder;

namespace OneClick.FunctionsHost.Http;

/// <summary>
/// Shapes the forwarded request as the host does: YARP's default transforms (headers, method and body pass through,
/// X-Forwarded-For/Host/Proto are set, so the worker's forwarded-headers middleware sees the caller's host and scheme),
/// then the path exactly as matched (raw) plus the query, sent to the worker's HttpUri with x-ms-invocation-id.
/// </summary>
internal sealed class WorkerRequestTransformer(Uri target, string invocationId, Task<InvocationOutcome> invocation) : HttpTransformer
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    /// <summary>How long an empty response waits for its invocation's outcome before it is passed on as it is.</summary>
    private static readonly TimeSpan OutcomeWait = TimeSpan.FromSeconds(10);

    /// <summary>The worker answered, but the invocation had failed before the function wrote anything.</summary>
    public InvocationOutcome? FailedBeforeResponse { get; private set; }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await Default.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.RequestUri = target;
        proxyRequest.Headers.Remove(InvocationIdHeader);
        proxyRequest.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        // When a function throws before writing, the worker still answers (an empty 200). Only for an empty response is it
        // safe to wait for the invocation's outcome first: holding back a body could stall a function that is still writing it.
        if (proxyResponse?.Content.Headers.ContentLength == 0)
        {
            try
            {
                var outcome = await invocation.WaitAsync(OutcomeWait, cancellationToken).ConfigureAwait(false);
                if (!outcome.Succeeded)
                {
                    FailedBeforeResponse = outcome;
                    return false;
                }
            }
            catch (TimeoutException)
            {
                // Pass the response on; the invocation's outcome gets logged when it comes.
            }
        }
        return await Default.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken) =>
        Default.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);
}
