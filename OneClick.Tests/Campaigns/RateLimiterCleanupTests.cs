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
}
