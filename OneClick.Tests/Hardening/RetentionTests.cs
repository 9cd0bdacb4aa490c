using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OneClick.Core.Automations;
using OneClick.Core.Idempotency;
using OneClick.Core.Lists;
using OneClick.Core.Retention;
using OneClick.Core.Storage;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hardening;

/// <summary>
/// Issue 15: the daily purge deletes parked webhook bodies and automation runs past the retention days and
/// Idempotency-Key rows past their window, and keeps younger ones; the add_to_list path keeps list counts exact.
/// Runs the Core parts against Azurite (the timer only calls <see cref="RetentionPurger.PurgeAsync"/>).
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class RetentionTests(OneClickEnvironment env)
{
    private RetentionPurger Purger(int days = 30) =>
        new(env.Storage, Options.Create(new RetentionOptions { Days = days }), TimeProvider.System, NullLogger<RetentionPurger>.Instance);

    [Fact]
    public async Task Old_webhook_bodies_automation_runs_and_idempotency_keys_are_purged_and_young_ones_kept()
    {
        var tenantId = "retention-" + Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        var runs = env.Storage.Table(TableNames.AutomationRuns);
        var keys = env.Storage.Table(TableNames.IdempotencyKeys);
        var blobs = env.Storage.Blobs.GetBlobContainerClient(BlobContainerNames.WebhookPayloads);

        await runs.AddEntityAsync(new AutomationRunEntity { PartitionKey = tenantId, RowKey = "rule|old", CreatedAt = now.AddDays(-31) });
        await runs.AddEntityAsync(new AutomationRunEntity { PartitionKey = tenantId, RowKey = "rule|young", CreatedAt = now.AddDays(-29) });
        await keys.AddEntityAsync(new IdempotencyEntity { PartitionKey = tenantId, RowKey = "old", CreatedAt = now - IdempotencyStore.Retention - TimeSpan.FromMinutes(1) });
        await keys.AddEntityAsync(new IdempotencyEntity { PartitionKey = tenantId, RowKey = "young", CreatedAt = now - IdempotencyStore.Retention + TimeSpan.FromMinutes(5) });
        var oldBody = $"{tenantId}/{now.AddDays(-32):yyyy/MM/dd}/old.json";
        var youngBody = $"{tenantId}/{now:yyyy/MM/dd}/young.json";
        await blobs.UploadBlobAsync(oldBody, BinaryData.FromString("{\"from\":\"14155550199\"}"));
        await blobs.UploadBlobAsync(youngBody, BinaryData.FromString("{}"));

        var counts = await Purger().PurgeAsync(CancellationToken.None);

        Assert.True(counts.WebhookBodies >= 1 && counts.AutomationRuns >= 1 && counts.IdempotencyKeys >= 1, counts.ToString());
        Assert.False((await runs.GetEntityIfExistsAsync<TableEntity>(tenantId, "rule|old")).HasValue);
        Assert.True((await runs.GetEntityIfExistsAsync<TableEntity>(tenantId, "rule|young")).HasValue);
        Assert.False((await keys.GetEntityIfExistsAsync<TableEntity>(tenantId, "old")).HasValue);
        Assert.True((await keys.GetEntityIfExistsAsync<TableEntity>(tenantId, "young")).HasValue);
        Assert.False((await blobs.GetBlobClient(oldBody).ExistsAsync()).Value);
        Assert.True((await blobs.GetBlobClient(youngBody).ExistsAsync()).Value);

        // A shorter retention reaches the younger run too; purging again is harmless.
        await Purger(days: 1).PurgeAsync(CancellationToken.None);
        Assert.False((await runs.GetEntityIfExistsAsync<TableEntity>(tenantId, "rule|young")).HasValue);
        Assert.True((await blobs.GetBlobClient(youngBody).ExistsAsync()).Value);
    }

    [Fact]
    public async Task Duplicated_and_concurrent_list_adds_count_each_member_once_with_its_reverse_row()
    {
        // The automation add_to_list action calls ListStore.AddMembersAsync with one contact; at-least-once delivery
        // and concurrent rules repeat it. Membership, reverse row and count go in one transaction.
        var tenantId = "lists-" + Guid.NewGuid().ToString("N");
        var lists = new ListStore(env.Storage, TimeProvider.System);
        var list = await lists.CreateAsync(tenantId, "raced", CancellationToken.None);
        var contacts = Enumerable.Range(0, 8).Select(i => $"contact{i}").ToArray();

        var adds = contacts.SelectMany(c => Enumerable.Repeat(c, 3)).Select(c => lists.AddMembersAsync(tenantId, list.Id, [c], CancellationToken.None));
        var changes = await Task.WhenAll(adds);

        Assert.Equal(contacts.Length, changes.Sum(c => c!.Changed));
        Assert.Equal(contacts.Length, (await lists.GetAsync(tenantId, list.Id, CancellationToken.None))!.MemberCount);
        foreach (var contactId in contacts)
            Assert.Equal([list.Id], await lists.ListIdsOfContactAsync(tenantId, contactId, CancellationToken.None));
        Assert.Null(await lists.AddMembersAsync(tenantId, "no-such-list", ["contact0"], CancellationToken.None));
    }
}
