using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneClick.MetaSandbox.Webhooks;

// The "messages" webhook as Meta POSTs it (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages). Absent optional fields are left out, as Meta does.

internal sealed record WebhookEnvelope(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("entry")] IReadOnlyList<WebhookEntry> Entry)
{
    /// <summary>Serialized the way Meta sends it: non-ASCII escaped as \uXXXX (System.Text.Json's default encoder).</summary>
    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>One WABA, one "messages" change.</summary>
    public static WebhookEnvelope ForMessages(string wabaId, MessagesValue value) =>
        new("whatsapp_business_account", [new WebhookEntry(wabaId, [new WebhookChange(value, "messages")])]);

    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, SerializerOptions);
}

internal sealed record WebhookEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("changes")] IReadOnlyList<WebhookChange> Changes);

internal sealed record WebhookChange(
    [property: JsonPropertyName("value")] MessagesValue Value,
    [property: JsonPropertyName("field")] string Field);

internal sealed record MessagesValue
{
    [JsonPropertyName("messaging_product")]
    public string MessagingProduct { get; init; } = "whatsapp";

    [JsonPropertyName("metadata")]
    public required WebhookMetadata Metadata { get; init; }

    [JsonPropertyName("contacts")]
    public IReadOnlyList<InboundContact>? Contacts { get; init; }

    [JsonPropertyName("messages")]
    public IReadOnlyList<InboundMessage>? Messages { get; init; }

    [JsonPropertyName("statuses")]
    public IReadOnlyList<StatusUpdate>? Statuses { get; init; }
}

internal sealed record WebhookMetadata(
    [property: JsonPropertyName("display_phone_number")] string DisplayPhoneNumber,
    [property: JsonPropertyName("phone_number_id")] string PhoneNumberId);

/// <summary>One entry of statuses[].</summary>
internal sealed record StatusUpdate
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>Unix seconds, as a string (Meta sends a string).</summary>
    [JsonPropertyName("timestamp")]
    public required string Timestamp { get; init; }

    /// <summary>The phone number; absent for a message sent to a business-scoped user id.</summary>
    [JsonPropertyName("recipient_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RecipientId { get; init; }

    /// <summary>The recipient's business-scoped user id, for a message sent to one.</summary>
    [JsonPropertyName("recipient_user_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RecipientUserId { get; init; }

    /// <summary>"group" on group messages only.</summary>
    [JsonPropertyName("recipient_type")]
    public string? RecipientType { get; init; }

    /// <summary>Group delivered/read: the participant (Meta's guide spelling).</summary>
    [JsonPropertyName("recipient_participant_id")]
    public string? RecipientParticipantId { get; init; }

    /// <summary>Group delivered/read: the participant (the spelling some Meta examples use).</summary>
    [JsonPropertyName("participant_recipient_id")]
    public string? ParticipantRecipientId { get; init; }

    /// <summary>Group delivered/read: the participant's business-scoped user id (a participant known only by it).</summary>
    [JsonPropertyName("recipient_participant_user_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RecipientParticipantUserId { get; init; }

    [JsonPropertyName("biz_opaque_callback_data")]
    public string? BizOpaqueCallbackData { get; init; }

    /// <summary>On sent and delivered only.</summary>
    [JsonPropertyName("pricing")]
    public Pricing? Pricing { get; init; }

    /// <summary>On failed only.</summary>
    [JsonPropertyName("errors")]
    public IReadOnlyList<WebhookError>? Errors { get; init; }
}

internal sealed record Pricing(
    [property: JsonPropertyName("billable")] bool Billable,
    [property: JsonPropertyName("pricing_model")] string PricingModel,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("category")] string Category);

/// <summary>The asynchronous error object: {code, title, message, error_data{details}, href}.</summary>
internal sealed record WebhookError(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("error_data")] WebhookErrorData ErrorData,
    [property: JsonPropertyName("href")] string Href);

internal sealed record WebhookErrorData([property: JsonPropertyName("details")] string Details);

internal sealed record InboundContact(
    [property: JsonPropertyName("profile")] InboundProfile Profile,
    [property: JsonPropertyName("wa_id")] string WaId);

internal sealed record InboundProfile([property: JsonPropertyName("name")] string Name);

/// <summary>One entry of messages[] (inbound). The sandbox simulates text messages.</summary>
internal sealed record InboundMessage
{
    [JsonPropertyName("from")]
    public required string From { get; init; }

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("timestamp")]
    public required string Timestamp { get; init; }

    [JsonPropertyName("type")]
    public string Type { get; init; } = "text";

    [JsonPropertyName("text")]
    public required InboundText Text { get; init; }

    /// <summary>Present when the customer replies to a business message.</summary>
    [JsonPropertyName("context")]
    public InboundContext? Context { get; init; }

    /// <summary>Present when the message was written in a group.</summary>
    [JsonPropertyName("group_id")]
    public string? GroupId { get; init; }
}

internal sealed record InboundText([property: JsonPropertyName("body")] string Body);

internal sealed record InboundContext(
    [property: JsonPropertyName("from")] string From,
    [property: JsonPropertyName("id")] string Id);
