using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.MetaSandbox.Control;
using OneClick.MetaSandbox.Media;
using OneClick.MetaSandbox.Messages;
using OneClick.MetaSandbox.Registry;
using OneClick.MetaSandbox.Webhooks;

namespace OneClick.MetaSandbox.Inbound;

/// <summary>
/// Body of POST /_sandbox/phone-numbers/{id}/inbound/message: a customer sends a message of any type Meta delivers
/// (meta-facts §4.5). The sandbox adds from, id and timestamp, a media id for media types, and the profile contact.
/// </summary>
internal sealed class InboundAnyTypeRequest
{
    public string? From { get; set; }
    public string? Name { get; set; }
    /// <summary>text, image, video, audio, document, sticker, location, contacts, interactive, button, reaction, order, system, unsupported, or anything else.</summary>
    public string? Type { get; set; }
    /// <summary>The type's object as Meta sends it (e.g. {"body":"hi"} for text); for contacts, the array of cards.</summary>
    public JsonNode? Content { get; set; }
    /// <summary>Media types: the file's bytes (base64) and MIME type; the sandbox serves them under a new media id.</summary>
    public string? MediaBase64 { get; set; }
    public string? MimeType { get; set; }
    public string? ContextMessageId { get; set; }
    public string? GroupId { get; set; }
    /// <summary>A Click-to-WhatsApp ad referral object.</summary>
    public JsonObject? Referral { get; set; }
    /// <summary>errors[] on the message (unsupported messages get Meta's 131051 by default).</summary>
    public JsonArray? Errors { get; set; }
    /// <summary>Unix seconds; default now (set it to simulate time passing).</summary>
    public long? Timestamp { get; set; }
}

internal static class InboundAnyTypeEndpoints
{
    private const int MaxMediaBytes = 5 * 1024 * 1024;

    public static void MapInboundAnyTypeEndpoints(this RouteGroupBuilder control) =>
        control.MapPost("/phone-numbers/{phoneNumberId}/inbound/message", ReceiveAsync);

    private static async Task<IResult> ReceiveAsync(
        string phoneNumberId, HttpRequest request, PhoneNumberRegistry registry, WebhookDispatcher dispatcher, MessageLog log,
        InboundMediaStore media, TimeProvider time, CancellationToken cancellationToken)
    {
        if (registry.Find(phoneNumberId) is not { } number)
            return ControlJson.NotRegistered(phoneNumberId);
        if (number.WebhookUrl is null)
            return ControlJson.Error($"Phone number '{phoneNumberId}' has no webhookUrl, so an inbound message could not be delivered.", StatusCodes.Status409Conflict);
        var (body, readError) = await ControlJson.ReadAsync<InboundAnyTypeRequest>(request, cancellationToken);
        if (readError is not null)
            return readError;

        var from = body!.From is null ? null : Recipients.NormalizePhone(body.From);
        if (from is null)
            return ControlJson.Error("from must be the customer's phone number (8 to 15 digits, + - ( ) and spaces allowed).");
        if (body.Type is not { Length: > 0 and <= 32 } type || !type.All(c => char.IsAsciiLetterLower(c) || c == '_'))
            return ControlJson.Error("type is required: text, image, video, audio, document, sticker, location, contacts, interactive, button, reaction, order, system, unsupported, …");
        if (body.GroupId is { } groupId && !Recipients.LooksLikeGroupId(groupId))
            return ControlJson.Error($"groupId must look like a Meta group id (base64, e.g. {Recipients.GroupIdPrefix}...).");

        var id = Wamid.New(from);
        var timestamp = (body.Timestamp ?? time.GetUtcNow().ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        var message = new JsonObject { ["from"] = from, ["id"] = id, ["timestamp"] = timestamp, ["type"] = type };
        if (!string.IsNullOrEmpty(body.ContextMessageId))
            message["context"] = new JsonObject { ["from"] = number.DisplayPhoneNumber, ["id"] = body.ContextMessageId };

        string? mediaId = null;
        if (type is "image" or "video" or "audio" or "document" or "sticker")
        {
            byte[] bytes;
            try
            {
                bytes = body.MediaBase64 is null ? RandomNumberGenerator.GetBytes(64) : Convert.FromBase64String(body.MediaBase64);
            }
            catch (FormatException)
            {
                return ControlJson.Error("mediaBase64 is not base64.");
            }
            if (bytes.Length > MaxMediaBytes)
                return ControlJson.Error($"At most {MaxMediaBytes} bytes of media.");
            var mime = body.MimeType ?? DefaultMime(type);
            var stored = media.Add(number.PhoneNumberId, mime, bytes);
            mediaId = stored.Id;
            var content = body.Content as JsonObject ?? [];
            content["id"] = stored.Id;
            content["mime_type"] = mime;
            content["sha256"] = stored.Sha256;
            message[type] = content;
        }
        else if (type == "contacts")
        {
            message["contacts"] = body.Content?.DeepClone() ?? new JsonArray();
        }
        else if (type == "unsupported")
        {
            message["unsupported"] = body.Content?.DeepClone() ?? new JsonObject { ["type"] = "edit" };
            message["errors"] = body.Errors?.DeepClone() ?? JsonNode.Parse("""[{"code":131051,"title":"Message type unknown","message":"Message type unknown","error_data":{"details":"Message type is currently not supported."}}]""");
        }
        else if (body.Content is not null)
        {
            message[type] = body.Content.DeepClone();
        }
        if (body.Errors is not null && type != "unsupported")
            message["errors"] = body.Errors.DeepClone();
        if (body.Referral is not null)
            message["referral"] = body.Referral.DeepClone();
        if (!string.IsNullOrEmpty(body.GroupId))
            message["group_id"] = body.GroupId;

        var envelope = InboundEnvelope(number, from, body.Name, message);
        // Meta's own escaping (non-ASCII as \uXXXX): the default encoder does the same.
        var bytesOut = JsonSerializer.SerializeToUtf8Bytes(envelope);
        log.RecordInbound(number.PhoneNumberId, id);
        dispatcher.Schedule(number, "inbound:" + type, id, bytesOut, TimeSpan.Zero);
        return Results.Json(new InboundAnyTypeAccepted(id, from, timestamp, mediaId), ControlJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Meta's webhook envelope around one inbound message from <paramref name="from"/>, with the sender's profile.</summary>
    internal static JsonObject InboundEnvelope(PhoneNumberRegistration number, string from, string? name, JsonObject message) => new()
    {
        ["object"] = "whatsapp_business_account",
        ["entry"] = new JsonArray(new JsonObject
        {
            ["id"] = number.WabaId,
            ["changes"] = new JsonArray(new JsonObject
            {
                ["value"] = new JsonObject
                {
                    ["messaging_product"] = "whatsapp",
                    ["metadata"] = new JsonObject { ["display_phone_number"] = number.DisplayPhoneNumber, ["phone_number_id"] = number.PhoneNumberId },
                    ["contacts"] = new JsonArray(new JsonObject
                    {
                        ["profile"] = new JsonObject { ["name"] = string.IsNullOrWhiteSpace(name) ? from : name },
                        ["wa_id"] = from,
                    }),
                    ["messages"] = new JsonArray(message),
                },
                ["field"] = "messages",
            }),
        }),
    };

    private static string DefaultMime(string type) => type switch
    {
        "image" => "image/jpeg",
        "video" => "video/mp4",
        "audio" => "audio/ogg",
        "sticker" => "image/webp",
        _ => "application/pdf",
    };
}

internal sealed record InboundAnyTypeAccepted(string Id, string From, string Timestamp, string? MediaId);
