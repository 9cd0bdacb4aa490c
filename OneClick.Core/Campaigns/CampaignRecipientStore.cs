using System.Globalization;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns;

/// <summary>
/// The recipients of each occurrence, spread over <see cref="Shards"/> partitions by a hash of the recipient key
/// (<see cref="PartitionOf"/>), so one occurrence gets several partitions' throughput in Azure. Methods take the
/// occurrence's key (<see cref="CampaignRecipientEntity.PartitionFor"/>) and find the shards themselves; rows read
/// or written carry their shard partition. Every change goes through an entity-group transaction that updates up to
/// <see cref="BatchSize"/> rows of one shard under their ETags and adds one counter delta row to that shard, so a
/// status change and its count are one atomic write: no lost increments, no double counts.
/// </summary>
public sealed class CampaignRecipientStore(StorageAccount storage, TimeProvider clock)
{
    /// <summary>Recipients per transaction and per send batch: 99 rows + 1 counter delta = Table Storage's 100 actions.</summary>
    public const int BatchSize = 99;
    /// <summary>
    /// Partitions per occurrence. A partition takes about 2,000 entity writes a second and a recipient costs about six
    /// (insert, claim, result; sent, delivered, read), so four keep one occurrence above Meta's 1,000 messages a second.
    /// </summary>
    public const int Shards = 4;
    private const int CompactAbove = 40;
    private const int PointReadsUpTo = 4;

    private TableClient Table => storage.Table(TableNames.CampaignRecipients);

    /// <summary>The rows this instance wrote last, with their ETags: their next status needs no read.</summary>
    public StatusWebhooks.RowVersions RowVersions { get; } = new();

    /// <summary>A writer for status webhooks on this table; each holds its own per-shard queues (one per processor).</summary>
    public StatusWebhooks.CampaignStatusWriter StatusWriter(TimeProvider writerClock) => new(Table, writerClock, RowVersions);

