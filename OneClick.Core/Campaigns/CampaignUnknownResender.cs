using OneClick.Core.Messages;
using OneClick.Core.Results;
using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns;

/// <summary>
/// POST /api/campaigns/{id}/resend-unknown: the occurrence's unknown recipients go back to queued and are sent
/// again through the normal send path (claims, pacing, never-twice per attempt). The duplicate risk is
/// <see cref="UnknownResend.DuplicateRisk"/>. Repeating the request resends nothing more: the recipients are no
/// longer unknown.
/// </summary>
public sealed class CampaignUnknownResender(CampaignStore campaigns, CampaignRecipientStore recipients, CampaignProgress progress, QueuePublisher queue, TimeProvider clock)
{
    /// <param name="occurrence">The occurrence to resend; null for the latest.</param>
    public async Task<Outcome<CampaignControl>> ResendAsync(string tenantId, string campaignId, string? occurrence, CancellationToken cancellationToken)
    {
        var notFound = Failure.NotFound(occurrence is null ? "campaign" : "campaign occurrence");
        var campaign = await campaigns.GetAsync(tenantId, campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is null)
            return notFound;
        occurrence ??= campaign.LatestOccurrence;
        if (occurrence is null || campaign.Status is CampaignStatus.Cancelled or CampaignStatus.Paused or CampaignStatus.Draft)
            return Failure.Conflict($"The campaign is {campaign.Status}; resending needs a started campaign that is not paused or cancelled.");
        if (await campaigns.GetOccurrenceAsync(tenantId, campaignId, occurrence, cancellationToken).ConfigureAwait(false) is null)
            return notFound;

        var partition = CampaignRecipientEntity.PartitionFor(tenantId, campaignId, occurrence);
        var count = 0;
        var reopened = false;
        var at = clock.GetUtcNow();
        await foreach (var page in recipients.PagesAsync(partition, MessageStatus.Unknown, cancellationToken).ConfigureAwait(false))
        {
            if (!reopened)
            {
                // Running again before any recipient is queued, so the completion watch cannot close it in between.
                await campaigns.UpdateOccurrenceAsync(tenantId, campaignId, occurrence, o => o.Status == OccurrenceStatus.Completed && (o.Status = OccurrenceStatus.Running) is not null, cancellationToken).ConfigureAwait(false);
                if (occurrence == campaign.LatestOccurrence)
                    await campaigns.UpdateAsync(tenantId, campaignId, c => c.Status is CampaignStatus.Completed or CampaignStatus.Scheduled && (c.Status = CampaignStatus.Running) is not null, cancellationToken).ConfigureAwait(false);
                reopened = true;
            }
            count += (await recipients.ChangeAsync(partition, page, r =>
            {
                if (r.Status != MessageStatus.Unknown)
                    return false;
                (r.Status, r.ClaimedAt, r.MetaMessageId) = (MessageStatus.Queued, null, null);
                r.Detail = $"{UnknownResend.Marker} at {at:O}.";
                return true;
            }, cancellationToken).ConfigureAwait(false)).Count;
        }
        await campaigns.UpdateOccurrenceAsync(tenantId, campaignId, occurrence, o => o.UnknownSince is not null && (o.UnknownSince = null) is null, cancellationToken).ConfigureAwait(false);
        if (count > 0)
        {
            await CampaignProgress.RequeueQueuedAsync(recipients, queue, tenantId, campaignId, occurrence, campaign.CorrelationId ?? "", cancellationToken).ConfigureAwait(false);
            await progress.WatchAsync(tenantId, campaignId, occurrence, campaign.CorrelationId ?? "", cancellationToken).ConfigureAwait(false);
        }
        else if (reopened)
        {
            await progress.WatchAsync(tenantId, campaignId, occurrence, campaign.CorrelationId ?? "", cancellationToken).ConfigureAwait(false);
        }
        return await campaigns.GetAsync(tenantId, campaignId, cancellationToken).ConfigureAwait(false) is { } after
            ? Outcome.Ok(new CampaignControl(after, count))
            : notFound;
    }
}
