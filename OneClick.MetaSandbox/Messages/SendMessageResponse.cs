using System.Text.Json.Serialization;

namespace OneClick.MetaSandbox.Messages;

/// <summary>Meta's 200 answer to a send (https://developers.facebook.com/documentation/business-messaging/whatsapp/reference/whatsapp-business-phone-number/message-api).</summary>
internal sealed record SendMessageResponse(
    [property: JsonPropertyName("messaging_product")] string MessagingProduct,
    [property: JsonPropertyName("contacts")] IReadOnlyList<SentContact> Contacts,
    [property: JsonPropertyName("messages")] IReadOnlyList<SentMessageId> Messages);

/// <summary>contacts[]: wa_id for a send by phone number, user_id for a send by business-scoped user id.</summary>
internal sealed record SentContact(
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("wa_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? WaId,
    [property: JsonPropertyName("user_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UserId = null);

internal sealed record SentMessageId
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>Only on group sends.</summary>
    [JsonPropertyName("group_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? GroupId { get; init; }

    /// <summary>Only on template sends: "accepted" (or "held_for_quality_assessment" under pacing).</summary>
    [JsonPropertyName("message_status")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MessageStatus { get; init; }
}

/// <summary>Answer to mark-as-read and typing indicators.</summary>
internal sealed record SuccessResponse([property: JsonPropertyName("success")] bool Success);
