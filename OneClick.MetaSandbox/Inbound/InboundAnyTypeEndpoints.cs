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
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages). The sandbox adds from, id and timestamp, a media id for media types, and the profile contact.
/// </summary>
internal sealed class InboundAnyTypeRequest
{
    /// <summary>The customer's phone number; may be left out for a user with a username when <see cref="FromUserId"/> is given.</summary>
    public string? From { get; set; }
    /// <summary>The customer's business-scoped user id (from_user_id / contacts[].user_id), e.g. US.13491208655302741918.</summary>
    public string? FromUserId { get; set; }
    /// <summary>The customer's parent business-scoped user id (e.g. US.ENT.11815799212886844830).</summary>
    public string? FromParentUserId { get; set; }
    /// <summary>The customer's WhatsApp username (contacts[].profile.username).</summary>
    public string? Username { get; set; }
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
    /// <summary>
    /// type interactive only: a Flow's answers (with its flow_token). The sandbox sends them as Meta does, an
    /// interactive nfm_reply whose response_json is this object serialised to a string
    /// (https://developers.facebook.com/docs/whatsapp/flows/reference/responsemsgwebhook).
    /// </summary>
    public JsonObject? FlowResponse { get; set; }
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
        if (body.FromUserId is { } userId && (!Recipients.LooksLikeUserId(userId) || userId.Contains(".ENT.", StringComparison.Ordinal)))
            return ControlJson.Error("fromUserId must be a business-scoped user id, e.g. US.13491208655302741918.");
        if (body.FromParentUserId is { } parentId && (!Recipients.LooksLikeUserId(parentId) || !parentId.Contains(".ENT.", StringComparison.Ordinal)))
            return ControlJson.Error("fromParentUserId must be a parent business-scoped user id, e.g. US.ENT.11815799212886844830.");
        if (from is null && (body.From is not null || body.FromUserId is null))
            return ControlJson.Error("from must be the customer's phone number (8 to 15 digits, + - ( ) and spaces allowed); it may be left out only when fromUserId is given (a user with a username).");
        var sender = new InboundSender(from, body.FromUserId, body.FromParentUserId, body.Username, body.Name);
        if (body.Type is not { Length: > 0 and <= 32 } type || !type.All(c => char.IsAsciiLetterLower(c) || c == '_'))
            return ControlJson.Error("type is required: text, image, video, audio, document, sticker, location, contacts, interactive, button, reaction, order, system, unsupported, …");
        if (body.GroupId is { } groupId && !Recipients.LooksLikeGroupId(groupId))
            return ControlJson.Error($"groupId must look like a Meta group id (base64, e.g. {Recipients.GroupIdPrefix}...).");

        var id = Wamid.New(from);
        var timestamp = (body.Timestamp ?? time.GetUtcNow().ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        var message = new JsonObject();
        if (from is not null)
            message["from"] = from;
        if (body.FromUserId is not null)
            message["from_user_id"] = body.FromUserId;
        if (body.FromParentUserId is not null)
            message["from_parent_user_id"] = body.FromParentUserId;
        message["id"] = id;
        message["timestamp"] = timestamp;
        message["type"] = type;
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
        else if (type == "interactive" && body.FlowResponse is not null)
        {
            message[type] = new JsonObject
            {
                ["type"] = "nfm_reply",
                ["nfm_reply"] = new JsonObject
                {
                    ["response_json"] = body.FlowResponse.ToJsonString(),
                    ["body"] = "Sent",
                    ["name"] = "flow",
                },
            };
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

        // System messages (user_changed_number, user_changed_user_id) come without a contacts array.
        var envelope = InboundEnvelope(number, sender, message, withContacts: type != "system");
        // Meta's own escaping (non-ASCII as \uXXXX): the default encoder does the same.
        var bytesOut = JsonSerializer.SerializeToUtf8Bytes(envelope);
        log.RecordInbound(number.PhoneNumberId, id);
        dispatcher.Schedule(number, "inbound:" + type, id, bytesOut, TimeSpan.Zero);
        return Results.Json(new InboundAnyTypeAccepted(id, from ?? body.FromUserId!, timestamp, mediaId), ControlJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Meta's webhook envelope around one inbound message from <paramref name="from"/>, with the sender's profile.</summary>
    internal static JsonObject InboundEnvelope(PhoneNumberRegistration number, string from, string? name, JsonObject message) =>
        InboundEnvelope(number, new InboundSender(from, null, null, null, name), message, withContacts: true);

    /// <summary>
    /// The envelope with the sender's contacts[] entry: wa_id when the phone is shown, user_id / parent_user_id and
    /// profile.username for business-scoped ids and usernames.
    /// https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
    /// </summary>
    internal static JsonObject InboundEnvelope(PhoneNumberRegistration number, InboundSender sender, JsonObject message, bool withContacts)
    {
        var profile = new JsonObject { ["name"] = string.IsNullOrWhiteSpace(sender.Name) ? sender.Phone ?? sender.Username ?? sender.UserId : sender.Name };
        if (sender.Username is not null)
            profile["username"] = sender.Username;
        var contact = new JsonObject { ["profile"] = profile };
        if (sender.Phone is not null)
            contact["wa_id"] = sender.Phone;
        if (sender.UserId is not null)
            contact["user_id"] = sender.UserId;
        if (sender.ParentUserId is not null)
            contact["parent_user_id"] = sender.ParentUserId;
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = new JsonObject { ["display_phone_number"] = number.DisplayPhoneNumber, ["phone_number_id"] = number.PhoneNumberId },
        };
        if (withContacts)
            value["contacts"] = new JsonArray(contact);
        value["messages"] = new JsonArray(message);
        return new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = number.WabaId,
                ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = "messages" }),
            }),
        };
    }

    private static string DefaultMime(string type) => type switch
    {
        "image" => "image/jpeg",
        "video" => "video/mp4",
        "audio" => "audio/ogg",
        "sticker" => "image/webp",
        _ => "application/pdf",
    };
}

/// <summary>Who writes: a phone number, a business-scoped user id, or both (a username user may have no phone).</summary>
internal sealed record InboundSender(string? Phone, string? UserId, string? ParentUserId, string? Username, string? Name);

internal sealed record InboundAnyTypeAccepted(string Id, string From, string Timestamp, string? MediaId);
