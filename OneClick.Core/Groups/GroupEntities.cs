using System.Runtime.Serialization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace OneClick.Core.Groups;

public static class GroupStates
{
    /// <summary>Meta accepted the creation; the group_lifecycle_update webhook has not come yet.</summary>
    public const string Pending = "pending";
    public const string Active = "active";
    /// <summary>Meta reported the creation failed (see FailureCode / FailureReason).</summary>
    public const string Failed = "failed";
    /// <summary>Meta accepted the delete; waiting for the group_delete webhook.</summary>
    public const string Deleting = "deleting";
    public const string Deleted = "deleted";
}

/// <summary>
/// A WhatsApp group of a tenant: table "groups", PartitionKey = tenant id, RowKey = "group|{id}".
/// Each part that webhooks change keeps the Meta timestamp of the event that set it, so events applied late
/// (out of order) or twice never undo a newer one.
/// </summary>
public sealed class GroupEntity : ITableEntity
{
    public const string RowPrefix = "group|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string State { get; set; } = GroupStates.Pending;
    public string? RequestId { get; set; }
    public string? MetaGroupId { get; set; }
    public string Subject { get; set; } = "";
    public long SubjectAt { get; set; }
    public string Description { get; set; } = "";
    public long DescriptionAt { get; set; }
    public string JoinApprovalMode { get; set; } = "auto_approve";
    public string? InviteLink { get; set; }
    public string? PictureSha256 { get; set; }
    public long PictureAt { get; set; }
    public bool Suspended { get; set; }
    public long SuspendedAt { get; set; }
    public long LifecycleAt { get; set; }
    public int? FailureCode { get; set; }
    public string? FailureReason { get; set; }
    /// <summary>The last asynchronous error Meta reported for an operation (settings, removals), for people to read.</summary>
    public string? LastError { get; set; }

    /// <summary>wa_id (or the BSUID of a participant known only by one) → membership with the timestamp of the event that set it.</summary>
    public string ParticipantsJson { get; set; } = "{}";
    /// <summary>join_request_id → request with its state.</summary>
    public string JoinRequestsJson { get; set; } = "{}";
    /// <summary>Pinned messages, oldest pin first (at most three).</summary>
    public string PinsJson { get; set; } = "[]";

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    [IgnoreDataMember]
    public string Id => RowKey[RowPrefix.Length..];

    public static string RowKeyFor(string groupId) => RowPrefix + groupId;

    [IgnoreDataMember]
    public Dictionary<string, Membership> Participants
    {
        get => JsonSerializer.Deserialize<Dictionary<string, Membership>>(ParticipantsJson, Json) ?? [];
        set => ParticipantsJson = JsonSerializer.Serialize(KeepRecent(value, m => m.Member, m => m.At), Json);
    }

    [IgnoreDataMember]
    public Dictionary<string, GroupJoinRequest> JoinRequests
    {
        get => JsonSerializer.Deserialize<Dictionary<string, GroupJoinRequest>>(JoinRequestsJson, Json) ?? [];
        set => JoinRequestsJson = JsonSerializer.Serialize(KeepRecent(value, r => r.State == "pending", r => r.At), Json);
    }

    [IgnoreDataMember]
    public List<GroupPinState> Pins
    {
        get => JsonSerializer.Deserialize<List<GroupPinState>>(PinsJson, Json) ?? [];
        set => PinsJson = JsonSerializer.Serialize(value, Json);
    }

    [IgnoreDataMember]
    public IReadOnlyList<string> Members => [.. Participants.Where(p => p.Value.Member).Select(p => p.Key).Order(StringComparer.Ordinal)];

    /// <summary>Settled entries kept (former members, answered join requests), so one table property never overflows.</summary>
    public const int SettledEntriesKept = 50;

    /// <summary>Keeps every live entry and the most recent settled ones; older settled entries can no longer be reordered by late webhooks anyway.</summary>
    private static Dictionary<string, T> KeepRecent<T>(Dictionary<string, T> entries, Func<T, bool> live, Func<T, long> at) =>
        entries.Count <= SettledEntriesKept
            ? entries
            : entries.Where(e => live(e.Value))
                .Concat(entries.Where(e => !live(e.Value)).OrderByDescending(e => at(e.Value)).Take(SettledEntriesKept))
                .ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

/// <param name="UserId">The participant's business-scoped user id, when Meta showed one.</param>
public sealed record Membership(bool Member, long At, string? How, string? UserId = null);

/// <param name="WaId">The requester's wa_id, or BSUID when Meta showed no phone.</param>
public sealed record GroupJoinRequest(string WaId, string State, long At);

/// <param name="MessageId">What the client pinned: a OneClick message id or an inbound wamid.</param>
/// <param name="MetaMessageId">The wamid Meta pins.</param>
public sealed record GroupPinState(string MessageId, string MetaMessageId, DateTimeOffset PinnedAt, DateTimeOffset ExpiresAt);

/// <summary>"request|{requestId}" and "meta|{escaped group id}" → the OneClick group id.</summary>
public sealed class GroupIndexEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string GroupId { get; set; } = "";
}

/// <summary>
/// A group event that arrived before OneClick could tie it to a group (before the lifecycle webhook brought the
/// group id): "parked|{key}|{hash}", replayed once the group is known.
/// </summary>
public sealed class ParkedGroupEventEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Field { get; set; } = "";
    public string ItemJson { get; set; } = "{}";
    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>
/// One message of a group's conversation: table "groupmessages", RowKey "conv|{groupId}|{time}|{in|out}|{id}",
/// so a group's conversation is one time-ordered range. Inbound keys come from Meta's timestamp and wamid,
/// so a duplicate webhook writes the same row.
/// </summary>
public sealed class GroupMessageEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string GroupId { get; set; } = "";
    /// <summary>"inbound" or "outbound".</summary>
    public string Direction { get; set; } = "";
    /// <summary>OneClick message id for outbound; empty for inbound.</summary>
    public string? MessageId { get; set; }
    public string? MetaMessageId { get; set; }
    public string? From { get; set; }
    public string? ProfileName { get; set; }
    public string Type { get; set; } = "";
    public string? Text { get; set; }
    public int? ErrorCode { get; set; }
    public string? ErrorTitle { get; set; }
    public string? ErrorDetails { get; set; }
    /// <summary>Outbound: members besides the business when it was sent (the "m" of delivered to n of m).</summary>
    public int? ParticipantCount { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>"out|{messageId}" → the group an outbound message went to; "pstatus|{messageId}|{waId}" → one participant's status.</summary>
public sealed class GroupOutboundEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string GroupId { get; set; } = "";
    public string ConversationRowKey { get; set; } = "";
    public int ParticipantCount { get; set; }
}

public sealed class ParticipantStatusEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string MessageId { get; set; } = "";
    public string WaId { get; set; } = "";
    public string Status { get; set; } = "";
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
}
