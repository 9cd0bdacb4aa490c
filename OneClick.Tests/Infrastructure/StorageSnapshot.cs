using Azure.Data.Tables;

namespace OneClick.Tests.Infrastructure;

/// <summary>
/// What the storage account holds: every table row (with its ETag), every queue's messages and every blob (with its
/// ETag). Two snapshots differ when anything was written, changed or removed in between.
/// </summary>
public sealed class StorageSnapshot
{
    private readonly Dictionary<string, string> _items;

    private StorageSnapshot(Dictionary<string, string> items) => _items = items;

    public static async Task<StorageSnapshot> TakeAsync(OneClickEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var items = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var table in env.Storage.Tables.QueryAsync())
            await foreach (var row in env.Storage.Tables.GetTableClient(table.Name).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
                items[$"table {table.Name} {row.PartitionKey} / {row.RowKey}"] = row.ETag.ToString();
        await foreach (var queue in env.Storage.Queues.GetQueuesAsync())
        {
            var properties = await env.Storage.Queues.GetQueueClient(queue.Name).GetPropertiesAsync();
            items[$"queue {queue.Name}"] = properties.Value.ApproximateMessagesCount + " messages";
        }
        await foreach (var container in env.Storage.Blobs.GetBlobContainersAsync())
            await foreach (var blob in env.Storage.Blobs.GetBlobContainerClient(container.Name).GetBlobsAsync())
                items[$"blob {container.Name}/{blob.Name}"] = blob.Properties.ETag.ToString()!;
        return new StorageSnapshot(items);
    }

    /// <summary>A snapshot once the app has finished what it was doing: two in a row, a second apart, the same.</summary>
    public static async Task<StorageSnapshot> TakeSettledAsync(OneClickEnvironment env)
    {
        var last = await TakeAsync(env);
        var settled = await Eventually.Async(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var (previous, next) = (last, await TakeAsync(env));
            last = next;
            return (Previous: previous, Next: next);
        }, pair => !pair.Previous.Differences(pair.Next).Any(), "storage to settle", TimeSpan.FromSeconds(60));
        return settled.Next;
    }

    public IEnumerable<string> Differences(StorageSnapshot later)
    {
        ArgumentNullException.ThrowIfNull(later);
        foreach (var (key, value) in later._items)
        {
            if (!_items.TryGetValue(key, out var old))
                yield return "added " + key;
            else if (old != value)
                yield return $"changed {key} ({old} → {value})";
        }
        foreach (var key in _items.Keys.Where(k => !later._items.ContainsKey(k)))
            yield return "removed " + key;
    }
}
