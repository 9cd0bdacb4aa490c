using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneClick.MetaSandbox.Messages;

/// <summary>A message the sandbox accepted, as listed by GET /_sandbox/messages.</summary>
internal sealed record AcceptedMessage(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("phoneNumberId")] string PhoneNumberId,
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("waId")] string WaId,
    [property: JsonPropertyName("recipient_type")] string RecipientType,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("body")] JsonElement Body,
    [property: JsonPropertyName("biz_opaque_callback_data")] string? BizOpaqueCallbackData,
    [property: JsonPropertyName("acceptedAt")] DateTimeOffset AcceptedAt);

/// <summary>One POST to /messages, accepted or not, as listed by GET /_sandbox/requests.</summary>
internal sealed record SendAttempt(
    [property: JsonPropertyName("phoneNumberId")] string PhoneNumberId,
    [property: JsonPropertyName("to")] string? To,
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("receivedAt")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("httpStatus")] int HttpStatus,
    [property: JsonPropertyName("errorCode")] int? ErrorCode,
    [property: JsonPropertyName("messageId")] string? MessageId)
{
    [JsonPropertyName("accepted")]
    public bool Accepted => ErrorCode is null;
}

/// <summary>
/// Everything sent through the sandbox, in order: accepted messages, every send attempt, and the message ids a
/// reaction or mark-as-read may refer to (accepted outbound messages and simulated inbound ones).
/// </summary>
internal sealed class MessageLog
{
    private readonly Lock _gate = new();
    private readonly List<AcceptedMessage> _messages = [];
    private readonly List<SendAttempt> _attempts = [];
    private readonly HashSet<(string PhoneNumberId, string MessageId)> _knownIds = [];

    public void RecordAccepted(AcceptedMessage message)
    {
        lock (_gate)
        {
            _messages.Add(message);
            _knownIds.Add((message.PhoneNumberId, message.Id));
        }
    }

    public void RecordAttempt(SendAttempt attempt)
    {
        lock (_gate)
        {
            _attempts.Add(attempt);
        }
    }

    public void RecordInbound(string phoneNumberId, string messageId)
    {
        lock (_gate)
        {
            _knownIds.Add((phoneNumberId, messageId));
        }
    }

    public bool IsKnownMessage(string phoneNumberId, string messageId)
    {
        lock (_gate)
        {
            return _knownIds.Contains((phoneNumberId, messageId));
        }
    }

    /// <summary>Accepted messages in acceptance order; "to" matches any formatting of the same number.</summary>
    public IReadOnlyList<AcceptedMessage> Messages(string? phoneNumberId, string? to)
    {
        var recipient = to is null ? null : Recipients.MatchKey(to);
        lock (_gate)
        {
            return [.. _messages.Where(m =>
                (phoneNumberId is null || m.PhoneNumberId == phoneNumberId)
                && (recipient is null || m.WaId == recipient))];
        }
    }

    public IReadOnlyList<SendAttempt> Attempts(string? phoneNumberId, string? to)
    {
        var recipient = to is null ? null : Recipients.MatchKey(to);
        lock (_gate)
        {
            return [.. _attempts.Where(a =>
                (phoneNumberId is null || a.PhoneNumberId == phoneNumberId)
                && (recipient is null || (a.To is not null && Recipients.MatchKey(a.To) == recipient)))];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _messages.Clear();
            _attempts.Clear();
            _knownIds.Clear();
        }
    }
}
