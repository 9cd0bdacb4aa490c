using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using OneClick.MetaSandbox.Graph;
using OneClick.MetaSandbox.Registry;

namespace OneClick.MetaSandbox.Media;

internal sealed record InboundMedia(string Id, string PhoneNumberId, string MimeType, byte[] Bytes, string Sha256);

/// <summary>
/// Media that simulated customers sent (inbound messages), kept in memory. Ids are numeric like Meta's and start
/// with "77" so the Graph route can tell them from phone-number ids; uploads by the business are a separate store.
/// </summary>
internal sealed class InboundMediaStore
{
    private readonly ConcurrentDictionary<string, InboundMedia> _media = new(StringComparer.Ordinal);

    public InboundMedia Add(string phoneNumberId, string mimeType, byte[] bytes)
    {
        var id = "77" + RandomNumberGenerator.GetString("0123456789", 14);
        var media = new InboundMedia(id, phoneNumberId, mimeType, bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        _media[id] = media;
        return media;
    }

    public InboundMedia? Find(string id) => _media.GetValueOrDefault(id);
}

/// <summary>
/// Retrieval of inbound media, as Meta does it (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media): GET /{version}/{media-id} answers the URL (and
/// mime type, sha256, size) to the number's token; GET on that URL with the same bearer token answers the bytes.
/// </summary>
internal static class InboundMediaEndpoints
{
    private const string MediaIdRoute = "{mediaId:regex(^77[0-9]{{14}}$)}";

    public static void MapInboundMediaEndpoints(this WebApplication app)
    {
        app.MapGet($"{GraphRoutes.VersionPrefix}/{MediaIdRoute}", (string mediaId, HttpRequest request, InboundMediaStore store, GraphAuthenticator authenticator) =>
        {
            if (store.Find(mediaId) is not { } media)
                return GraphErrors.UnknownObject(mediaId, request.Method).ToResult();
            var (_, failure) = authenticator.AuthorizePhoneNumber(request, media.PhoneNumberId);
            if (failure is not null)
                return MediaEndpoints.Refusal(request, mediaId, failure);
            return Results.Json(new Dictionary<string, object>
            {
                ["messaging_product"] = "whatsapp",
                ["url"] = $"{request.Scheme}://{request.Host}/_media/inbound/{media.Id}",
                ["mime_type"] = media.MimeType,
                ["sha256"] = media.Sha256,
                ["file_size"] = media.Bytes.Length.ToString(CultureInfo.InvariantCulture),
                ["id"] = media.Id,
            });
        });

        // The download URL: like Meta's, it answers only with the business's bearer token.
        app.MapGet($"/_media/inbound/{MediaIdRoute}", (string mediaId, HttpRequest request, InboundMediaStore store, GraphAuthenticator authenticator) =>
        {
            if (store.Find(mediaId) is not { } media)
                return Results.NotFound();
            var (_, failure) = authenticator.AuthorizePhoneNumber(request, media.PhoneNumberId);
            return failure is not null ? failure.ToResult() : Results.Bytes(media.Bytes, media.MimeType);
        });
    }
}
