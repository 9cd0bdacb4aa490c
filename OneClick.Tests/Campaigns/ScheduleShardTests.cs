using System.Net;
using Azure.Data.Tables;
using OneClick.Core.Scheduling;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

/// <summary>The due-schedule index is sharded by tenant; a tenant's list pages through its own rows only; rows from before sharding move over.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class ScheduleShardTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_tenants_schedules_are_in_its_shard_and_its_list_pages_through_its_own_rows_only()
    {
        var (tenant, other) = (await env.CreateTenantAsync(), await env.CreateTenantAsync());
        var later = DateTimeOffset.UtcNow.AddDays(2).ToString("O");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add(await tenant.SendMessageAsync(new { to = CampaignTestKit.NewPhone(), type = "text", text = new { body = $"later {i}" }, scheduleFor = later }));
        await other.SendMessageAsync(new { to = CampaignTestKit.NewPhone(), type = "text", text = new { body = "not yours" }, scheduleFor = later });

        var rows = await RowsAsync($"TenantId eq '{tenant.Id}'");
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(DueScheduleEntity.PartitionFor(tenant.Id), r.PartitionKey));

        var listed = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await tenant.Get("api/schedules?pageSize=2" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            page.AssertStatus(HttpStatusCode.OK);
            listed.AddRange(page.Json["items"]!.AsArray().Select(i => i!["messageId"]!.GetValue<string>()));
            token = page.Json["continuationToken"]?.GetValue<string>();
            pages++;
        }
        while (token is not null && pages < 10);
        Assert.Equal(ids.Order(), listed.Order());
        Assert.True(pages >= 2, "Three schedules in pages of two came in one page.");
    }

    [Fact]
    public async Task A_row_from_before_sharding_is_moved_to_its_shard_by_the_timer_and_stays_listed_and_cancellable()
    {
        var tenant = await env.CreateTenantAsync();
        var messageId = await tenant.SendMessageAsync(new { to = CampaignTestKit.NewPhone(), type = "text", text = new { body = "old" }, scheduleFor = DateTimeOffset.UtcNow.AddDays(1).ToString("O") });
        // As the previous version stored it: the same row in the one shared partition.
        var table = env.Storage.Table(TableNames.DueSchedules);
        var row = Assert.Single(await RowsAsync($"MessageId eq '{messageId}'"));
        await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        row.PartitionKey = DueScheduleEntity.LegacyPartition;
        await table.AddEntityAsync(row);

        // The list reads the tenant's shard only: until the next timer run (a minute at most) such a row is not listed.
        Assert.Empty((await tenant.Get("api/schedules")).Json["items"]!.AsArray());
        await env.RunDueSchedulesAsync();

        var moved = Assert.Single(await RowsAsync($"MessageId eq '{messageId}'"));
        Assert.Equal(DueScheduleEntity.PartitionFor(tenant.Id), moved.PartitionKey);
        var item = Assert.Single((await tenant.Get("api/schedules")).Json["items"]!.AsArray());
        (await tenant.Send(HttpMethod.Delete, $"api/schedules/{item!["id"]!.GetValue<string>()}", null)).AssertStatus(HttpStatusCode.NoContent);
        Assert.Empty(await RowsAsync($"MessageId eq '{messageId}'"));
    }

    private async Task<List<TableEntity>> RowsAsync(string filter)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in env.Storage.Table(TableNames.DueSchedules).QueryAsync<TableEntity>(filter))
            rows.Add(row);
        return rows;
    }
}
