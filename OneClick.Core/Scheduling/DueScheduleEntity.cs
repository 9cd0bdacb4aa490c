using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Scheduling;

/// <summary>
/// Work that becomes due at a time. The timer needs "everything due by now" across tenants, so rows share
/// one partition and the RowKey starts with the due time: a single range query finds them in time order.
/// </summary>
public sealed class DueScheduleEntity : ITableEntity
{
    public const string DuePartition = "due";

    public string PartitionKey { get; set; } = DuePartition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string TenantId { get; set; } = "";
    public string MessageId { get; set; } = "";
    public string CorrelationId { get; set; } = "";
    public DateTimeOffset DueAt { get; set; }
    /// <summary>Set for a campaign occurrence (then <see cref="MessageId"/> is empty): an <see cref="IDueScheduleHandler"/> takes it.</summary>
    public string? CampaignId { get; set; }

    /// <summary>Set by the timer run that took this row; another run may take it only after this time.</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }

    public static string RowKeyFor(DateTimeOffset dueAt, string tenantId, string messageId) =>
        $"{TableKey.Sortable(dueAt)}|{tenantId}|{messageId}";
}
