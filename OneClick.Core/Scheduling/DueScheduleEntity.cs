using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Scheduling;

/// <summary>
/// Work that becomes due at a time. The timer needs "everything due by now" across tenants: rows are spread over
/// <see cref="Shards"/> partitions by a stable hash of the tenant id, and within one the RowKey starts with the due
/// time, so one range query per shard finds its rows in time order and the shards are read side by side. One
/// tenant's backlog holds up only the tenants of its shard, and a tenant's list reads one shard, not every row.
/// </summary>
public sealed class DueScheduleEntity : ITableEntity
{
    public const int Shards = 16;

    /// <summary>The one partition of rows written before sharding: still read, and moved to the shards by the timer.</summary>
    public const string LegacyPartition = "due";

    public string PartitionKey { get; set; } = "";
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

    public static string PartitionFor(string tenantId)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        // FNV-1a: stable across processes and versions (string.GetHashCode is randomised per process).
        var hash = 2166136261u;
        foreach (var c in tenantId)
            hash = (hash ^ c) * 16777619u;
        return ShardPartition((int)(hash % Shards));
    }

    public static IEnumerable<string> ShardPartitions => Enumerable.Range(0, Shards).Select(ShardPartition);

    private static string ShardPartition(int shard) => $"due|{shard:D2}";
}
