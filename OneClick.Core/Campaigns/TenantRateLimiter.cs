using System.Globalization;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns;

/// <summary>One second of a tenant's send budget: table "ratelimits", PartitionKey = tenant id, RowKey = unix second.</summary>
public sealed class RateWindowEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public int Used { get; set; }
}

/// <summary>
/// A store-backed limiter shared by every invocation and instance: each second of a tenant's phone number has a
/// row counting the sends reserved in it, taken with ETag-checked writes, a whole batch's worth in one write.
/// A reservation returns a send time per token, spaced 1/limit apart within its second, so no sliding
/// one-second window ever holds more than the limit (Meta's throughput is measured that way), with 10% headroom.
/// Rows of seconds long gone are deleted by the tenant's next reservation, at most once a minute per instance.
/// A second later than any this instance has seen a row for is most likely new: its row is inserted without reading
/// it first (a conflict means another instance was there first: read it and go on as usual), which saves a read per
/// reservation into a new second, most of them while a campaign runs. And a row this instance wrote last is not read
/// either: the count it wrote and the ETag that came back are kept, and the next write goes under that ETag (a
/// refusal means another writer was there since: a batch of this instance, whose write is known here too, or another
/// instance, whose row is read). So one instance pacing a campaign rarely reads a row.
/// </summary>
public sealed class TenantRateLimiter(StorageAccount storage, TimeProvider clock)
{
    /// <summary>How long a second's row is kept: only the current second and the next ones are ever reserved in.</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _cleanedAt = new(StringComparer.Ordinal);
    /// <summary>Per tenant and shard, the newest second this instance knows has a row.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, int Shard), long> _newestKnown = new();
    /// <summary>Per tenant and shard, the row this instance wrote last: its second, the count written and the ETag back.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, int Shard), Written> _lastWritten = new();

    private TableClient Table => storage.Table(TableNames.RateLimits);

    public async Task<IReadOnlyList<DateTimeOffset>> ReserveAsync(string tenantId, int count, int perSecond, CancellationToken cancellationToken)
    {
        // 10% headroom (at least one send): requests that leave on time can still arrive bunched up by network
        // jitter, and Meta counts a sliding window; sending at exactly the limit would now and then cross it.
        var capacity = Math.Max(1, perSecond - Math.Max(1, perSecond / 10));
        // A high limit is split over shard rows (a second's slots k ≡ shard mod shards) so concurrent batches
        // do not all contend for one row; a low limit keeps one row per second, exact.
        var shards = Math.Clamp(capacity / 200, 1, 16);
        var times = new List<DateTimeOffset>(count);
        var second = clock.GetUtcNow().ToUnixTimeSeconds();
        var shard = Random.Shared.Next(shards);
        var shardsTried = 0;
        var readFirst = false;
        while (times.Count < count)
        {
            // A slow store must not leave this loop walking seconds that have already gone by: start from now.
            var now = clock.GetUtcNow();
            if (second < now.ToUnixTimeSeconds())
                (second, shardsTried) = (now.ToUnixTimeSeconds(), 0);
            var key = KeyOf(second, shard);
            // Slots of this shard in this second: k = shard, shard + shards, shard + 2·shards, … below capacity.
            var slots = (capacity - shard + shards - 1) / shards;
            // Slots of this second that have already passed are burnt: sending them now would bunch sends up.
            var elapsed = now - DateTimeOffset.FromUnixTimeSeconds(second);
            var firstFree = elapsed <= TimeSpan.Zero ? 0 : (int)Math.Min(slots, Math.Ceiling(elapsed.Ticks * (double)capacity / TimeSpan.TicksPerSecond / shards));
            RateWindowEntity? row = null;
            if (firstFree < slots && second <= _newestKnown.GetValueOrDefault((tenantId, shard), long.MinValue))
            {
                row = !readFirst && _lastWritten.TryGetValue((tenantId, shard), out var written) && written.Second == second
                    ? new RateWindowEntity { PartitionKey = tenantId, RowKey = key, Used = written.Used, ETag = written.ETag }
                    : await Table.FindAsync<RateWindowEntity>(tenantId, key, cancellationToken).ConfigureAwait(false);
                readFirst = false;
            }
            var used = row?.Used ?? 0;
            var from = Math.Max(used, firstFree);
            var take = Math.Min(count - times.Count, slots - from);
            if (take <= 0)
            {
                shard = (shard + 1) % shards;
                if (++shardsTried >= shards)
                    (second, shardsTried) = (second + 1, 0);
                continue;
            }
            var reserved = new RateWindowEntity { PartitionKey = tenantId, RowKey = key, Used = from + take };
            Response response;
            try
            {
                response = row is null
                    ? await Table.AddEntityAsync(reserved, cancellationToken).ConfigureAwait(false)
                    : await Table.UpdateEntityAsync(reserved, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (TableErrors.IsConflict(e) || TableErrors.IsPreconditionFailed(e))
            {
                Known(tenantId, shard, second);
                // Someone else reserved in this shard meanwhile. Another batch of this instance: its write is known
                // here, go on from it. Another instance: read the row again.
                readFirst = !(_lastWritten.TryGetValue((tenantId, shard), out var latest) && latest.Second == second && latest.ETag != (row?.ETag ?? default));
                continue;
            }
            Known(tenantId, shard, second);
            if (response.Headers.ETag is { } etag)
                Wrote(tenantId, shard, new Written(second, reserved.Used, etag));
            var start = DateTimeOffset.FromUnixTimeSeconds(second);
            for (var i = from; i < from + take; i++)
                times.Add(start + TimeSpan.FromTicks(TimeSpan.TicksPerSecond * ((i * (long)shards) + shard) / capacity));
        }
        times.Sort();
        await CleanUpAsync(tenantId, cancellationToken).ConfigureAwait(false);
        return times;
    }

    private void Known(string tenantId, int shard, long second) =>
        _newestKnown.AddOrUpdate((tenantId, shard), second, (_, known) => Math.Max(known, second));

    /// <summary>Keeps the newest write: batches of one instance may finish their writes out of order.</summary>
    private void Wrote(string tenantId, int shard, Written written) =>
        _lastWritten.AddOrUpdate((tenantId, shard), written, (_, kept) => (kept.Second, kept.Used).CompareTo((written.Second, written.Used)) > 0 ? kept : written);

    private sealed record Written(long Second, int Used, ETag ETag);

    private static string KeyOf(long second, int shard) => $"{second.ToString("D12", CultureInfo.InvariantCulture)}|{shard:D2}";

    /// <summary>Deletes the tenant's rows of seconds older than <see cref="KeepFor"/> (keys sort by time).</summary>
    private async Task CleanUpAsync(string tenantId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cleanedAt.TryGetValue(tenantId, out var last) && now - last < KeepFor)
            return;
        _cleanedAt[tenantId] = now;
        var before = KeyOf((now - KeepFor).ToUnixTimeSeconds(), 0);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and RowKey lt {before}");
        await foreach (var page in Table.QueryAsync<RateWindowEntity>(filter, 100, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            if (page.Values.Count == 0)
                continue;
            try
            {
                await Table.SubmitTransactionAsync(page.Values.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Another instance deleted some of them first; the rest go next time.
            }
        }
    }
}
