using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneClick.Core.Campaigns.StatusWebhooks;
using OneClick.Core.Messages;
using OneClick.Core.Meta;
using OneClick.Core.Storage;
using OneClick.Core.Webhooks;

namespace OneClick.Core.Campaigns;

/// <summary>
/// Applies status webhooks for campaign sends (callback reference "oc2:…", which names the recipient row: no index
/// lookup) to their recipient rows through <see cref="CampaignStatusWriter"/>: statuses only move forward, and a change
/// and its count are one transaction, shared by the webhooks that arrive together for the same shard. A failed status
/// with a transient code is retried as a synchronous one is: the recipient goes back to the queue for a new send.
/// </summary>
public sealed partial class CampaignWebhookHandler(
    CampaignRecipientStore recipients, CampaignStore campaigns, CampaignProgress progress, QueuePublisher queue, IOptions<CampaignOptions> options,
    TimeProvider clock, ILogger<CampaignWebhookHandler> logger) : IWebhookChangeHandler
{
    private readonly CampaignStatusWriter _writer = recipients.StatusWriter(clock);

    public bool Wants(string field) => field == "messages";

    public async Task HandleAsync(WebhookChangeContext change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var value = change.Value.Deserialize<MessagesValue>(WebhookJson.Options);
        // A POST may carry several statuses (Meta batches under load): they are written together.
        await Task.WhenAll((value?.Statuses ?? []).Select(async status =>
        {
            if (CampaignCallbackReference.Parse(status.CallbackData) is not { } reference || status.Id is null || status.Status is null || !MessageStatus.IsWebhookStatus(status.Status))
                return;
            var partition = CampaignRecipientEntity.PartitionFor(change.TenantId, reference.CampaignId, reference.Occurrence);
            var retry = 0;
            CampaignEntity? campaign = null;
            if (TransientCode(status) is not null)
            {
                // A cancelled campaign sends nothing more: its failures stay failures.
                campaign = await campaigns.GetAsync(change.TenantId, reference.CampaignId, cancellationToken).ConfigureAwait(false);
                retry = campaign is null || campaign.Status == CampaignStatus.Cancelled ? 0 : options.Value.MaxAttempts;
            }
            CampaignRecipientEntity? requeued = null;
            var applied = await _writer.ApplyAsync(partition, reference.RecipientKey, status, retry, row => requeued = row, cancellationToken).ConfigureAwait(false);
            if (requeued is not null && campaign is not null)
                await ResendAsync(campaign, reference.Occurrence, requeued, TransientCode(status), cancellationToken).ConfigureAwait(false);
            LogStatus(logger, reference.CampaignId, status.Status, applied);
        })).ConfigureAwait(false);
    }

    private static int? TransientCode(StatusUpdate status) =>
        status.Status == MessageStatus.Failed && status.Errors?.FirstOrDefault()?.Code is { } code && MetaErrorPolicy.Classify(code) == MetaErrorKind.Retryable ? code : null;

    /// <summary>Queues the recipient's new send; an occurrence already complete runs again until it is sent (as retry-failed does).</summary>
    private async Task ResendAsync(CampaignEntity campaign, string occurrence, CampaignRecipientEntity row, int? code, CancellationToken cancellationToken)
    {
        var reopened = false;
        await campaigns.UpdateOccurrenceAsync(campaign.TenantId, campaign.Id, occurrence,
            o => reopened = o.Status == OccurrenceStatus.Completed && (o.Status = OccurrenceStatus.Running) is not null, cancellationToken).ConfigureAwait(false);
        await campaigns.UpdateAsync(campaign.TenantId, campaign.Id,
            c => c.Status is CampaignStatus.Completed or CampaignStatus.Scheduled && c.LatestOccurrence == occurrence && (c.Status = CampaignStatus.Running) is not null,
            cancellationToken).ConfigureAwait(false);
        var backoff = Sending.MessageSender.Backoff(row.Attempts, code is { } c && MetaErrorPolicy.IsThrottling(c));
        var delay = backoff < MetaErrorPolicy.MinimumDelay(code) ? MetaErrorPolicy.MinimumDelay(code) : backoff;
        LogResend(logger, campaign.Id, row.RowKey, code, delay);
        await queue.SendAsync(QueueNames.CampaignSends, new SendCampaignBatchCommand(SendCampaignBatchCommand.CurrentVersion,
            campaign.TenantId, campaign.Id, occurrence, [row.RowKey], campaign.CorrelationId ?? ""), delay, cancellationToken).ConfigureAwait(false);
        // A running occurrence has its watch already; a reopened one needs a new watch to complete again.
        if (reopened)
            await progress.WatchAsync(campaign.TenantId, campaign.Id, occurrence, campaign.CorrelationId ?? "", cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Debug, "Campaign {CampaignId}: status {Status} applied={Applied}")]
    private static partial void LogStatus(ILogger logger, string campaignId, string status, bool applied);

    [LoggerMessage(LogLevel.Information, "Campaign {CampaignId}: recipient {Recipient} failed with transient error {Code} in a status webhook; sending again in {Delay}")]
    private static partial void LogResend(ILogger logger, string campaignId, string recipient, int? code, TimeSpan delay);
}
