using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns;

/// <summary>
/// Decides when an occurrence is complete: its dispatch has finished and no recipient is queued or being sent
/// (the counters say so exactly). Checked at the end of dispatch and then by a watch message every second or so
/// (batches do not read the counters: that would cost a counter read per batch); idempotent.
/// </summary>
public sealed class CampaignProgress(
    CampaignStore campaigns, CampaignRecipientStore recipients, QueuePublisher queue, CampaignEvents events,
    Microsoft.Extensions.Options.IOptions<CampaignOptions> options, TimeProvider clock)
{
    /// <returns>True while the occurrence is dispatched but not complete (worth checking again later).</returns>
    public async Task<bool> CheckCompletionAsync(string tenantId, string campaignId, string occurrence, CancellationToken cancellationToken) =>
        await CheckAsync(tenantId, campaignId, occurrence, cancellationToken).ConfigureAwait(false) is not null;

    /// <returns>The number still queued or sending while the occurrence is dispatched but not complete; null otherwise.</returns>
    private async Task<long?> CheckAsync(string tenantId, string campaignId, string occurrence, CancellationToken cancellationToken)
    {
        var run = await campaigns.GetOccurrenceAsync(tenantId, campaignId, occurrence, cancellationToken).ConfigureAwait(false);
        if (run is null || run.Status != OccurrenceStatus.Running || !run.DispatchDone)
            return null;
        var counts = await recipients.ReadCountsAsync(CampaignRecipientEntity.PartitionFor(tenantId, campaignId, occurrence), cancellationToken).ConfigureAwait(false);
        if (counts[CampaignCounts.QueuedBucket] > 0)
            return counts[CampaignCounts.QueuedBucket];
        // Told before the occurrence is marked complete, so a crash in between tells again (the events are idempotent).
        await events.FinishedAsync(tenantId, campaignId, occurrence, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        await campaigns.UpdateOccurrenceAsync(tenantId, campaignId, occurrence, o =>
        {
            if (o.Status != OccurrenceStatus.Running)
                return false;
            (o.Status, o.CompletedAt) = (OccurrenceStatus.Completed, now);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        var targeted = counts.Sum(_ => true);
        await campaigns.UpdateAsync(tenantId, campaignId, c =>
        {
            if (c.Status != CampaignStatus.Running || c.LatestOccurrence != occurrence)
                return false;
            c.Status = c.NextDueAt is null ? CampaignStatus.Completed : CampaignStatus.Scheduled;
            c.StatusReason = targeted == 0 ? "The audience had no eligible recipients." : null;
            c.UpdatedAt = now;
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>Checks now and, while the occurrence is still sending, keeps a watch on the dispatch queue.</summary>
    /// <param name="progress">The previous watch's "{open}:{unchanged since, ticks}", so a stall can be noticed.</param>
    public async Task WatchAsync(string tenantId, string campaignId, string occurrence, string correlationId, CancellationToken cancellationToken, string? progress = null)
    {
        if (await CheckAsync(tenantId, campaignId, occurrence, cancellationToken).ConfigureAwait(false) is not { } open)
            return;
        var campaign = await campaigns.GetAsync(tenantId, campaignId, cancellationToken).ConfigureAwait(false);
        var paused = campaign?.Status == CampaignStatus.Paused;
        var now = clock.GetUtcNow();
        var since = UnchangedSince.Since(progress, open, now);
        if (!paused && now - since > options.Value.StallAfter)
        {
            // Nothing moved for a long time: a batch was lost (poisoned after repeated failures). Queue what is left
            // again; a batch that finds a dead claim marks it unknown, so this never sends twice.
            await RequeueQueuedAsync(recipients, queue, tenantId, campaignId, occurrence, correlationId, cancellationToken, Messages.MessageStatus.Sending).ConfigureAwait(false);
            await RequeueQueuedAsync(recipients, queue, tenantId, campaignId, occurrence, correlationId, cancellationToken).ConfigureAwait(false);
            since = now;
        }
        await queue.SendAsync(QueueNames.CampaignDispatch,
            new DispatchCampaignCommand(DispatchCampaignCommand.CurrentVersion, tenantId, campaignId, occurrence, 0,
                UnchangedSince.Marker(open, since), correlationId, Watch: true),
            paused ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts batches of the occurrence's queued recipients on the send queue (resume, retry).</summary>
    public static async Task<int> RequeueQueuedAsync(
        CampaignRecipientStore recipients, QueuePublisher queue, string tenantId, string campaignId, string occurrence, string correlationId, CancellationToken cancellationToken,
        string status = Messages.MessageStatus.Queued)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(queue);
        var count = 0;
        await foreach (var page in recipients.PagesAsync(CampaignRecipientEntity.PartitionFor(tenantId, campaignId, occurrence), status, cancellationToken).ConfigureAwait(false))
        {
            foreach (var chunk in page.Chunk(CampaignRecipientStore.BatchSize))
            {
                await queue.SendAsync(QueueNames.CampaignSends, new SendCampaignBatchCommand(SendCampaignBatchCommand.CurrentVersion,
                    tenantId, campaignId, occurrence, chunk.Select(r => r.RowKey).ToList(), correlationId), cancellationToken: cancellationToken).ConfigureAwait(false);
                count += chunk.Length;
            }
        }
        return count;
    }
}
