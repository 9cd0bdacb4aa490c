using Microsoft.Extensions.Logging;
using OneClick.Core.Messages;
using OneClick.Core.Storage;

namespace OneClick.Core.Scheduling;

/// <summary>
/// The timer's work: hand every due message to the send queue once. A row is claimed with an ETag-checked
/// write before it is enqueued, so two overlapping runs never both enqueue it; a run that dies after the
/// claim leaves the row to be retaken once the claim lapses, and the idempotent send function absorbs
/// the rare second copy. Rows left from downtime are simply past due and go out on the next run.
/// </summary>
public sealed partial class DueScheduleDispatcher(
    DueScheduleStore schedules, MessageStore messages, QueuePublisher queue, TimeProvider clock, ILogger<DueScheduleDispatcher> logger,
    IEnumerable<IDueScheduleHandler>? handlers = null)
{
    public static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(2);

    /// <summary>Rows written before sharding moved to their shard per run (those not due within <see cref="ClaimFor"/>).</summary>
    public const int LegacyMovesPerRun = 1000;

    /// <returns>How many messages this run enqueued.</returns>
    public async Task<int> EnqueueDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // The shards side by side: a tenant with thousands due at once holds up only its own shard.
        var partitions = DueScheduleEntity.ShardPartitions.Prepend(DueScheduleEntity.LegacyPartition);
        var enqueued = (await Task.WhenAll(partitions.Select(p => EnqueueDueAsync(p, now, cancellationToken))).ConfigureAwait(false)).Sum();
        await schedules.MoveLegacyAsync(now + ClaimFor, LegacyMovesPerRun, cancellationToken).ConfigureAwait(false);
        return enqueued;
    }

    private async Task<int> EnqueueDueAsync(string partition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var enqueued = 0;
        await foreach (var row in schedules.DueAsync(partition, now, cancellationToken).ConfigureAwait(false))
        {
            if (row.ClaimedUntil > now || !await schedules.TryClaimAsync(row, now + ClaimFor, cancellationToken).ConfigureAwait(false))
                continue;
            if (handlers?.FirstOrDefault(h => h.Takes(row)) is { } handler)
            {
                // Other due work (campaign occurrences) is the handler's; the claim above already made it this run's alone.
                if (await handler.HandleAsync(row, cancellationToken).ConfigureAwait(false))
                    enqueued++;
                await schedules.RemoveAsync(row, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var message = await messages.UpdateAsync(row.TenantId, row.MessageId,
                m => m.MoveTo(MessageStatus.Queued, clock.GetUtcNow(), "due"), cancellationToken).ConfigureAwait(false);
            if (message is not null && message.Status == MessageStatus.Queued)
            {
                await queue.SendAsync(QueueNames.OutboundMessages,
                    new SendMessageCommand(SendMessageCommand.CurrentVersion, row.TenantId, row.MessageId, row.CorrelationId),
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                enqueued++;
            }
            else
            {
                LogSkipped(logger, row.TenantId, row.MessageId, message?.Status ?? "missing");
            }
            await schedules.RemoveAsync(row, cancellationToken).ConfigureAwait(false);
        }
        return enqueued;
    }

    [LoggerMessage(LogLevel.Information, "Due message {TenantId}/{MessageId} not enqueued: it is {Status}")]
    private static partial void LogSkipped(ILogger logger, string tenantId, string messageId, string status);
}
