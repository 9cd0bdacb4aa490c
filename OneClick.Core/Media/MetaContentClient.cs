using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OneClick.Core.Meta;

namespace OneClick.Core.Media;

/// <summary>The synchronous content calls: media upload (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media) and mark-as-read (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/mark-message-as-read).</summary>
public sealed class MetaContentClient(MetaHttp http)
{
    /// <summary>Uploads a file as multipart/form-data and returns Meta's media id.</summary>
    public async Task<string> UploadMediaAsync(string phoneNumberId, string accessToken, Stream file, string fileName, string mimeType, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
            { new StringContent(mimeType), "type" },
        };
        var part = new StreamContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue(mimeType);
        form.Add(part, "file", fileName);
        // Uploads of up to 100 MB take longer than a send: no short timeout here, the caller's token rules.
        using var response = await SendAsync(HttpMethod.Post, $"{Uri.EscapeDataString(phoneNumberId)}/media", accessToken, form, null, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadFromJsonAsync<UploadResponse>(cancellationToken).ConfigureAwait(false);
        return body?.Id ?? throw new MetaUnreachableException("The Graph API answered the upload without an id.", new InvalidDataException());
    }

    /// <summary>Marks an inbound message (and the earlier ones) as read, optionally showing the typing indicator.</summary>
    public async Task MarkAsReadAsync(string phoneNumberId, string accessToken, string messageId, bool typingIndicator, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["messaging_product"] = "whatsapp", ["status"] = "read", ["message_id"] = messageId };
        if (typingIndicator)
            body["typing_indicator"] = new JsonObject { ["type"] = "text" };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await SendAsync(HttpMethod.Post, $"{Uri.EscapeDataString(phoneNumberId)}/messages", accessToken, content, http.Timeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string accessToken, HttpContent content, TimeSpan? timeoutAfter, CancellationToken cancellationToken)
    {
        using var request = http.Request(method, path, accessToken, content);
        return await http.SendCheckedAsync(request, timeoutAfter, cancellationToken).ConfigureAwait(false);
    }

    private sealed record UploadResponse([property: JsonPropertyName("id")] string? Id);
}
