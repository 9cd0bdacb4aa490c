using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace OneClick.Core.Meta;

/// <summary>
/// The one transport under every Graph API client (messages, groups, templates, media, media downloads): base URL,
/// API version, bearer token, per-call timeout and Meta's error shape
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes) in one place.
/// The HttpClient it wraps retries idempotent reads (GET) with back-off; sends and other writes are never retried,
/// because a write whose answer was lost may have happened at Meta (registration: OneClickApp.AddMetaTransport).
/// </summary>
public sealed class MetaHttp(HttpClient http, IOptions<MetaOptions> options)
{
    private readonly MetaOptions _options = options.Value;

    /// <summary>How long a call may take before it counts as unanswered (<see cref="MetaOptions.SendTimeout"/>).</summary>
    public TimeSpan Timeout => _options.SendTimeout;

    /// <summary>A request to a Graph path ("{id}/messages") of the configured version, with the tenant's token.</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, string accessToken, HttpContent? content = null) =>
        Authorized(new HttpRequestMessage(method, new Uri(_options.GraphBaseUrl, $"{_options.GraphApiVersion}/{path}")) { Content = content }, accessToken);

    /// <summary>A request to an absolute URL Meta gave (a media download link), with the same bearer token.</summary>
    public static HttpRequestMessage Request(Uri url, string accessToken) => Authorized(new HttpRequestMessage(HttpMethod.Get, url), accessToken);

    private static HttpRequestMessage Authorized(HttpRequestMessage request, string accessToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

    /// <summary>
    /// Sends as it is: the caller decides what a failure to get an answer means (a send maps it to unreachable or
    /// outcome-unknown). <paramref name="timeoutAfter"/> null means the caller's token alone rules.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, TimeSpan? timeoutAfter, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeoutAfter is { } after)
            timeout.CancelAfter(after);
        return await http.SendAsync(request, completion, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a request that has no queue behind it (management, media, mark-as-read): no connection or no answer in
    /// time is <see cref="MetaUnreachableException"/>, an error answer <see cref="MetaApiException"/>; the caller
    /// disposes the successful response.
    /// </summary>
    public async Task<HttpResponseMessage> SendCheckedAsync(HttpRequestMessage request, TimeSpan? timeoutAfter, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(request, timeoutAfter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new MetaUnreachableException("The Graph API could not be reached.", e);
        }
        try
        {
            await ThrowIfErrorAsync(response, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Meta's error body as <see cref="MetaApiException"/>; without one, a 5xx is Meta's "temporary" code 2, anything else 1.</summary>
    public static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessStatusCode)
            return;
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        GraphError? error = null;
        try
        {
            error = JsonSerializer.Deserialize<GraphErrorEnvelope>(text)?.Error;
        }
        catch (JsonException)
        {
            // Not Meta's shape (a proxy or gateway page): reported below by HTTP status.
        }
        if (error is null)
        {
            var code = (int)response.StatusCode >= 500 ? 2 : 1;
            throw new MetaApiException(response.StatusCode, code, null, null, $"HTTP {(int)response.StatusCode} from the Graph API", null, null);
        }
        throw new MetaApiException(response.StatusCode, error.Code, error.Subcode, error.Type, error.Message ?? "Unknown error",
            error.ErrorData?.Details, error.FbTraceId, error.IsTransient);
    }

    private sealed record GraphErrorEnvelope([property: JsonPropertyName("error")] GraphError? Error);
    private sealed record GraphError(
        [property: JsonPropertyName("message")] string? Message,
        [property: JsonPropertyName("type")] string? Type,
        [property: JsonPropertyName("code")] int Code,
        [property: JsonPropertyName("error_subcode")] int? Subcode,
        [property: JsonPropertyName("error_data")] GraphErrorData? ErrorData,
        [property: JsonPropertyName("fbtrace_id")] string? FbTraceId,
        [property: JsonPropertyName("is_transient")] bool? IsTransient = null);
    private sealed record GraphErrorData([property: JsonPropertyName("details")] string? Details);
}
