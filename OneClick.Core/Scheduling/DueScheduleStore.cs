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
            PartitionKey = DueScheduleEntity.PartitionFor(tenantId),
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

    /// <summary>Every row of one partition due at or before <paramref name="now"/>, oldest first.</summary>
    public IAsyncEnumerable<DueScheduleEntity> DueAsync(string partition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // '}' sorts after '|', so this bound includes every row whose time part is <= now.
        var upper = TableKey.Sortable(now) + "}";
        return Table.QueryAsync<DueScheduleEntity>(
            r => r.PartitionKey == partition && r.RowKey.CompareTo(upper) < 0,
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

    /// <summary>A tenant's row by its key: in the tenant's shard, or (written before sharding) in the legacy partition.</summary>
    public async Task<DueScheduleEntity?> FindAsync(string tenantId, string rowKey, CancellationToken cancellationToken) =>
        await Table.FindAsync<DueScheduleEntity>(DueScheduleEntity.PartitionFor(tenantId), rowKey, cancellationToken).ConfigureAwait(false)
        ?? await Table.FindAsync<DueScheduleEntity>(DueScheduleEntity.LegacyPartition, rowKey, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// One page of a tenant's pending rows, oldest first. The tenant's shard is read and filtered by the service:
    /// the rows of the other tenants of that shard are scanned, not returned (1/<see cref="DueScheduleEntity.Shards"/> of all).
    /// </summary>
    public Task<ResultPage<DueScheduleEntity>> PendingForTenantAsync(string tenantId, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        var partition = DueScheduleEntity.PartitionFor(tenantId);
        return Paging.ReadPageAsync(
            Table.QueryAsync<DueScheduleEntity>(r => r.PartitionKey == partition && r.TenantId == tenantId, pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, r => r);
    }

    /// <summary>
    /// Moves up to <paramref name="limit"/> rows written before sharding, and not due within <paramref name="notBefore"/>,
    /// to their shard: insert the copy (a conflict: another run is at it), then delete the old row unchanged (ETag);
    /// when that fails (cancelled or claimed meanwhile) the copy goes: never in neither place, in both only briefly.
    /// </summary>
    /// <returns>How many rows were moved.</returns>
    public async Task<int> MoveLegacyAsync(DateTimeOffset notBefore, int limit, CancellationToken cancellationToken)
    {
        var lower = TableKey.Sortable(notBefore);
        var moved = 0;
        await foreach (var row in Table.QueryAsync<DueScheduleEntity>(
            r => r.PartitionKey == DueScheduleEntity.LegacyPartition && r.RowKey.CompareTo(lower) > 0, maxPerPage: 200, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (moved >= limit)
                break;
            var copy = new DueScheduleEntity
            {
                PartitionKey = DueScheduleEntity.PartitionFor(row.TenantId), RowKey = row.RowKey, TenantId = row.TenantId, MessageId = row.MessageId,
                CorrelationId = row.CorrelationId, DueAt = row.DueAt, CampaignId = row.CampaignId, ClaimedUntil = row.ClaimedUntil,
            };
            try
            {
                await Table.AddEntityAsync(copy, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (TableErrors.IsConflict(e))
            {
                continue; // another timer run is moving it
            }
            bool deleted;
            try
            {
                // The SDK answers a missing entity with a 404 response rather than an exception.
                deleted = (await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false)).Status != 404;
            }
            catch (RequestFailedException e) when (TableErrors.IsPreconditionFailed(e))
            {
                deleted = false;
            }
            if (deleted)
                moved++;
            else
                await RemoveAsync(copy, cancellationToken).ConfigureAwait(false); // cancelled or claimed meanwhile
        }
        return moved;
    }

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
