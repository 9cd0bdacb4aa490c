using Azure;
using Azure.Data.Tables;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.DevTools;

/// <summary>
/// Azurite keeps its data in lokijs 1.5.12, whose sorted indices cost time in proportion to the whole collection:
/// it re-sorted every index whenever documents were removed through a batch, even an empty one (every queue request),
/// scanned every index end to end on each update, and Azurite replaced an entity by removing it (which shifts every
/// position in every index) and inserting it again; it read the whole table for every query; and its queue garbage
/// collector removed the bodies of deleted messages one at a time, each removal copying the whole collection. So Azurite
/// stalled under sustained queue traffic, and every table write and query slowed as its table grew (docs/benchmarks.md,
/// "Azurite's stalls", "Azurite's table writes", "Azurite's queries" and "Azurite's queue sweeps"). npm ci applies
/// patches/lokijs+1.5.12.patch and patches/azurite+3.37.0.patch through patch-package; these check that the copies
/// loaded here are the patched ones and that Azurite still answers as Table Storage does.
/// </summary>
public sealed class StorageEmulatorPatchTests
{
    [Fact]
    public async Task Azurites_lokijs_keeps_its_indices_in_place_and_azurite_replaces_in_place_and_sweeps_message_bodies_at_once()
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

    /// <summary>
    /// Azurite read the whole table for every query; patched, a filter that bounds PartitionKey or RowKey reads only
    /// what the key's index puts in those bounds. lokijs orders an index with number-like strings first (by value), so
    /// the keys here mix them with plain ones; every answer must be exactly what a scan in ordinal order gives.
    /// </summary>
    [Fact]
    public async Task A_query_bounded_by_its_keys_answers_exactly_what_the_whole_table_answers()
    {
        string[] keys = ["", "0", "01", "1", "1.0", "10", "9", "-3", "1e3", " 5", "Infinity", "1a", "a", "a|b", "a|b|~", "z", "~", "~~", "é", "x'y"];
        await using var azurite = await Azurite.StartAsync();
        var table = new TableClient(azurite.ConnectionString, "keyranges");
        await table.CreateAsync();
        foreach (var partition in keys)
            await table.SubmitTransactionAsync(keys.Select(row => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, row))));
        var all = keys.SelectMany(p => keys.Select(r => (P: p, R: r))).ToList();

        async Task CheckAsync(string filter, Func<string, string, bool> expected)
        {
            var want = all.Where(e => expected(e.P, e.R)).OrderBy(e => e.P, StringComparer.Ordinal).ThenBy(e => e.R, StringComparer.Ordinal).ToList();
            // Small pages, so the continuation is taken from inside the bounds too.
            var got = await table.QueryAsync<TableEntity>(filter, maxPerPage: 7, select: ["PartitionKey", "RowKey"]).Select(e => (P: e.PartitionKey, R: e.RowKey)).ToListAsync();
            Assert.True(want.SequenceEqual(got), $"{filter}: expected {want.Count} entities, got {got.Count}");
        }

        static int Compare(string a, string b) => string.CompareOrdinal(a, b);
        var operators = new (string Name, Func<int, bool> Holds)[] { ("eq", c => c == 0), ("ge", c => c >= 0), ("gt", c => c > 0), ("le", c => c <= 0), ("lt", c => c < 0) };
        foreach (var key in keys)
        {
            var literal = TableClient.CreateQueryFilter($"{key}");
            foreach (var (name, holds) in operators)
            {
                await CheckAsync($"PartitionKey {name} {literal}", (p, _) => holds(Compare(p, key)));
                await CheckAsync($"RowKey {name} {literal}", (_, r) => holds(Compare(r, key)));
            }
            // The constant first, as a filter may put it.
            await CheckAsync($"{literal} le RowKey", (_, r) => Compare(key, r) <= 0);
        }
        for (var i = 0; i < keys.Length; i++)
        {
            var (low, high) = (keys[i], keys[(i * 7 + 3) % keys.Length]);
            await CheckAsync(TableClient.CreateQueryFilter($"PartitionKey ge {low} and PartitionKey lt {high}"), (p, _) => Compare(p, low) >= 0 && Compare(p, high) < 0);
            await CheckAsync(TableClient.CreateQueryFilter($"PartitionKey eq {low} and RowKey ge {high} and RowKey le {low}"),
                (p, r) => p == low && Compare(r, high) >= 0 && Compare(r, low) <= 0);
            await CheckAsync(TableClient.CreateQueryFilter($"(PartitionKey eq {low} or RowKey eq {high}) and RowKey gt {low}"),
                (p, r) => (p == low || r == high) && Compare(r, low) > 0);
        }
    }
}
