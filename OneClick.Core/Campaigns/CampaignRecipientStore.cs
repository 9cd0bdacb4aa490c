using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns;

/// <summary>
/// The recipients of each occurrence, one partition per occurrence. Every change goes through an entity-group
/// transaction that updates up to <see cref="BatchSize"/> recipient rows under their ETags and adds one counter
/// delta row, so a status change and its count are one atomic write: no lost increments, no double counts.
/// </summary>
public sealed class CampaignRecipientStore(StorageAccount storage, TimeProvider clock)
{
    /// <summary>Recipients per transaction and per send batch: 99 rows + 1 counter delta = Table Storage's 100 actions.</summary>
    public const int BatchSize = 99;
    private const int CompactAbove = 40;
    private const int PointReadsUpTo = 4;

    private TableClient Table => storage.Table(TableNames.CampaignRecipients);

    /// <summary>
    /// Adds new recipients (and their counts). Rows that already exist (the same contact from another audience
    /// source, or a retried dispatch step) are left alone and returned as they are stored.
    /// </summary>
    public async Task<(List<CampaignRecipientEntity> Added, List<CampaignRecipientEntity> Existing)> InsertAsync(
        string partitionKey, IReadOnlyList<CampaignRecipientEntity> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var added = new List<CampaignRecipientEntity>();
        var existing = new List<CampaignRecipientEntity>();
        foreach (var chunk in rows.Chunk(BatchSize))
        {
            var toAdd = chunk.ToList();
            for (var attempt = 0; toAdd.Count > 0; attempt++)
            {
                var counts = new CampaignCounts();
                foreach (var row in toAdd)
                    counts.Add(CampaignCounts.Bucket(row), 1);
                var actions = toAdd.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)).Append(DeltaAction(partitionKey, counts)).ToList();
                try
                {
                    var response = await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                    for (var i = 0; i < toAdd.Count; i++)
                        toAdd[i].ETag = response.Value[i].Headers.ETag ?? default;
                    added.AddRange(toAdd);
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status == 409 && attempt < 5)
                {
                    var found = await GetManyAsync(partitionKey, toAdd.Select(r => r.RowKey).ToList(), cancellationToken).ConfigureAwait(false);
                    existing.AddRange(found);
                    var foundKeys = found.Select(f => f.RowKey).ToHashSet(StringComparer.Ordinal);
                    toAdd = toAdd.Where(r => !foundKeys.Contains(r.RowKey)).ToList();
                }
            }
        }
        return (added, existing);
    }

    /// <summary>
    /// The stored rows among <paramref name="rowKeys"/>: point reads for a few (a status webhook's one row), else one
    /// range query over the keys' span.
    /// </summary>
    public async Task<List<CampaignRecipientEntity>> GetManyAsync(string partitionKey, IReadOnlyCollection<string> rowKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rowKeys);
        if (rowKeys.Count <= PointReadsUpTo)
        {
            var found = await Task.WhenAll(rowKeys.Distinct(StringComparer.Ordinal).Select(k => Table.FindAsync<CampaignRecipientEntity>(partitionKey, k, cancellationToken))).ConfigureAwait(false);
            return found.OfType<CampaignRecipientEntity>().ToList();
        }
        var wanted = rowKeys.ToHashSet(StringComparer.Ordinal);
        var first = wanted.Min(StringComparer.Ordinal)!;
        var last = wanted.Max(StringComparer.Ordinal)!;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {first} and RowKey le {last}");
        var rows = new List<CampaignRecipientEntity>();
        await foreach (var row in Table.QueryAsync<CampaignRecipientEntity>(filter, 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (wanted.Contains(row.RowKey))
                rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to each row (it returns false to leave a row alone) and writes the changed
    /// rows with their counter delta in transactions of <see cref="BatchSize"/>. When a row changed under us
    /// (a webhook got there first), the chunk is read again and the change reapplied to what is stored now.
    /// Returns the rows that were changed, as written.
    /// </summary>
    public async Task<List<CampaignRecipientEntity>> ChangeAsync(
        string partitionKey, IEnumerable<CampaignRecipientEntity> rows, Func<CampaignRecipientEntity, bool> change, CancellationToken cancellationToken) =>
        (await ChangeAsync(partitionKey, rows, change, readAgainOnConflict: true, cancellationToken).ConfigureAwait(false))!;

    /// <summary>
    /// Like <see cref="ChangeAsync(string, IEnumerable{CampaignRecipientEntity}, Func{CampaignRecipientEntity, bool}, CancellationToken)"/>
    /// for rows believed unchanged since they were written (up to one transaction's worth): null, and nothing written,
    /// when any of them changed under us.
    /// </summary>
    public Task<List<CampaignRecipientEntity>?> ChangeIfUnchangedAsync(
        string partitionKey, IReadOnlyCollection<CampaignRecipientEntity> rows, Func<CampaignRecipientEntity, bool> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows.Count, BatchSize);
        return ChangeAsync(partitionKey, rows, change, readAgainOnConflict: false, cancellationToken);
    }

    private async Task<List<CampaignRecipientEntity>?> ChangeAsync(
        string partitionKey, IEnumerable<CampaignRecipientEntity> rows, Func<CampaignRecipientEntity, bool> change, bool readAgainOnConflict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var written = new List<CampaignRecipientEntity>();
        foreach (var original in rows.Chunk(BatchSize))
        {
            var chunk = original.ToList();
            for (var attempt = 0; ; attempt++)
            {
                var counts = new CampaignCounts();
                var changed = new List<CampaignRecipientEntity>();
                foreach (var row in chunk)
                {
                    var before = CampaignCounts.Bucket(row);
                    var replied = row.RepliedAt;
                    if (!change(row))
                        continue;
                    row.UpdatedAt = clock.GetUtcNow();
                    counts.Move(before, CampaignCounts.Bucket(row));
                    if (replied is null && row.RepliedAt is not null)
                        counts.Add(CampaignCounts.RepliedBucket, 1);
                    changed.Add(row);
                }
                if (changed.Count == 0)
                    break;
                var actions = changed.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateReplace, r, r.ETag)).ToList();
                if (!counts.IsEmpty)
                    actions.Add(DeltaAction(partitionKey, counts));
                try
                {
                    var response = await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                    for (var i = 0; i < changed.Count; i++)
                        changed[i].ETag = response.Value[i].Headers.ETag ?? changed[i].ETag;
                    written.AddRange(changed);
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && !readAgainOnConflict)
                {
                    return null;
                }
                catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && attempt < 50)
                {
                    chunk = await GetManyAsync(partitionKey, chunk.Select(r => r.RowKey).ToList(), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        return written;
    }

    /// <summary>Counts of one occurrence: the base row plus every delta not yet folded in (folding a few when many).</summary>
    public async Task<CampaignCounts> ReadCountsAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var total = new CampaignCounts();
        var deltas = new List<CampaignCounterEntity>();
        CampaignCounterEntity? baseRow = null;
        await foreach (var row in Table.QueryAsync<CampaignCounterEntity>(RowRanges.StartsWith(partitionKey, CampaignCounterEntity.Prefix), 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            total.Add(CampaignCounts.FromJson(row.CountsJson));
            if (row.RowKey == CampaignCounterEntity.BaseRowKey)
                baseRow = row;
            else
                deltas.Add(row);
        }
        if (deltas.Count > CompactAbove)
            await CompactAsync(partitionKey, baseRow, deltas.Take(BatchSize).ToList(), cancellationToken).ConfigureAwait(false);
        return total;
    }

    /// <summary>Folds deltas into the base row in one transaction; a concurrent compaction makes it fail harmlessly.</summary>
    private async Task CompactAsync(string partitionKey, CampaignCounterEntity? baseRow, List<CampaignCounterEntity> deltas, CancellationToken cancellationToken)
    {
        var counts = CampaignCounts.FromJson(baseRow?.CountsJson);
        foreach (var delta in deltas)
            counts.Add(CampaignCounts.FromJson(delta.CountsJson));
        var newBase = new CampaignCounterEntity { PartitionKey = partitionKey, RowKey = CampaignCounterEntity.BaseRowKey, CountsJson = counts.ToJson() };
        var actions = new List<TableTransactionAction>
        {
            baseRow is null
                ? new(TableTransactionActionType.Add, newBase)
                : new(TableTransactionActionType.UpdateReplace, newBase, baseRow.ETag),
        };
        actions.AddRange(deltas.Select(d => new TableTransactionAction(TableTransactionActionType.Delete, d, d.ETag)));
        try
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            // Another reader compacted first; the next read tries again.
        }
    }

    /// <summary>One page of recipients (counter rows excluded), optionally only those in <paramref name="status"/>.</summary>
    public Task<ResultPage<CampaignRecipientEntity>> PageAsync(string partitionKey, string? status, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(Table.QueryAsync<CampaignRecipientEntity>(Filter(partitionKey, status), pageSize, cancellationToken: cancellationToken), continuationToken, pageSize, r => r);

    /// <summary>Every recipient in <paramref name="status"/>, page by page.</summary>
    public async IAsyncEnumerable<IReadOnlyList<CampaignRecipientEntity>> PagesAsync(
        string partitionKey, string? status, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in Table.QueryAsync<CampaignRecipientEntity>(Filter(partitionKey, status), BatchSize, cancellationToken: cancellationToken).AsPages(pageSizeHint: BatchSize).ConfigureAwait(false))
        {
            if (page.Values.Count > 0)
                yield return page.Values;
        }
    }

    /// <summary>Seam for the conversations feature: the contact replied to this campaign message (counted once).</summary>
    public async Task MarkRepliedAsync(string partitionKey, string rowKey, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var rows = await GetManyAsync(partitionKey, [rowKey], cancellationToken).ConfigureAwait(false);
        await ChangeAsync(partitionKey, rows, r =>
        {
            if (r.RepliedAt is not null)
                return false;
            r.RepliedAt = at;
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Filter(string partitionKey, string? status) => status is null
        ? TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey lt {CampaignCounterEntity.Prefix}")
        : TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey lt {CampaignCounterEntity.Prefix} and Status eq {status}");

    private static TableTransactionAction DeltaAction(string partitionKey, CampaignCounts counts) =>
        new(TableTransactionActionType.Add, new CampaignCounterEntity
        {
            PartitionKey = partitionKey,
            RowKey = CampaignCounterEntity.DeltaPrefix + Guid.CreateVersion7().ToString("N"),
            CountsJson = counts.ToJson(),
        });
}
