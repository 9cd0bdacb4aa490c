using Azure;
using Azure.Data.Tables;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.DevTools;

/// <summary>
/// Azurite keeps its data in lokijs 1.5.12, whose sorted indices cost time in proportion to the whole collection:
/// it re-sorted every index whenever documents were removed through a batch, even an empty one (every queue request),
/// scanned every index end to end on each update, and Azurite replaced an entity by removing it (which shifts every
/// position in every index) and inserting it again. So Azurite stalled under sustained queue traffic, and every table
/// write slowed as its table grew (docs/benchmarks.md, "Azurite's stalls" and "Azurite's table writes"). npm ci applies
/// patches/lokijs+1.5.12.patch and patches/azurite+3.37.0.patch through patch-package; these check that the copies
/// loaded here are the patched ones and that Azurite still answers as Table Storage does.
/// </summary>
public sealed class StorageEmulatorPatchTests
{
    [Fact]
    public async Task Azurites_lokijs_keeps_its_indices_in_place_on_removals_and_updates_and_azurite_replaces_in_place()
    {
        var output = await NodeScript.RunAsync("DevTools/azurite-patches.cjs", TimeSpan.FromSeconds(60));
        Assert.Equal("ok", output.Trim());
    }

    /// <summary>What the replace-in-place patch must not change: replace semantics, ETags, and a refused transaction's rollback.</summary>
    [Fact]
    public async Task A_replaced_entity_is_found_once_with_its_new_etag_and_a_refused_transaction_restores_it()
    {
        await using var azurite = await Azurite.StartAsync();
        var table = new TableClient(azurite.ConnectionString, "replaced");
        await table.CreateAsync();
        for (var i = 0; i < 20; i++)
            await table.AddEntityAsync(new TableEntity("p", $"r{i:00}") { ["N"] = i });

        var original = (await table.GetEntityAsync<TableEntity>("p", "r07")).Value;
        await table.UpdateEntityAsync(new TableEntity("p", "r07") { ["M"] = "replaced" }, original.ETag, TableUpdateMode.Replace);
        var replaced = (await table.GetEntityAsync<TableEntity>("p", "r07")).Value;
        Assert.Equal("replaced", replaced["M"]);
        Assert.False(replaced.ContainsKey("N")); // a replace drops the properties it does not name
        Assert.NotEqual(original.ETag, replaced.ETag);
        var stale = await Assert.ThrowsAsync<RequestFailedException>(() =>
            table.UpdateEntityAsync(new TableEntity("p", "r07") { ["M"] = "stale" }, original.ETag, TableUpdateMode.Replace));
        Assert.Equal(412, stale.Status);

        // A transaction that replaces and merges, then fails on its last action, leaves every entity as it was.
        var refused = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "r07") { ["M"] = "in a refused transaction" }, replaced.ETag),
            new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity("p", "r08") { ["N"] = -8 }),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "r09")),
        ]));
        Assert.Equal(2, refused.FailedTransactionActionIndex);
        Assert.Equal("replaced", (await table.GetEntityAsync<TableEntity>("p", "r07")).Value["M"]);
        Assert.Equal(8, (await table.GetEntityAsync<TableEntity>("p", "r08")).Value["N"]);

        var rows = await table.QueryAsync<TableEntity>(e => e.PartitionKey == "p").Select(e => e.RowKey).ToListAsync();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"r{i:00}"), rows);
        Assert.Single(await table.QueryAsync<TableEntity>(e => e.PartitionKey == "p" && e.RowKey == "r07").ToListAsync());
    }
}
