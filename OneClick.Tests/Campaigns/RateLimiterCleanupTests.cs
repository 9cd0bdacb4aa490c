using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Campaigns;
using OneClick.Core.Storage;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

[Collection(SharedEnvironment.Name)]
public sealed class RateLimiterCleanupTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_reservation_deletes_the_tenants_pacing_rows_of_seconds_long_gone_and_keeps_the_current_ones()
    {
        var tenant = await env.CreateTenantAsync();
        var table = env.Storage.Table(TableNames.RateLimits);
        var hourAgo = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();
        foreach (var second in new[] { hourAgo, hourAgo + 1 })
            await table.AddEntityAsync(new RateWindowEntity { PartitionKey = tenant.Id, RowKey = $"{second.ToString("D12", CultureInfo.InvariantCulture)}|00", Used = 5 });

        var times = await env.App.Services.GetRequiredService<TenantRateLimiter>().ReserveAsync(tenant.Id, 3, 80, CancellationToken.None);

        Assert.Equal(3, times.Count);
        var rows = new List<RateWindowEntity>();
        await foreach (var row in table.QueryAsync<RateWindowEntity>(r => r.PartitionKey == tenant.Id))
            rows.Add(row);
        // What is left is this reservation's second (or two, at a second's end), none of the old ones.
        Assert.InRange(rows.Count, 1, 2);
        Assert.All(rows, r => Assert.True(long.Parse(r.RowKey[..12], CultureInfo.InvariantCulture) >= DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), r.RowKey));
    }

    [Fact]
    public async Task Two_instances_that_insert_new_seconds_without_reading_never_reserve_the_same_slot()
    {
        var tenant = await env.CreateTenantAsync();
        var storage = env.App.Services.GetRequiredService<StorageAccount>();
        // Two instances: each believes the seconds ahead are new and inserts their rows without reading them first;
        // one of them loses each race (a conflict), reads the row and takes the slots that are left.
        var (first, second) = (new TenantRateLimiter(storage, TimeProvider.System), new TenantRateLimiter(storage, TimeProvider.System));
        const int perSecond = 11; // capacity 10 a second, one row a second

        var reserved = await Task.WhenAll(
            first.ReserveAsync(tenant.Id, 25, perSecond, CancellationToken.None),
            second.ReserveAsync(tenant.Id, 25, perSecond, CancellationToken.None));

        var times = reserved.SelectMany(t => t).Order().ToList();
        Assert.Equal(50, times.Count);
        Assert.Equal(50, times.Distinct().Count());
        for (var i = 10; i < times.Count; i++)
            Assert.True(times[i] - times[i - 10] >= TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(1), $"Eleven slots within {times[i] - times[i - 10]}: two instances took the same second's budget.");
    }

    [Fact]
    public async Task A_reservation_into_a_row_this_instance_wrote_last_reads_nothing_and_one_written_since_elsewhere_is_read()
    {
        var tenant = await env.CreateTenantAsync();
        // Both instances live in one second, so every reservation below goes into the same row.
        var clock = new FrozenClock(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var (first, firstRequests) = Limiter(clock);
        var (other, _) = Limiter(clock);
        const int perSecond = 80; // capacity 72 a second, one row a second

        var times = new List<DateTimeOffset>(await first.ReserveAsync(tenant.Id, 3, perSecond, CancellationToken.None));
        var before = firstRequests.Requests.Count;
        times.AddRange(await first.ReserveAsync(tenant.Id, 3, perSecond, CancellationToken.None));
        Assert.Equal(1, firstRequests.Requests.Count - before); // a write under the ETag it got back: no read

        times.AddRange(await other.ReserveAsync(tenant.Id, 3, perSecond, CancellationToken.None));
        before = firstRequests.Requests.Count;
        times.AddRange(await first.ReserveAsync(tenant.Id, 3, perSecond, CancellationToken.None));
        Assert.Equal(3, firstRequests.Requests.Count - before); // refused (the other instance wrote since), read, written

        Assert.Equal(12, times.Distinct().Count());
        var row = await PacingRowAsync(tenant.Id, clock);
        Assert.Equal(12, row.Value.Used);
    }

    [Fact]
    public async Task Batches_of_one_instance_reserving_into_one_row_at_once_take_every_slot_once()
    {
        var tenant = await env.CreateTenantAsync();
        var clock = new FrozenClock(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var (limiter, _) = Limiter(clock);
        await limiter.ReserveAsync(tenant.Id, 1, 80, CancellationToken.None); // the row exists and its ETag is known

        // Eight batches at once under one ETag: one write wins each round, the others go on from the write it kept.
        var reserved = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => limiter.ReserveAsync(tenant.Id, 5, 80, CancellationToken.None)));

        Assert.Equal(40, reserved.SelectMany(t => t).Distinct().Count());
        var row = await PacingRowAsync(tenant.Id, clock);
        Assert.Equal(41, row.Value.Used);
    }

    /// <summary>The tenant's pacing row of the clock's second (one shard at these limits).</summary>
    private async Task<Azure.Response<RateWindowEntity>> PacingRowAsync(string tenantId, TimeProvider clock) =>
        await env.Storage.Table(TableNames.RateLimits).GetEntityAsync<RateWindowEntity>(tenantId, $"{clock.GetUtcNow().ToUnixTimeSeconds().ToString("D12", CultureInfo.InvariantCulture)}|00");

    /// <summary>A limiter of its own, as another instance's would be, whose every storage request is recorded.</summary>
    private (TenantRateLimiter Limiter, StorageRequestRecorder Recorder) Limiter(TimeProvider clock)
    {
        var (storage, recorder) = StorageRequestRecorder.Storage(env.Azurite.ConnectionString);
        return (new TenantRateLimiter(storage, clock), recorder);
    }

    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
