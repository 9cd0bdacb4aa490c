using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneClick.Core.Webhooks;

// Tolerant shapes of Meta's webhook payload (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages): unknown members are skipped, optional ones are
// nullable, and numbers that Meta sometimes sends as strings (timestamps, error codes) read either way.

public sealed record WebhookPayload(
    [property: JsonPropertyName("object")] string? ObjectType,
    [property: JsonPropertyName("entry")] List<WebhookEntry>? Entry);

public sealed record WebhookEntry(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("changes")] List<WebhookChange>? Changes,
    [property: JsonPropertyName("time")] long? Time = null);

public sealed record WebhookChange(
    [property: JsonPropertyName("field")] string? Field,
    [property: JsonPropertyName("value")] JsonElement Value);

public sealed record MessagesValue(
    [property: JsonPropertyName("metadata")] WebhookMetadata? Metadata,
    [property: JsonPropertyName("statuses")] List<StatusUpdate>? Statuses,
    [property: JsonPropertyName("messages")] List<JsonElement>? Messages,
    [property: JsonPropertyName("errors")] List<WebhookError>? Errors);

public sealed record WebhookMetadata(
    [property: JsonPropertyName("display_phone_number")] string? DisplayPhoneNumber,
    [property: JsonPropertyName("phone_number_id")] string? PhoneNumberId);

public sealed record StatusUpdate(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("timestamp")] long? Timestamp,
    [property: JsonPropertyName("recipient_id")] string? RecipientId,
    [property: JsonPropertyName("biz_opaque_callback_data")] string? CallbackData,
    [property: JsonPropertyName("errors")] List<WebhookError>? Errors);

public sealed record WebhookError(
    [property: JsonPropertyName("code")] int? Code,
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("error_data")] WebhookErrorData? ErrorData);

public sealed record WebhookErrorData([property: JsonPropertyName("details")] string? Details);

public static class WebhookJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };
}
