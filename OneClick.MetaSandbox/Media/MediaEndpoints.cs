using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using OneClick.MetaSandbox.Graph;
using OneClick.MetaSandbox.Registry;

namespace OneClick.MetaSandbox.Media;

/// <summary>An uploaded file. Ids are numeric strings, as at Meta.</summary>
internal sealed record StoredMedia(string Id, string PhoneNumberId, string MimeType, string Sha256, long FileSize, byte[] Content, DateTimeOffset UploadedAt);

/// <summary>Uploaded media, in memory.</summary>
internal sealed class MediaStore
{
    private readonly ConcurrentDictionary<string, StoredMedia> _media = new(StringComparer.Ordinal);

    public void Save(StoredMedia media) => _media[media.Id] = media;

    public StoredMedia? Find(string id) => _media.GetValueOrDefault(id);

    public bool Remove(string id) => _media.TryRemove(id, out _);

    public int CountFor(string phoneNumberId) => _media.Values.Count(m => m.PhoneNumberId == phoneNumberId);

    public void Clear() => _media.Clear();
}

/// <summary>
/// Media (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media): POST /{phone-number-id}/media (multipart: messaging_product, file, optional type)
/// → {"id"}; GET /{media-id} → url, mime_type, sha256, file_size (through the shared node route); DELETE /{media-id};
/// and the download URL, which needs the same bearer token.
/// </summary>
internal static class MediaEndpoints
{
    /// <summary>The largest file Meta takes (documents).</summary>
    public const long MaxUploadBytes = 100L * 1024 * 1024;

