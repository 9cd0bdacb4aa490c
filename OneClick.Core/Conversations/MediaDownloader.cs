using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OneClick.Core.Meta;

namespace OneClick.Core.Conversations;

/// <summary>
/// Fetches an inbound media file through Meta (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media): GET /{media-id} for a short-lived URL, then that
/// URL with the same bearer token. Nothing is stored: the bytes stream through to the caller.
/// </summary>
public sealed class MediaDownloader(MetaHttp http)
{
    /// <summary>Until the headers of a media answer arrive; the bytes then stream at the caller's pace.</summary>
    private static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The media's response (the caller streams and disposes it), or null when Meta does not know the id.</summary>
    /// <exception cref="MetaUnreachableException">Meta could not be reached or answered with an error.</exception>
    public async Task<MediaDownload?> DownloadAsync(string mediaId, string accessToken, CancellationToken cancellationToken)
    {
        MediaInfo? info;
        using (var request = http.Request(HttpMethod.Get, Uri.EscapeDataString(mediaId), accessToken))
        {
            using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
                return null; // Meta answers an unknown or expired id with 400 (code 100) or 404
            if (!response.IsSuccessStatusCode)
                throw new MetaUnreachableException($"The Graph API answered HTTP {(int)response.StatusCode} for the media.", new HttpRequestException());
            try
            {
                info = await response.Content.ReadFromJsonAsync<MediaInfo>(cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new MetaUnreachableException("The Graph API answered the media request with an unreadable body.", e);
            }
        }
        if (info?.Url is null || !Uri.TryCreate(info.Url, UriKind.Absolute, out var url))
            throw new MetaUnreachableException("The Graph API gave no download URL for the media.", new InvalidDataException());

        var download = MetaHttp.Request(url, accessToken);
        var content = await SendAsync(download, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (content.StatusCode == HttpStatusCode.NotFound)
        {
            content.Dispose();
            download.Dispose();
            return null;
        }
        if (!content.IsSuccessStatusCode)
        {
            content.Dispose();
            download.Dispose();
            throw new MetaUnreachableException($"The media download answered HTTP {(int)content.StatusCode}.", new HttpRequestException());
        }
        download.Dispose();
        return new MediaDownload(content, info.MimeType ?? content.Content.Headers.ContentType?.MediaType ?? "application/octet-stream", info.Sha256);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, HeadersTimeout, cancellationToken, completion).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new MetaUnreachableException("The Graph API could not be reached for the media.", e);
        }
    }

    private sealed record MediaInfo(
        [property: JsonPropertyName("url")] string? Url,
        [property: JsonPropertyName("mime_type")] string? MimeType,
        [property: JsonPropertyName("sha256")] string? Sha256);
}

public sealed class MediaDownload(HttpResponseMessage response, string mimeType, string? sha256) : IDisposable
{
    public string MimeType { get; } = mimeType;
    public string? Sha256 { get; } = sha256;

    public Task<Stream> OpenAsync(CancellationToken cancellationToken) => response.Content.ReadAsStreamAsync(cancellationToken);

    public void Dispose() => response.Dispose();
}
