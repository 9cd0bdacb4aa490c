using OneClick.Core.Analytics;
using OneClick.Core.Automations;
using OneClick.Core.Messages;
using OneClick.Core.Sending;

namespace OneClick.Core.Conversations;

/// <summary>
/// A send Meta refused at once fails without any webhook; it still counts in analytics and fires the
/// "message failed" automations, with the same event ids a failed status webhook uses, so each happens once.
/// </summary>
public sealed class FailedSendEvents(AnalyticsEvents analytics, AutomationEngine automations, TimeProvider clock) : IMessageFailureObserver
{
    public async Task MessageFailedAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var campaignId = MessagesWebhookHandler.CampaignIdOf(message);
        await analytics.RecordAsync(message.TenantId, new AnalyticsEvent($"{AnalyticsEventTypes.MessageFailed}|{message.Id}", AnalyticsEventTypes.MessageFailed, message.CreatedAt,
            ContactId: message.ContactId, MessageId: message.Id, CampaignId: campaignId, ErrorCode: message.ErrorCode, Detail: message.ErrorTitle), cancellationToken).ConfigureAwait(false);
        await automations.RaiseAsync(message.TenantId, new AutomationEvent(TriggerTypes.MessageFailed, $"failed|{message.Id}", clock.GetUtcNow(),
            ContactId: string.IsNullOrEmpty(message.ContactId) ? null : message.ContactId, MessageId: message.Id, CampaignId: campaignId,
            ErrorCode: message.ErrorCode, Origin: MessagesWebhookHandler.OriginOf(message)), message.CorrelationId, cancellationToken).ConfigureAwait(false);
    }
}