    /// <summary>Supported MIME types and their size limits (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media).</summary>
    public static readonly IReadOnlyDictionary<string, long> Limits = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase)
    {
        ["image/jpeg"] = 5L * 1024 * 1024,
        ["image/png"] = 5L * 1024 * 1024,
        ["video/mp4"] = 16L * 1024 * 1024,
        ["video/3gpp"] = 16L * 1024 * 1024,
        ["audio/aac"] = 16L * 1024 * 1024,
        ["audio/amr"] = 16L * 1024 * 1024,
        ["audio/mpeg"] = 16L * 1024 * 1024,
        ["audio/mp4"] = 16L * 1024 * 1024,
        ["audio/ogg"] = 16L * 1024 * 1024,
        ["image/webp"] = 500L * 1024,
        ["text/plain"] = MaxUploadBytes,
        ["application/pdf"] = MaxUploadBytes,
        ["application/msword"] = MaxUploadBytes,
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"] = MaxUploadBytes,
        ["application/vnd.ms-excel"] = MaxUploadBytes,
        ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] = MaxUploadBytes,
        ["application/vnd.ms-powerpoint"] = MaxUploadBytes,
        ["application/vnd.openxmlformats-officedocument.presentationml.presentation"] = MaxUploadBytes,
    };

    public static void MapMedia(this RouteGroupBuilder graph)
    {
        graph.MapPost("/{phoneNumberId}/media", UploadAsync);
        graph.MapDelete("/{mediaId}", (string mediaId, HttpRequest request, MediaStore media, GraphAuthenticator authenticator) =>
        {
            if (media.Find(mediaId) is not { } stored)
            {
                return GraphErrors.UnknownObject(mediaId, request.Method).ToResult();
            }

            var (_, failure) = authenticator.AuthorizePhoneNumber(request, stored.PhoneNumberId);
            if (failure is not null)
            {
                return failure.ToResult();
            }

            media.Remove(mediaId);
            return Results.Json(new JsonObject { ["success"] = true });
        });
    }

    public static void MapMediaDownload(this RouteGroupBuilder control) =>
        control.MapGet("/media/{mediaId}/download", (string mediaId, HttpRequest request, MediaStore media, GraphAuthenticator authenticator) =>
        {
            if (media.Find(mediaId) is not { } stored)
            {
                return Results.NotFound();
            }

            var (_, failure) = authenticator.AuthorizePhoneNumber(request, stored.PhoneNumberId);
            return failure is not null ? failure.ToResult() : Results.Bytes(stored.Content, stored.MimeType);
        });

    /// <summary>GET /{media-id}: called by the shared node route when the id is a media id.</summary>
    public static IResult Node(HttpRequest request, StoredMedia stored, GraphAuthenticator authenticator)
    {
        var (_, failure) = authenticator.AuthorizePhoneNumber(request, stored.PhoneNumberId);
        if (failure is not null)
        {
            return Refusal(request, stored.Id, failure);
        }

        return Results.Content(new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["url"] = $"{request.Scheme}://{request.Host}/_sandbox/media/{stored.Id}/download",
            ["mime_type"] = stored.MimeType,
            ["sha256"] = stored.Sha256,
            ["file_size"] = stored.FileSize.ToString(CultureInfo.InvariantCulture),
            ["id"] = stored.Id,
        }.ToJsonString(), "application/json");
    }

    /// <summary>
    /// Like Graph: a request without a bearer token hears its token problem, but another business's token is told the
    /// media does not exist (or lacks permission), not that it exists.
    /// </summary>
    public static IResult Refusal(HttpRequest request, string mediaId, GraphFailure failure) =>
        failure.HttpStatus == StatusCodes.Status401Unauthorized && !request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? failure.ToResult()
            : GraphErrors.UnknownObject(mediaId, request.Method).ToResult();

    private static async Task<IResult> UploadAsync(
        string phoneNumberId, HttpContext http, MediaStore media, GraphAuthenticator authenticator, TimeProvider time, CancellationToken cancellationToken)
    {
        var (number, failure) = authenticator.AuthorizePhoneNumber(http.Request, phoneNumberId);
        if (failure is not null)
        {
            return failure.ToResult();
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxUploadBytes + (1024 * 1024);
        }

        if (!http.Request.HasFormContentType)
        {
            return GraphErrors.WhatsApp(100, "Upload media as multipart/form-data with messaging_product and file.").ToResult();
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return GraphErrors.WhatsApp(131053, $"The upload could not be read: {e.Message}").ToResult();
        }

        if (form["messaging_product"].ToString() is var product && product.Length == 0)
        {
            return GraphErrors.WhatsApp(131008, "The parameter messaging_product is required.").ToResult();
        }
        else if (product != "whatsapp")
        {
            return GraphErrors.WhatsApp(100, "Param messaging_product must be whatsapp.").ToResult();
        }

        if (form.Files.GetFile("file") is not { } file)
        {
            return GraphErrors.WhatsApp(131008, "The parameter file is required.").ToResult();
        }

        var mimeType = (form["type"].ToString() is { Length: > 0 } declared ? declared : file.ContentType ?? "").Split(';')[0].Trim();
        if (!Limits.TryGetValue(mimeType, out var maxBytes))
        {
            return GraphErrors.WhatsApp(131053, $"Param file has an unsupported type '{mimeType}'. Supported: {string.Join(", ", Limits.Keys)}.").ToResult();
        }

        if (file.Length == 0)
        {
            return GraphErrors.WhatsApp(131053, "Param file is empty.").ToResult();
        }

        if (file.Length > maxBytes)
        {
            return GraphErrors.WhatsApp(131053, string.Create(CultureInfo.InvariantCulture,
                $"Param file is {file.Length} bytes; {mimeType} files may have at most {maxBytes} bytes.")).ToResult();
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken);
        var content = buffer.ToArray();
        var id = Graph.GraphIds.NewNodeId();
        media.Save(new StoredMedia(id, number!.PhoneNumberId, mimeType, Convert.ToHexStringLower(SHA256.HashData(content)), content.Length, content, time.GetUtcNow()));
        return Results.Json(new JsonObject { ["id"] = id });
    }
}
