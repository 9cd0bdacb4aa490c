using System.Text.Json;
using Microsoft.Extensions.Logging;
using OneClick.Core.Messages;
using OneClick.Core.Webhooks;

namespace OneClick.Core.Campaigns;

/// <summary>
/// Applies status webhooks for campaign sends (callback reference "oc2:…") to their recipient rows. The row's
/// status only moves forward (<see cref="MessageStatus.CanMove"/>) and the change and its counter delta are one
/// transaction under the row's ETag, so duplicates and out-of-order webhooks change nothing twice.
/// </summary>
public sealed partial class CampaignWebhookHandler(CampaignRecipientStore recipients, TimeProvider clock, ILogger<CampaignWebhookHandler> logger) : IWebhookChangeHandler
{
    public bool Wants(string field) => field == "messages";

    public async Task HandleAsync(WebhookChangeContext change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var value = change.Value.Deserialize<MessagesValue>(WebhookJson.Options);
        foreach (var status in value?.Statuses ?? [])
        {
            if (CampaignCallbackReference.Parse(status.CallbackData) is not { } reference || status.Id is null || status.Status is null || !MessageStatus.IsWebhookStatus(status.Status))
                continue;
            var partition = CampaignRecipientEntity.PartitionFor(change.TenantId, reference.CampaignId, reference.Occurrence);
            var rows = await recipients.GetManyAsync(partition, [reference.RecipientKey], cancellationToken).ConfigureAwait(false);
            var error = status.Errors?.FirstOrDefault();
            var changed = await recipients.ChangeAsync(partition, rows, r => Apply(r, status, error), cancellationToken).ConfigureAwait(false);
            LogStatus(logger, reference.CampaignId, status.Status, changed.Count > 0);
        }
    }

    private bool Apply(CampaignRecipientEntity r, StatusUpdate status, WebhookError? error)
    {
        // A status for a different send to this recipient is not ours to apply.
        if (r.MetaMessageId is not null && r.MetaMessageId != status.Id)
            return false;
        var settled = r.MetaMessageId is null;
        var moved = MessageStatus.CanMove(r.Status, status.Status!);
        if (!moved && !settled)
            return false;
        r.MetaMessageId = status.Id;
        if (moved)
        {
            r.Status = status.Status!;
            if (status.Status == MessageStatus.Failed)
                (r.ErrorCode, r.ErrorTitle, r.ErrorDetails) = (error?.Code ?? 0, error?.Title ?? error?.Message, error?.ErrorData?.Details);
            r.Detail = status.Timestamp is { } t ? $"{status.Status} at {DateTimeOffset.FromUnixTimeSeconds(t):O}" : $"{status.Status} at {clock.GetUtcNow():O}";
        }
        return true;
    }

    [LoggerMessage(LogLevel.Debug, "Campaign {CampaignId}: status {Status} applied={Applied}")]
    private static partial void LogStatus(ILogger logger, string campaignId, string status, bool applied);
}
