using Microsoft.Extensions.Logging;

namespace OneClick.FunctionsHost.Http;

/// <summary>
/// Retries a request the worker's HTTP listener refused (it may still be opening), as the host's RetryProxyHandler does:
/// up to 10 tries, 50 ms apart at first, doubling to at most 250 ms.
/// </summary>
internal sealed class RetryingHandler(HttpMessageHandler inner, ILogger logger, TimeProvider time) : DelegatingHandler(inner)
{
    private const int MaxAttempts = 10;
    private const int FirstDelayMilliseconds = 50;
    private const int MaxDelayMilliseconds = 250;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var delay = FirstDelayMilliseconds;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException exception) when (attempt < MaxAttempts && exception.HttpRequestError == HttpRequestError.ConnectionError)
            {
                Log.RetryingWorkerRequest(logger, delay, attempt, exception);
                await Task.Delay(TimeSpan.FromMilliseconds(delay), time, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, MaxDelayMilliseconds);
            }
        }
    }
}
