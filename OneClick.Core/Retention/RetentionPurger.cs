using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneClick.Core.Idempotency;
using OneClick.Core.Storage;

namespace OneClick.Core.Retention;

/// <summary>What one purge deleted.</summary>
public sealed record PurgeCounts(int WebhookBodies, int AutomationRuns, int IdempotencyKeys);

/// <summary>
/// Deletes what is kept only for a while: parked webhook bodies and automation runs older than
/// <see cref="RetentionOptions.Days"/> (they hold message text and numbers), and Idempotency-Key rows past their
/// <see cref="IdempotencyStore.Retention"/> window (a retry after it is a new request anyway). Runs daily from a
/// timer; each pass is a scan, cheap at this size, and safe to repeat or to run twice at once.
/// </summary>
public sealed partial class RetentionPurger(StorageAccount storage, IOptions<RetentionOptions> options, TimeProvider clock, ILogger<RetentionPurger> logger)
{
    private const int ParallelDeletes = 8;

    public async Task<PurgeCounts> PurgeAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var cutoff = now.AddDays(-options.Value.Days);
        var counts = new PurgeCounts(
            await PurgeWebhookBodiesAsync(cutoff, cancellationToken).ConfigureAwait(false),
            await PurgeRowsAsync(TableNames.AutomationRuns, nameof(Automations.AutomationRunEntity.CreatedAt), cutoff, cancellationToken).ConfigureAwait(false),
            await PurgeRowsAsync(TableNames.IdempotencyKeys, nameof(IdempotencyEntity.CreatedAt), now - IdempotencyStore.Retention, cancellationToken).ConfigureAwait(false));
        LogPurged(logger, counts.WebhookBodies, counts.AutomationRuns, counts.IdempotencyKeys);
        return counts;
    }

    /// <summary>Blob names are "{tenant}/{yyyy}/{MM}/{dd}/{id}.json" by the day received (WebhookInbox), so age is read from the name.</summary>
    private async Task<int> PurgeWebhookBodiesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var container = storage.Blobs.GetBlobContainerClient(BlobContainerNames.WebhookPayloads);
        var old = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if ((ReceivedOn(blob.Name) ?? blob.Properties.LastModified) is { } received && received < cutoff)
                old.Add(blob.Name);
        }
        await Parallel.ForEachAsync(old, new ParallelOptions { MaxDegreeOfParallelism = ParallelDeletes, CancellationToken = cancellationToken },
            async (name, ct) => await container.DeleteBlobIfExistsAsync(name, cancellationToken: ct).ConfigureAwait(false)).ConfigureAwait(false);
        return old.Count;
    }

    /// <summary>The end of the day the name's date path names, or null when the name has none.</summary>
    private static DateTimeOffset? ReceivedOn(string blobName)
    {
        var parts = blobName.Split('/');
        return parts.Length >= 5 && DateTimeOffset.TryParseExact($"{parts[1]}/{parts[2]}/{parts[3]}", "yyyy/MM/dd", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var day) ? day.AddDays(1) : null;
    }

    private async Task<int> PurgeRowsAsync(string tableName, string timeProperty, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var table = storage.Table(tableName);
        var old = new List<TableEntity>();
        // The property name is ours, not input; only the value goes through the escaping filter builder.
        var filter = $"{timeProperty} lt " + TableClient.CreateQueryFilter($"{cutoff}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            old.Add(row);
        await Parallel.ForEachAsync(old, new ParallelOptions { MaxDegreeOfParallelism = ParallelDeletes, CancellationToken = cancellationToken }, async (row, ct) =>
        {
            // Under the ETag read: a row renewed in between (an expired idempotency key taken over) is kept.
            // A row already deleted (another purge) answers 404 without an exception.
            try
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, ct).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (TableErrors.IsPreconditionFailed(e))
            {
            }
        }).ConfigureAwait(false);
        return old.Count;
    }

    [LoggerMessage(LogLevel.Information, "Retention purge deleted {WebhookBodies} webhook bodies, {AutomationRuns} automation runs, {IdempotencyKeys} idempotency keys")]
    private static partial void LogPurged(ILogger logger, int webhookBodies, int automationRuns, int idempotencyKeys);
}
