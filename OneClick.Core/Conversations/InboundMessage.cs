using System.Globalization;
using System.Text.Json;

namespace OneClick.Core.Conversations;

/// <summary>
/// What OneClick reads from one entry of an inbound messages[] (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages). Every type is kept, including
/// types Meta adds later: the raw object is stored and the known parts are lifted out for search and automations.
/// </summary>
public sealed record InboundMessage(
    string MetaMessageId, string From, string Type, DateTimeOffset At,
    string? Text, string? MediaId, string? MediaMimeType, string? ContextMetaMessageId,
    string? ReplyKind, string? ReplyId, string? GroupId, string? ErrorsJson, string RawJson)
{
    /// <summary>
    /// The sender's business-scoped user id (messages[].from_user_id) and parent id. A user with a username may come
    /// with these only and no "from" (then <see cref="From"/> is "").
    /// https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
    /// </summary>
    public string? FromUserId { get; init; }
    public string? FromParentUserId { get; init; }

    /// <summary>
    /// A Flow's reply (interactive nfm_reply): its response_json, the answers the customer gave, as a JSON object
    /// (https://developers.facebook.com/docs/whatsapp/flows/reference/responsemsgwebhook). Its flow_token is the ReplyId.
    /// </summary>
    public string? FlowResponseJson { get; init; }

    /// <summary>What one customer's messages are grouped by: the phone when there is one, else the BSUID.</summary>
    public string CustomerKey => From.Length > 0 ? From : FromUserId ?? FromParentUserId ?? "";

    /// <summary>Null when the entry lacks what every inbound message has (an id, and a sender: from or from_user_id).</summary>
    public static InboundMessage? Parse(JsonElement message, DateTimeOffset receivedAt)
    {
        if (message.ValueKind != JsonValueKind.Object)
            return null;
        var id = Str(message, "id");
        var from = Str(message, "from") ?? "";
        var fromUserId = Str(message, "from_user_id") is { Length: > 0 } u ? u : null;
        var fromParentUserId = Str(message, "from_parent_user_id") is { Length: > 0 } p ? p : null;
        if (string.IsNullOrEmpty(id) || (from.Length == 0 && fromUserId is null && fromParentUserId is null))
            return null;
        var type = Str(message, "type") ?? "unknown";
        var at = Str(message, "timestamp") is { } ts && long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                 && seconds is > 0 and < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : message.TryGetProperty("timestamp", out var n) && n.ValueKind == JsonValueKind.Number && n.TryGetInt64(out var s2) && s2 is > 0 and < 253402300799
                ? DateTimeOffset.FromUnixTimeSeconds(s2)
                : receivedAt;

        string? text = null, mediaId = null, mime = null, replyKind = null, replyId = null, flowResponse = null;
        var body = message.TryGetProperty(type, out var b) ? b : default;
        switch (type)
        {
            case "text":
                text = Str(body, "body");
                break;
            case "image" or "video" or "audio" or "document" or "sticker":
                mediaId = Str(body, "id");
                mime = Str(body, "mime_type");
                text = Str(body, "caption") ?? Str(body, "filename");
                break;
            case "interactive":
                var kind = Str(body, "type");
                if (kind is "button_reply" or "list_reply" && body.TryGetProperty(kind, out var reply))
                {
                    replyKind = kind;
                    replyId = Str(reply, "id");
                    text = Str(reply, "title");
                }
                else if (kind == "nfm_reply" && body.TryGetProperty(kind, out var flow))
                {
                    replyKind = kind;
                    (flowResponse, replyId) = FlowResponse(Str(flow, "response_json"));
                    text = Str(flow, "body") ?? Str(flow, "name") ?? kind;
                }
                else
                {
                    replyKind = kind;
                    text = kind;
                }
                break;
            case "button":
                // A quick-reply tap on a template: the payload is the button's id.
                replyKind = "quick_reply";
                replyId = Str(body, "payload");
                text = Str(body, "text");
                break;
            case "reaction":
                text = Str(body, "emoji");
                break;
            case "location":
                text = Str(body, "name") ?? Str(body, "address")
                    ?? (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("latitude", out var lat) && body.TryGetProperty("longitude", out var lon)
                        ? $"{lat.GetRawText()},{lon.GetRawText()}" : null);
                break;
            case "order":
                text = Str(body, "text");
                break;
            case "system":
                text = Str(body, "body");
                break;
            case "contacts":
                text = message.TryGetProperty("contacts", out var cards) && cards.ValueKind == JsonValueKind.Array
                    ? string.Join(", ", cards.EnumerateArray().Select(c => c.TryGetProperty("name", out var nm) ? Str(nm, "formatted_name") : null).Where(x => x is not null))
                    : null;
                break;
        }

        string? context = null;
        if (message.TryGetProperty("context", out var ctx))
            context = Str(ctx, "id");
        if (type == "reaction")
            context ??= Str(body, "message_id");

        var errors = message.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Array ? e.GetRawText() : null;
        return new InboundMessage(id, from, type, at, text, mediaId, mime, context, replyKind, replyId,
            Str(message, "group_id"), errors, message.GetRawText())
        {
            FromUserId = fromUserId,
            FromParentUserId = fromParentUserId,
            FlowResponseJson = flowResponse,
        };
    }

    /// <summary>response_json is a string holding a JSON object; kept only when it is one (and not huge), with its flow_token.</summary>
    private static (string? Json, string? FlowToken) FlowResponse(string? responseJson)
    {
        if (responseJson is not { Length: > 0 and <= MaxFlowResponseLength })
            return (null, null);
        try
        {
            using var document = JsonDocument.Parse(responseJson);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (document.RootElement.GetRawText(), Str(document.RootElement, "flow_token"))
                : (null, null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>Table properties hold 32K characters; a flow's answers are far smaller.</summary>
    public const int MaxFlowResponseLength = 30_000;

    private static string? Str(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