    /// <summary>The shard partition of a recipient, "{occurrence key}|{0…Shards-1}", from a stable hash of its key.</summary>
    public static string PartitionOf(string occurrence, string rowKey)
    {
        ArgumentNullException.ThrowIfNull(rowKey);
        var hash = 2166136261u; // FNV-1a: the same in every process and version, unlike string.GetHashCode
        foreach (var c in rowKey)
            hash = (hash ^ c) * 16777619u;
        return $"{occurrence}|{(hash % Shards).ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Rows grouped by shard and cut into transaction-sized batches: each batch is one partition.</summary>
    public static IEnumerable<CampaignRecipientEntity[]> Batches(string occurrence, IEnumerable<CampaignRecipientEntity> rows) =>
        rows.GroupBy(r => PartitionOf(occurrence, r.RowKey), StringComparer.Ordinal).SelectMany(shard => shard.Chunk(BatchSize));

    /// <summary>
    /// Adds new recipients (and their counts), each in its shard. Rows that already exist (the same contact from
    /// another audience source, or a retried dispatch step) are left alone and returned as they are stored.
    /// </summary>
    public async Task<(List<CampaignRecipientEntity> Added, List<CampaignRecipientEntity> Existing)> InsertAsync(
        string occurrence, IReadOnlyList<CampaignRecipientEntity> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var added = new List<CampaignRecipientEntity>();
        var existing = new List<CampaignRecipientEntity>();
        foreach (var row in rows)
            row.PartitionKey = PartitionOf(occurrence, row.RowKey);
        foreach (var chunk in Batches(occurrence, rows))
        {
            var partition = chunk[0].PartitionKey;
            var toAdd = chunk.ToList();
            for (var attempt = 0; toAdd.Count > 0; attempt++)
            {
                var counts = new CampaignCounts();
                foreach (var row in toAdd)
                    counts.Add(CampaignCounts.Bucket(row), 1);
                var actions = toAdd.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)).Append(DeltaAction(partition, counts)).ToList();
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
                    var found = await GetManyAsync(occurrence, toAdd.Select(r => r.RowKey).ToList(), cancellationToken).ConfigureAwait(false);
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
    /// range query per shard over the keys' span.
    /// </summary>
    public async Task<List<CampaignRecipientEntity>> GetManyAsync(string occurrence, IReadOnlyCollection<string> rowKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rowKeys);
        if (rowKeys.Count <= PointReadsUpTo)
        {
            var found = await Task.WhenAll(rowKeys.Distinct(StringComparer.Ordinal)
                .Select(k => Table.FindAsync<CampaignRecipientEntity>(PartitionOf(occurrence, k), k, cancellationToken))).ConfigureAwait(false);
            return found.OfType<CampaignRecipientEntity>().ToList();
        }
        var shards = await Task.WhenAll(rowKeys.Distinct(StringComparer.Ordinal).GroupBy(k => PartitionOf(occurrence, k), StringComparer.Ordinal)
            .Select(shard => RangeAsync(shard.Key, shard.ToHashSet(StringComparer.Ordinal), cancellationToken))).ConfigureAwait(false);
        return shards.SelectMany(rows => rows).ToList();
    }

    private async Task<List<CampaignRecipientEntity>> RangeAsync(string partition, HashSet<string> wanted, CancellationToken cancellationToken)
    {
        var first = wanted.Min(StringComparer.Ordinal)!;
        var last = wanted.Max(StringComparer.Ordinal)!;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {first} and RowKey le {last}");
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
    /// rows with their counter delta in transactions of <see cref="BatchSize"/> per shard. When a row changed under us
    /// (a webhook got there first), the chunk is read again and the change reapplied to what is stored now.
    /// Returns the rows that were changed, as written.
    /// </summary>
    public async Task<List<CampaignRecipientEntity>> ChangeAsync(
        string occurrence, IEnumerable<CampaignRecipientEntity> rows, Func<CampaignRecipientEntity, bool> change, CancellationToken cancellationToken) =>
        (await ChangeAsync(occurrence, rows, change, readAgainOnConflict: true, cancellationToken).ConfigureAwait(false))!;

    /// <summary>
    /// Like <see cref="ChangeAsync(string, IEnumerable{CampaignRecipientEntity}, Func{CampaignRecipientEntity, bool}, CancellationToken)"/>
    /// for rows of one shard believed unchanged since they were written (up to one transaction's worth): null, and
    /// nothing written, when any of them changed under us.
    /// </summary>
    public Task<List<CampaignRecipientEntity>?> ChangeIfUnchangedAsync(
        string occurrence, IReadOnlyCollection<CampaignRecipientEntity> rows, Func<CampaignRecipientEntity, bool> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows.Count, BatchSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows.Select(r => r.PartitionKey).Distinct(StringComparer.Ordinal).Count(), 1, nameof(rows));
        return ChangeAsync(occurrence, rows, change, readAgainOnConflict: false, cancellationToken);
    }

    private async Task<List<CampaignRecipientEntity>?> ChangeAsync(
        string occurrence, IEnumerable<CampaignRecipientEntity> rows, Func<CampaignRecipientEntity, bool> change, bool readAgainOnConflict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var written = new List<CampaignRecipientEntity>();
        foreach (var original in Batches(occurrence, rows))
        {
            var partition = PartitionOf(occurrence, original[0].RowKey);
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
                    actions.Add(DeltaAction(partition, counts));
                try
                {
                    var response = await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                    for (var i = 0; i < changed.Count; i++)
                    {
                        if (response.Value[i].Headers.ETag is not { } etag)
                            continue;
                        changed[i].ETag = etag;
                        RowVersions.Note(changed[i]);
                    }
                    written.AddRange(changed);
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && !readAgainOnConflict)
                {
                    return null;
                }
                catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && attempt < 50)
                {
                    chunk = await GetManyAsync(occurrence, chunk.Select(r => r.RowKey).ToList(), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        return written;
    }

    /// <summary>
    /// Counts of one occurrence: each shard's base row plus every delta not yet folded in, read in one query across
    /// the shards (folding a shard's deltas when it has many).
    /// </summary>
    public async Task<CampaignCounts> ReadCountsAsync(string occurrence, CancellationToken cancellationToken)
    {
        var total = new CampaignCounts();
        var shards = new Dictionary<string, (CampaignCounterEntity? Base, List<CampaignCounterEntity> Deltas)>(StringComparer.Ordinal);
        // Counter rows sort between "~" and "~~"; status markers (StatusWebhooks.StatusMarkers) come after.
        var filter = $"{ShardsFilter(occurrence)} and {TableClient.CreateQueryFilter($"RowKey ge {CampaignCounterEntity.Prefix} and RowKey lt {StatusWebhooks.StatusMarkers.Prefix}")}";
        await foreach (var row in Table.QueryAsync<CampaignCounterEntity>(filter, 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            total.Add(CampaignCounts.FromJson(row.CountsJson));
            var shard = shards.TryGetValue(row.PartitionKey, out var found) ? found : (null, []);
            if (row.RowKey == CampaignCounterEntity.BaseRowKey)
                shard.Base = row;
            else if (!CampaignCounterEntity.IsRunningDelta(row.RowKey))
                shard.Deltas.Add(row); // a running delta is its writer's to rewrite: it is summed, never folded
            shards[row.PartitionKey] = shard;
        }
        foreach (var (partition, shard) in shards.Where(s => s.Value.Deltas.Count > CompactAbove))
            await CompactAsync(partition, shard.Base, shard.Deltas.Take(BatchSize).ToList(), cancellationToken).ConfigureAwait(false);
        return total;
    }

    /// <summary>Folds a shard's deltas into its base row in one transaction; a concurrent compaction makes it fail harmlessly.</summary>
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

    /// <summary>One page of recipients (counter rows excluded), optionally only those in <paramref name="status"/>, shard after shard.</summary>
    public Task<ResultPage<CampaignRecipientEntity>> PageAsync(string occurrence, string? status, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(Table.QueryAsync<CampaignRecipientEntity>(Filter(occurrence, status), pageSize, cancellationToken: cancellationToken), continuationToken, pageSize, r => r);

    /// <summary>Every recipient in <paramref name="status"/>, page by page, shard after shard.</summary>
    public async IAsyncEnumerable<IReadOnlyList<CampaignRecipientEntity>> PagesAsync(
        string occurrence, string? status, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in Table.QueryAsync<CampaignRecipientEntity>(Filter(occurrence, status), BatchSize, cancellationToken: cancellationToken).AsPages(pageSizeHint: BatchSize).ConfigureAwait(false))
        {
            if (page.Values.Count > 0)
                yield return page.Values;
        }
    }

    /// <summary>Seam for the conversations feature: the contact replied to this campaign message (counted once).</summary>
    /// <param name="partitionKey">The row's own (shard) partition, as indexed at send time.</param>
    public async Task MarkRepliedAsync(string partitionKey, string rowKey, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        if (await Table.FindAsync<CampaignRecipientEntity>(partitionKey, rowKey, cancellationToken).ConfigureAwait(false) is not { } row)
            return;
        await ChangeAsync(partitionKey[..partitionKey.LastIndexOf('|')], [row], r =>
        {
            if (r.RepliedAt is not null)
                return false;
            r.RepliedAt = at;
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every shard partition of the occurrence: "{key}|0" … "{key}|{Shards-1}" sort between "{key}|" and "{key}|~".</summary>
    private static string ShardsFilter(string occurrence) =>
        TableClient.CreateQueryFilter($"PartitionKey ge {occurrence + "|"} and PartitionKey lt {occurrence + "|~"}");

    private static string Filter(string occurrence, string? status) => status is null
        ? $"{ShardsFilter(occurrence)} and {TableClient.CreateQueryFilter($"RowKey lt {CampaignCounterEntity.Prefix}")}"
        : $"{ShardsFilter(occurrence)} and {TableClient.CreateQueryFilter($"RowKey lt {CampaignCounterEntity.Prefix} and Status eq {status}")}";

    internal static TableTransactionAction DeltaAction(string partitionKey, CampaignCounts counts) =>
        new(TableTransactionActionType.Add, new CampaignCounterEntity
        {
            PartitionKey = partitionKey,
            RowKey = CampaignCounterEntity.NewDeltaRowKey(),
            CountsJson = counts.ToJson(),
        });
}
