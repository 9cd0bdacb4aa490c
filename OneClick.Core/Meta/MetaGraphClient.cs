using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace OneClick.Core.Meta;

/// <summary>The few Graph API calls OneClick makes, with Meta's errors turned into <see cref="MetaApiException"/>.</summary>
public sealed class MetaGraphClient(HttpClient http, IOptions<MetaOptions> options)
{
    private readonly MetaOptions _options = options.Value;

    /// <summary>Sends one message (the JSON body Meta expects) and returns Meta's message id.</summary>
    /// <exception cref="MetaApiException">Meta answered with an error.</exception>
    /// <exception cref="MetaUnreachableException">No connection was made: nothing was sent.</exception>
    /// <exception cref="MetaOutcomeUnknownException">The request went out but no answer came back.</exception>
    public async Task<string> SendMessageAsync(string phoneNumberId, string accessToken, string payloadJson, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url($"{Uri.EscapeDataString(phoneNumberId)}/messages"))
        {
            Content = new StringContent(payloadJson, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.SendTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new MetaUnreachableException("Could not connect to the Graph API.", e);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new MetaOutcomeUnknownException("The Graph API did not answer the send.", e);
        }

        using (response)
        {
            await ThrowIfErrorAsync(response, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadFromJsonAsync<SendResponse>(cancellationToken).ConfigureAwait(false);
            return body?.Messages?.FirstOrDefault()?.Id
                ?? throw new MetaOutcomeUnknownException("The Graph API answered without a message id.", new InvalidDataException());
        }
    }

    /// <summary>The phone number's health: verified name, quality, messaging limit and throughput.</summary>
    public async Task<PhoneNumberInfo> GetPhoneNumberAsync(string phoneNumberId, string accessToken, CancellationToken cancellationToken)
    {
        const string fields = "id,display_phone_number,verified_name,quality_rating,throughput,status,name_status,code_verification_status,platform_type,whatsapp_business_manager_messaging_limit";
        using var request = new HttpRequestMessage(HttpMethod.Get, Url($"{Uri.EscapeDataString(phoneNumberId)}?fields={fields}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.SendTimeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            await ThrowIfErrorAsync(response, timeout.Token).ConfigureAwait(false);
            return await response.Content.ReadFromJsonAsync<PhoneNumberInfo>(timeout.Token).ConfigureAwait(false)
                ?? throw new MetaUnreachableException("The Graph API answered with an empty body.", new InvalidDataException());
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A read has no side effects: every failure to get an answer is simply "unreachable".
            throw new MetaUnreachableException("The Graph API could not be reached or gave an unreadable answer.", e);
        }
    }

    private Uri Url(string path) => new(_options.GraphBaseUrl, $"{_options.GraphApiVersion}/{path}");

    /// <summary>
    /// Sends a request that has no queue behind it (management, media, mark-as-read): no connection or no answer in
    /// time is <see cref="MetaUnreachableException"/>, an error answer <see cref="MetaApiException"/>; the caller
    /// disposes the successful response.
    /// </summary>
    internal static async Task<HttpResponseMessage> SendCheckedAsync(HttpClient http, HttpRequestMessage request, TimeSpan? timeoutAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeoutAfter is { } after)
            timeout.CancelAfter(after);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
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

    internal static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
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
            // No Graph error body: a 5xx is Meta's "temporary" failure (code 2), anything else is unknown (1).
            var code = (int)response.StatusCode >= 500 ? 2 : 1;
            throw new MetaApiException(response.StatusCode, code, null, null, $"HTTP {(int)response.StatusCode} from the Graph API", null, null);
        }
        throw new MetaApiException(response.StatusCode, error.Code, error.Subcode, error.Type, error.Message ?? "Unknown error",
            error.ErrorData?.Details, error.FbTraceId, error.IsTransient);
    }

    private sealed record SendResponse([property: JsonPropertyName("messages")] List<SentMessage>? Messages);
    private sealed record SentMessage([property: JsonPropertyName("id")] string? Id);
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

public sealed record PhoneNumberInfo
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("display_phone_number")] public string? DisplayPhoneNumber { get; init; }
    [JsonPropertyName("verified_name")] public string? VerifiedName { get; init; }
    [JsonPropertyName("quality_rating")] public string? QualityRating { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("name_status")] public string? NameStatus { get; init; }
    [JsonPropertyName("code_verification_status")] public string? CodeVerificationStatus { get; init; }
    [JsonPropertyName("platform_type")] public string? PlatformType { get; init; }
    [JsonPropertyName("throughput")] public ThroughputInfo? Throughput { get; init; }
    [JsonPropertyName("whatsapp_business_manager_messaging_limit")] public string? MessagingLimit { get; init; }

    /// <summary>Messages per second the number may send (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput).</summary>
    public int MessagesPerSecond => Throughput?.Level switch
    {
        "HIGH" => 1000,
        "COEXISTENCE" => 20,
        _ => 80,
    };
}

public sealed record ThroughputInfo([property: JsonPropertyName("level")] string? Level);
