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
/// </summary>
public sealed class TenantRateLimiter(StorageAccount storage, TimeProvider clock)
{
    private TableClient Table => storage.Table(TableNames.RateLimits);

    public async Task<IReadOnlyList<DateTimeOffset>> ReserveAsync(string tenantId, int count, int perSecond, CancellationToken cancellationToken)
    {
        // 10% headroom (at least one send): requests that leave on time can still arrive bunched up by network
        // jitter, and Meta counts a sliding window; sending at exactly the limit would now and then cross it.
        perSecond = Math.Max(1, perSecond - Math.Max(1, perSecond / 10));
        var times = new List<DateTimeOffset>(count);
        var second = clock.GetUtcNow().ToUnixTimeSeconds();
        while (times.Count < count)
        {
            var key = second.ToString("D12", CultureInfo.InvariantCulture);
            var row = await Table.FindAsync<RateWindowEntity>(tenantId, key, cancellationToken).ConfigureAwait(false);
            var used = row?.Used ?? 0;
            // Slots of this second that have already passed are burnt: sending them now would bunch sends up.
            var elapsed = clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(second);
            var firstFree = elapsed <= TimeSpan.Zero ? 0 : (int)Math.Min(perSecond, Math.Ceiling(elapsed.Ticks * (double)perSecond / TimeSpan.TicksPerSecond));
            var from = Math.Max(used, firstFree);
            var take = Math.Min(count - times.Count, perSecond - from);
            if (take <= 0)
            {
                second++;
                continue;
            }
            try
            {
                if (row is null)
                    await Table.AddEntityAsync(new RateWindowEntity { PartitionKey = tenantId, RowKey = key, Used = from + take }, cancellationToken).ConfigureAwait(false);
                else
                {
                    row.Used = from + take;
                    await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RequestFailedException e) when (TableErrors.IsConflict(e) || TableErrors.IsPreconditionFailed(e))
            {
                continue; // someone else reserved in this second meanwhile: read it again
            }
            var start = DateTimeOffset.FromUnixTimeSeconds(second);
            for (var k = from; k < from + take; k++)
                times.Add(start + TimeSpan.FromTicks(TimeSpan.TicksPerSecond * k / perSecond));
            second++;
        }
        return times;
    }
}
