using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Scheduling;

public sealed class DueScheduleStore(StorageAccount storage)
{
    private TableClient Table => storage.Table(TableNames.DueSchedules);

    public async Task<DueScheduleEntity> AddAsync(DateTimeOffset dueAt, string tenantId, string messageId, string correlationId, CancellationToken cancellationToken, string? campaignId = null)
    {
        var row = new DueScheduleEntity
        {
            RowKey = DueScheduleEntity.RowKeyFor(dueAt, tenantId, campaignId ?? messageId),
            TenantId = tenantId,
            MessageId = messageId,
            CorrelationId = correlationId,
            DueAt = dueAt,
            CampaignId = campaignId,
        };
        var response = await Table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        row.ETag = response.Headers.ETag ?? default;
        return row;
    }

    /// <summary>Every row due at or before <paramref name="now"/>, oldest first.</summary>
    public IAsyncEnumerable<DueScheduleEntity> DueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // '}' sorts after '|', so this bound includes every row whose time part is <= now.
        var upper = TableKey.Sortable(now) + "}";
        return Table.QueryAsync<DueScheduleEntity>(
            r => r.PartitionKey == DueScheduleEntity.DuePartition && r.RowKey.CompareTo(upper) < 0,
            maxPerPage: 200, cancellationToken: cancellationToken);
    }

    /// <summary>Takes a row for this run; false when another run holds it or took it first.</summary>
    public async Task<bool> TryClaimAsync(DueScheduleEntity row, DateTimeOffset until, CancellationToken cancellationToken)
    {
        row.ClaimedUntil = until;
        try
        {
            var response = await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            row.ETag = response.Headers.ETag ?? row.ETag;
            return true;
        }
        catch (RequestFailedException e) when (TableErrors.IsPreconditionFailed(e) || TableErrors.IsNotFound(e))
        {
            return false;
        }
    }

    public Task<DueScheduleEntity?> FindAsync(string rowKey, CancellationToken cancellationToken) =>
        Table.FindAsync<DueScheduleEntity>(DueScheduleEntity.DuePartition, rowKey, cancellationToken);

    /// <summary>A tenant's pending rows, oldest first (the due partition is shared, so this filters it).</summary>
    public IAsyncEnumerable<DueScheduleEntity> PendingForTenantAsync(string tenantId, CancellationToken cancellationToken) =>
        Table.QueryAsync<DueScheduleEntity>(r => r.PartitionKey == DueScheduleEntity.DuePartition && r.TenantId == tenantId, cancellationToken: cancellationToken);

    public async Task RemoveAsync(DueScheduleEntity row, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (TableErrors.IsNotFound(e))
        {
            // Already gone: nothing to do.
        }
    }
}
