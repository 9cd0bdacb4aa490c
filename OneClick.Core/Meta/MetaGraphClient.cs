using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace OneClick.Core.Meta;

/// <summary>Message sends and the phone number's health, over the one <see cref="MetaHttp"/> transport.</summary>
public sealed class MetaGraphClient(MetaHttp http)
{
    /// <summary>Sends one message (the JSON body Meta expects) and returns Meta's message id.</summary>
    /// <exception cref="MetaApiException">Meta answered with an error.</exception>
    /// <exception cref="MetaUnreachableException">No connection was made: nothing was sent.</exception>
    /// <exception cref="MetaOutcomeUnknownException">The request went out but no answer came back.</exception>
    public async Task<string> SendMessageAsync(string phoneNumberId, string accessToken, string payloadJson, CancellationToken cancellationToken)
    {
        using var request = http.Request(HttpMethod.Post, $"{Uri.EscapeDataString(phoneNumberId)}/messages", accessToken,
            new StringContent(payloadJson, Encoding.UTF8, "application/json"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, http.Timeout, cancellationToken).ConfigureAwait(false);
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
            await MetaHttp.ThrowIfErrorAsync(response, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadFromJsonAsync<SendResponse>(cancellationToken).ConfigureAwait(false);
            return body?.Messages?.FirstOrDefault()?.Id
                ?? throw new MetaOutcomeUnknownException("The Graph API answered without a message id.", new InvalidDataException());
        }
    }

    /// <summary>The phone number's health: verified name, quality, messaging limit and throughput.</summary>
    public async Task<PhoneNumberInfo> GetPhoneNumberAsync(string phoneNumberId, string accessToken, CancellationToken cancellationToken)
    {
        const string fields = "id,display_phone_number,verified_name,quality_rating,throughput,status,name_status,code_verification_status,platform_type,whatsapp_business_manager_messaging_limit";
        using var request = http.Request(HttpMethod.Get, $"{Uri.EscapeDataString(phoneNumberId)}?fields={fields}", accessToken);
        try
        {
            // The transport's timeout covers the whole answer: its body is read before SendAsync returns.
            using var response = await http.SendAsync(request, http.Timeout, cancellationToken).ConfigureAwait(false);
            await MetaHttp.ThrowIfErrorAsync(response, cancellationToken).ConfigureAwait(false);
            return await response.Content.ReadFromJsonAsync<PhoneNumberInfo>(cancellationToken).ConfigureAwait(false)
                ?? throw new MetaUnreachableException("The Graph API answered with an empty body.", new InvalidDataException());
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A read has no side effects: every failure to get an answer is simply "unreachable".
            throw new MetaUnreachableException("The Graph API could not be reached or gave an unreadable answer.", e);
        }
    }

    private sealed record SendResponse([property: JsonPropertyName("messages")] List<SentMessage>? Messages);
    private sealed record SentMessage([property: JsonPropertyName("id")] string? Id);
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
