using System.Text.Json;
using Microsoft.Extensions.Logging;
using OneClick.Core.Campaigns.StatusWebhooks;
using OneClick.Core.Messages;
using OneClick.Core.Webhooks;

namespace OneClick.Core.Campaigns;

/// <summary>
/// Applies status webhooks for campaign sends (callback reference "oc2:…", which names the recipient row: no index
/// lookup) to their recipient rows through <see cref="CampaignStatusWriter"/>: statuses only move forward, and a change
/// and its count are one transaction, shared by the webhooks that arrive together for the same shard.
/// </summary>
public sealed partial class CampaignWebhookHandler(CampaignRecipientStore recipients, TimeProvider clock, ILogger<CampaignWebhookHandler> logger) : IWebhookChangeHandler
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
            var applied = await _writer.ApplyAsync(partition, reference.RecipientKey, status, cancellationToken).ConfigureAwait(false);
            LogStatus(logger, reference.CampaignId, status.Status, applied);
        })).ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Debug, "Campaign {CampaignId}: status {Status} applied={Applied}")]
    private static partial void LogStatus(ILogger logger, string campaignId, string status, bool applied);
}
