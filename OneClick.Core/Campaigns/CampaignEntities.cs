using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Messages;

namespace OneClick.Core.Campaigns;

public static class CampaignStatus
{
    public const string Draft = "draft";
    public const string Scheduled = "scheduled";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string status) => status is Completed or Cancelled;
}

/// <summary>
/// A campaign: table "campaigns", PartitionKey = tenant id, RowKey "campaign|{id}". Its occurrences
/// ("run|{id}|{occurrence}") share the partition, so a campaign and its runs are one range query.
/// </summary>
public sealed class CampaignEntity : ITableEntity
{
    public const string RowPrefix = "campaign|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = "";
    public string Status { get; set; } = CampaignStatus.Draft;
    /// <summary>Why the campaign is where it is, when that needs saying (cannot run, no eligible recipients, …).</summary>
    public string? StatusReason { get; set; }
    /// <summary>Why OneClick paused it by itself (<see cref="Health.CampaignHolds"/>); null for a pause asked through the API.</summary>
    public string? PausedFor { get; set; }
    /// <summary>The message as the client gave it (a <see cref="SendMessageRequest"/>: type, text, template, …).</summary>
    public string MessageJson { get; set; } = "{}";
    /// <summary>The content Meta gets under the message's type key (built and validated once).</summary>
    public string ContentJson { get; set; } = "{}";
    public string MessageType { get; set; } = "";
    public string AudienceJson { get; set; } = "{}";
    public string ScheduleJson { get; set; } = "{}";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? LaunchedAt { get; set; }
    /// <summary>The occurrence the campaign view and its stats show by default (the latest one started).</summary>
    public string? LatestOccurrence { get; set; }
    /// <summary>When the next occurrence is due (its due-schedule row exists), or null.</summary>
    public DateTimeOffset? NextDueAt { get; set; }
    public string? CorrelationId { get; set; }

    [IgnoreDataMember]
    public string TenantId => PartitionKey;
    [IgnoreDataMember]
    public string Id => RowKey[RowPrefix.Length..];
    /// <summary>Free-form (non-template) messages only reach contacts inside the 24-hour window.</summary>
    [IgnoreDataMember]
    public bool IsFreeForm => MessageType != "template";

    public static string RowKeyFor(string campaignId) => RowPrefix + campaignId;
}

public static class OccurrenceStatus
{
    public const string Running = "running";
    public const string Completed = "completed";
    /// <summary>Found later than the maximum lateness: recorded, never sent late.</summary>
    public const string Missed = "missed";
}

/// <summary>One occurrence (run) of a campaign. The occurrence id is its due time, sortable, so a timer retry finds the same one.</summary>
public sealed class CampaignOccurrenceEntity : ITableEntity
{
    public const string RowPrefix = "run|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string CampaignId { get; set; } = "";
    public string Occurrence { get; set; } = "";
    public string Status { get; set; } = OccurrenceStatus.Running;
    public DateTimeOffset DueAt { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public bool DispatchDone { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>When a recipient of this occurrence first became unknown (cleared when the unknown are resent).</summary>
    public DateTimeOffset? UnknownSince { get; set; }

    public static string PrefixFor(string campaignId) => $"{RowPrefix}{campaignId}|";
    public static string RowKeyFor(string campaignId, string occurrence) => PrefixFor(campaignId) + occurrence;
}

/// <summary>
/// One recipient of one occurrence: table "campaignrecipients", PartitionKey "{tenant}|{campaign}|{occurrence}",
/// RowKey = contact id (or "grp|{group id}"). One partition per occurrence lets one entity-group transaction
/// claim or settle up to 99 recipients together with their counter delta row (<see cref="CampaignCounterEntity"/>).
/// Status uses <see cref="MessageStatus"/>'s names and its forward-only rules.
/// </summary>
public sealed class CampaignRecipientEntity : ITableEntity
{
    public const string GroupPrefix = "grp|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string To { get; set; } = "";
    public string RecipientType { get; set; } = "individual";
    public string Status { get; set; } = MessageStatus.Queued;
    /// <summary>The dispatch step that created the row: a retried step re-enqueues its own rows, not another step's.</summary>
    public string Step { get; set; } = "";
    public DateTimeOffset? ClaimedAt { get; set; }
    public int Attempts { get; set; }
    public string? MetaMessageId { get; set; }
    public int? ErrorCode { get; set; }
    public string? ErrorTitle { get; set; }
    public string? ErrorDetails { get; set; }
    public string? SkipReason { get; set; }
    public string? Detail { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Set when the contact replied to this message (the conversations feature calls <see cref="CampaignRecipientStore.MarkRepliedAsync"/>).</summary>
    public DateTimeOffset? RepliedAt { get; set; }
    /// <summary>Personalised content for this recipient (see <see cref="ICampaignPersonalizer"/>); null = the campaign's.</summary>
    public string? ContentJson { get; set; }
    /// <summary>Meta ids of earlier sends that Meta reported failed with a transient code and that were sent again (space-separated).</summary>
    public string? RetiredMetaIds { get; set; }

    public bool IsRetired(string metaMessageId) =>
        RetiredMetaIds is { } ids && ids.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(metaMessageId, StringComparer.Ordinal);

    [IgnoreDataMember]
    public string ContactId => RowKey.StartsWith(GroupPrefix, StringComparison.Ordinal) ? "" : RowKey;

    public static string PartitionFor(string tenantId, string campaignId, string occurrence) => $"{tenantId}|{campaignId}|{occurrence}";
    public static string GroupRowKey(string groupId) => GroupPrefix + Storage.TableKey.Escape(groupId);
}

/// <summary>
/// Counter rows in a recipients partition. Every transaction that changes recipients adds one delta row
/// ("~d|…") in the same transaction, so counts can never drift from the rows; a compaction folds deltas into
/// the base row ("~z"), also in one transaction. Inserts never conflict, so concurrent webhooks do not contend.
/// A status writer instead keeps one delta of its own per shard ("~d|~…", a running delta) and rewrites it in each of
/// its transactions under the ETag it got back: only that writer writes it, so it never contends either, and it leaves
/// one row per shard where a delta per transaction left hundreds to insert and fold away. Compaction leaves running
/// deltas alone.
/// </summary>
public sealed class CampaignCounterEntity : ITableEntity
{
    public const string Prefix = "~";
    public const string DeltaPrefix = "~d|";
    public const string RunningDeltaPrefix = DeltaPrefix + "~";
    public const string BaseRowKey = "~z";

    /// <summary>A new delta row's key: unique, and in time order (Version 7).</summary>
    public static string NewDeltaRowKey() => DeltaPrefix + Guid.CreateVersion7().ToString("N");

    /// <summary>A new running delta's key (a status writer's own row in a shard).</summary>
    public static string NewRunningDeltaRowKey() => RunningDeltaPrefix + Guid.CreateVersion7().ToString("N");

    public static bool IsRunningDelta(string rowKey) => rowKey.StartsWith(RunningDeltaPrefix, StringComparison.Ordinal);

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string CountsJson { get; set; } = "{}";
}
