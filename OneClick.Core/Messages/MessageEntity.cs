using System.Runtime.Serialization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace OneClick.Core.Messages;

/// <summary>An outbound message. PartitionKey = tenant id, RowKey = message id (time-ordered).</summary>
public sealed class MessageEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ContactId { get; set; } = "";
    public string To { get; set; } = "";
    public string RecipientType { get; set; } = "individual";
    public string Type { get; set; } = "";
    /// <summary>For template messages, the template's category when it was accepted (MARKETING, UTILITY, AUTHENTICATION); null otherwise.</summary>
    public string? Category { get; set; }

    /// <summary>The exact JSON body sent (or to be sent) to Meta.</summary>
    public string PayloadJson { get; set; } = "{}";
    /// <summary>The caller's own metadata, kept as given.</summary>
    public string MetadataJson { get; set; } = "{}";

    public string Status { get; set; } = MessageStatus.Queued;
    public string StatusHistoryJson { get; set; } = "[]";
    public string? MetaMessageId { get; set; }
    public int? ErrorCode { get; set; }
    public string? ErrorTitle { get; set; }
    public string? ErrorDetails { get; set; }
    /// <summary>Why the message was <see cref="MessageStatus.Skipped"/>: a short code such as "opted_out".</summary>
    public string? SkipReason { get; set; }
    /// <summary>When the customer first replied to this message (set once, by the inbound webhook).</summary>
    public DateTimeOffset? RepliedAt { get; set; }

    public DateTimeOffset? ScheduledFor { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public int Attempts { get; set; }
    public string CorrelationId { get; set; } = "";

    [IgnoreDataMember]
    public string TenantId => PartitionKey;
    [IgnoreDataMember]
    public string Id => RowKey;

    [IgnoreDataMember]
    public IReadOnlyList<StatusChange> History =>
        JsonSerializer.Deserialize<List<StatusChange>>(StatusHistoryJson, HistoryJson) ?? [];

    /// <summary>Moves to <paramref name="status"/> if the rules allow it, recording the change.</summary>
    public bool MoveTo(string status, DateTimeOffset at, string? detail = null)
    {
        if (!MessageStatus.CanMove(Status, status))
            return false;
        var history = History.ToList();
        history.Add(new StatusChange(status, at, detail));
        StatusHistoryJson = JsonSerializer.Serialize(history, HistoryJson);
        Status = status;
        UpdatedAt = at;
        return true;
    }

    /// <summary>
    /// Records a status webhook that arrived after a later one (Meta does not promise their order): the step goes into
    /// the history before the first later step, once, and the status stays where it is.
    /// </summary>
    public bool RecordPassedStep(string status, DateTimeOffset at, string? detail = null)
    {
        if (!MessageStatus.IsPassedStep(Status, status))
            return false;
        var history = History.ToList();
        if (history.Any(h => h.Status == status))
            return false;
        var later = history.FindIndex(h => MessageStatus.IsPassedStep(h.Status, status));
        history.Insert(later < 0 ? history.Count : later, new StatusChange(status, at, detail));
        StatusHistoryJson = JsonSerializer.Serialize(history, HistoryJson);
        return true;
    }

    /// <summary>
    /// Hands an unknown message back to the send queue on an operator's explicit request (the one move back that
    /// <see cref="MessageStatus.CanMove"/> does not allow on its own), recording it in the history.
    /// </summary>
    public bool ReopenUnknown(DateTimeOffset at, string detail)
    {
        if (Status != MessageStatus.Unknown)
            return false;
        var history = History.ToList();
        history.Add(new StatusChange(MessageStatus.Queued, at, detail));
        StatusHistoryJson = JsonSerializer.Serialize(history, HistoryJson);
        (Status, UpdatedAt, MetaMessageId) = (MessageStatus.Queued, at, null);
        return true;
    }

    /// <summary>Meta ids of earlier sends of this message that Meta reported failed and OneClick sent again (space-separated).</summary>
    public string? RetiredMetaIds { get; set; }

    public bool IsRetired(string metaMessageId) =>
        RetiredMetaIds is { } ids && ids.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(metaMessageId, StringComparer.Ordinal);

    /// <summary>
    /// Meta reported this send failed with a transient code: the message goes back to the send queue for a new send
    /// (never twice: Meta said the first did not go out). The failed send's id is retired, so its late statuses are
    /// ignored, also by the send path that may still be recording Meta's answer (status sending).
    /// </summary>
    public bool ReopenAfterFailure(string failedMetaMessageId, DateTimeOffset at, string detail)
    {
        if (Status is not (MessageStatus.Sending or MessageStatus.Accepted or MessageStatus.Sent or MessageStatus.Unknown))
            return false;
        var history = History.ToList();
        history.Add(new StatusChange(MessageStatus.Failed, at, detail));
        history.Add(new StatusChange(MessageStatus.Queued, at, "sending again after a transient failure"));
        StatusHistoryJson = JsonSerializer.Serialize(history, HistoryJson);
        RetiredMetaIds = RetiredMetaIds is null ? failedMetaMessageId : $"{RetiredMetaIds} {failedMetaMessageId}";
        (Status, UpdatedAt, MetaMessageId) = (MessageStatus.Queued, at, null);
        return true;
    }

    private static readonly JsonSerializerOptions HistoryJson = new(JsonSerializerDefaults.Web);
}

public sealed record StatusChange(string Status, DateTimeOffset At, string? Detail);

/// <summary>
/// Finds what OneClick sent from Meta's wamid: a message, or a campaign recipient. PartitionKey = tenant id,
/// RowKey = escaped wamid. Replies (Meta's context.id) and reactions point at wamids only.
/// </summary>
public sealed class MessageByMetaIdEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The message, or "" for a campaign send.</summary>
    public string MessageId { get; set; } = "";
    /// <summary>A campaign send: its recipient row's keys in the campaignrecipients table.</summary>
    public string? CampaignRecipientPartition { get; set; }
    public string? CampaignRecipientRow { get; set; }
}
