using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using OneClick.Core.Analytics;
using OneClick.Core.Automations;
using OneClick.Core.Contacts;
using OneClick.Core.Messages;
using OneClick.Core.Sessions;
using OneClick.Core.Storage;
using OneClick.Core.Validation;
using OneClick.Core.Webhooks;

namespace OneClick.Core.Conversations;

/// <summary>
/// OneClick's share of the "messages" webhook beyond applying statuses: stores inbound messages (not group ones)
/// in the contact's conversation, opens the 24-hour window, marks replies, moves the session on, fires automations,
/// and records analytics for inbound messages and for statuses. Every step is idempotent (keys derived from Meta's
/// ids), so Meta's duplicates and the queue's retries change nothing the second time.
/// </summary>
public sealed partial class MessagesWebhookHandler(
    StorageAccount storage,
    ContactStore contacts,
    MessageStore messages,
    ConversationStore conversations,
    SessionStore sessions,
    AutomationEngine automations,
    AnalyticsEvents analytics,
    Campaigns.CampaignRecipientStore campaignRecipients,
    SystemMessages systemMessages,
    ILogger<MessagesWebhookHandler> logger) : IWebhookChangeHandler
{
    private const int MaxPayloadLength = 30_000;

    /// <summary>A text is kept to what Meta lets a text message hold (4,096 characters).</summary>
    private const int MaxTextLength = 4096;

    public bool Wants(string field) => field == "messages";

    public async Task HandleAsync(WebhookChangeContext change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var value = change.Value.Deserialize<MessagesValue>(WebhookJson.Options);
        foreach (var status in value?.Statuses ?? [])
            await RecordStatusAsync(change.TenantId, status, cancellationToken).ConfigureAwait(false);

        var inbound = new List<InboundMessage>();
        foreach (var element in value?.Messages ?? [])
        {
            var message = InboundMessage.Parse(element, change.ReceivedAt);
            if (message is null)
                LogUnreadable(logger, change.TenantId);
            else if (message.GroupId is null) // group messages belong to the groups feature
                inbound.Add(message);
        }
        // A batch (up to 1,000 per POST) runs customer by customer in parallel; one customer's messages stay in order.
        await Parallel.ForEachAsync(inbound.GroupBy(m => m.CustomerKey), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (customer, ct) =>
        {
            foreach (var message in customer)
            {
                var (identity, profileName) = WebhookIdentity.Sender(change.Value, message.From, message.FromUserId, message.FromParentUserId);
                await HandleInboundAsync(change.TenantId, message, identity, profileName, change.ReceivedAt, ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);

        foreach (var error in value?.Errors ?? [])
            LogValueError(logger, change.TenantId, error.Code, error.Title ?? error.Message);
    }

    private async Task HandleInboundAsync(
        string tenantId, InboundMessage message, ContactIdentity identity, string? profileName, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        if (identity.IsEmpty)
        {
            LogBadSender(logger, tenantId, message.Type);
            return;
        }
        if (message.Type == SystemMessages.Type)
        {
            await SystemNoticeAsync(tenantId, message, identity, receivedAt, cancellationToken).ConfigureAwait(false);
            return;
        }
        // A known contact keeps the name the business gave it; a new one gets the WhatsApp profile name. Whichever
        // identity finds the contact, the others the message carries are linked to it (one contact per person).
        var (contact, _) = await contacts.ResolveAsync(tenantId, identity, profileName, cancellationToken).ConfigureAwait(false);
        var sender = identity.Phone ?? identity.UserId ?? identity.ParentUserId;

        string? replyTo = null;
        MessageByMetaIdEntity? campaignSend = null;
        if (message.ContextMetaMessageId is not null)
        {
            var sent = await messages.FindByMetaIdAsync(tenantId, message.ContextMetaMessageId, cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(sent?.MessageId))
                replyTo = sent.MessageId;
            else if (sent?.CampaignRecipientPartition is not null)
                campaignSend = sent;
        }

        var raw = message.RawJson;
        var detail = message.ReplyId ?? message.Text;
        // Independent writes, each idempotent, side by side; automations last, once the window is open (their messages need it).
        var window = ServiceWindow.ExtendAsync(storage, tenantId, contact.Id, message.At, cancellationToken);
        await Task.WhenAll(
            window,
            conversations.SaveInboundAsync(tenantId, contact.Id, new ConversationEntryEntity
            {
                At = message.At,
                MetaMessageId = message.MetaMessageId,
                Type = message.Type,
                From = sender,
                Text = TextCut.Cut(message.Text, MaxTextLength),
                MediaId = message.MediaId,
                MediaMimeType = message.MediaMimeType,
                ContextMetaMessageId = message.ContextMetaMessageId,
                ReplyToMessageId = replyTo,
                ReplyId = message.ReplyId,
                FlowResponseJson = message.FlowResponseJson,
                ErrorsJson = message.ErrorsJson is { Length: <= MaxPayloadLength } errors ? errors : null,
                PayloadJson = TextCut.Cut(raw, MaxPayloadLength),
                PayloadTruncated = raw.Length > MaxPayloadLength,
                ReceivedAt = receivedAt,
            }, cancellationToken),
            analytics.RecordAsync(tenantId, new AnalyticsEvent($"{AnalyticsEventTypes.InboundReceived}|{message.MetaMessageId}", AnalyticsEventTypes.InboundReceived, message.At,
                ContactId: contact.Id, Detail: message.Type), cancellationToken),
            // A reaction points at a message too, but it is not a reply.
            replyTo is not null && message.Type != "reaction" ? MarkRepliedAsync(tenantId, replyTo, contact.Id, message.At, cancellationToken) : Task.CompletedTask,
            campaignSend is not null && message.Type != "reaction" ? MarkCampaignRepliedAsync(tenantId, campaignSend, contact.Id, message.At, cancellationToken) : Task.CompletedTask,
            sessions.TouchAsync(tenantId, contact.Id,
                new SessionEvent(message.MetaMessageId, "inbound." + message.Type, message.At, TextCut.Cut(detail, 200)),
                cancellationToken)).ConfigureAwait(false);

        await automations.RaiseAsync(tenantId, new AutomationEvent(AutomationEvent.Inbound, message.MetaMessageId, message.At,
            ContactId: contact.Id, Text: message.Text, ReplyKind: message.ReplyKind, ReplyId: message.ReplyId, MessageId: replyTo,
            FlowResponse: message.FlowResponseJson is null ? null : JsonNode.Parse(message.FlowResponseJson)),
            message.MetaMessageId, cancellationToken).ConfigureAwait(false);

        // An opt-out (a stop keyword, the API, …) shows in analytics from the contact's own fields (as the window
        // update just read them); its id is the contact and the opt-out time, the same one
        // AnalyticsEvents.RecordOptOutAsync uses, so it counts once.
        if (await window.ConfigureAwait(false) is { IsOptedOut: true, OptOutAt: { } optOutAt } optedOut)
            await analytics.RecordOptOutAsync(tenantId, contact.Id, optedOut.OptOutSource ?? "unknown", optOutAt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A WhatsApp notice (number or BSUID changed): the contact moves to its new identity and the notice joins its
    /// history, but it is not the customer writing, so no window, session, reply, automation or analytics event.
    /// </summary>
    private async Task SystemNoticeAsync(string tenantId, InboundMessage message, ContactIdentity identity, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var contact = await systemMessages.ApplyAsync(tenantId, message, identity, cancellationToken).ConfigureAwait(false);
        if (contact is null)
            return;
        var raw = message.RawJson;
        await conversations.SaveInboundAsync(tenantId, contact.Id, new ConversationEntryEntity
        {
            At = message.At,
            MetaMessageId = message.MetaMessageId,
            Type = message.Type,
            From = identity.Phone ?? identity.UserId ?? identity.ParentUserId,
            Text = TextCut.Cut(message.Text, MaxTextLength),
            PayloadJson = TextCut.Cut(raw, MaxPayloadLength),
            PayloadTruncated = raw.Length > MaxPayloadLength,
            ReceivedAt = receivedAt,
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A reply to a campaign send: the recipient counts as replied once, and one "replied" event with the campaign.</summary>
    private async Task MarkCampaignRepliedAsync(string tenantId, MessageByMetaIdEntity send, string contactId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await campaignRecipients.MarkRepliedAsync(send.CampaignRecipientPartition!, send.CampaignRecipientRow!, at, cancellationToken).ConfigureAwait(false);
        // The partition is "{tenant}|{campaign}|{occurrence}".
        var campaignId = send.CampaignRecipientPartition!.Split('|')[1];
        await analytics.RecordAsync(tenantId, new AnalyticsEvent($"{AnalyticsEventTypes.Replied}|{send.RowKey}", AnalyticsEventTypes.Replied, at,
            ContactId: contactId, CampaignId: campaignId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets RepliedAt once and records one "replied" event per message, with its campaign when it has one.</summary>
    private async Task MarkRepliedAsync(string tenantId, string messageId, string contactId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var message = await messages.UpdateAsync(tenantId, messageId, m =>
        {
            if (m.RepliedAt is not null && m.RepliedAt <= at)
                return false;
            m.RepliedAt = at;
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (message is null)
            return;
        await analytics.RecordAsync(tenantId, new AnalyticsEvent($"{AnalyticsEventTypes.Replied}|{messageId}", AnalyticsEventTypes.Replied, message.CreatedAt,
            ContactId: contactId, MessageId: messageId, CampaignId: CampaignIdOf(message)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Status events are filed under the day the message was created, so a retry, or a late status on another day,
    /// lands on the same row. A read implies delivered and sent (Meta may skip delivered), recorded under the same ids.
    /// </summary>
    private async Task RecordStatusAsync(string tenantId, StatusUpdate status, CancellationToken cancellationToken)
    {
        if (status.Id is null || status.Status is not (MessageStatus.Sent or MessageStatus.Delivered or MessageStatus.Read or MessageStatus.Failed))
            return;
        // Campaign sends have no message row (the campaigns handler owns their statuses): skip the index lookup.
        if (Campaigns.CampaignCallbackReference.Parse(status.CallbackData) is not null)
            return;
        var messageId = CallbackReference.MessageIdFrom(status.CallbackData)
            ?? await messages.FindIdByMetaIdAsync(tenantId, status.Id, cancellationToken).ConfigureAwait(false);
        if (messageId is null)
            return;
        var message = await messages.GetAsync(tenantId, messageId, cancellationToken).ConfigureAwait(false);
        // A send that failed transiently and was sent again: its failure is not the message's (the new send reports).
        if (message is null || message.IsRetired(status.Id))
            return;
        var campaignId = CampaignIdOf(message);
        var types = status.Status switch
        {
            MessageStatus.Read => new[] { AnalyticsEventTypes.MessageRead, AnalyticsEventTypes.MessageDelivered, AnalyticsEventTypes.MessageSent },
            MessageStatus.Delivered => new[] { AnalyticsEventTypes.MessageDelivered, AnalyticsEventTypes.MessageSent },
            MessageStatus.Sent => new[] { AnalyticsEventTypes.MessageSent },
            _ => new[] { AnalyticsEventTypes.MessageFailed },
        };
        var error = status.Errors?.FirstOrDefault();
        foreach (var type in types)
        {
            await analytics.RecordAsync(tenantId, new AnalyticsEvent($"{type}|{messageId}", type, message.CreatedAt,
                ContactId: message.ContactId, MessageId: messageId, CampaignId: campaignId,
                ErrorCode: type == AnalyticsEventTypes.MessageFailed ? error?.Code : null,
                Detail: type == AnalyticsEventTypes.MessageFailed ? error?.Title : null), cancellationToken).ConfigureAwait(false);
        }

        if (status.Status == MessageStatus.Failed)
        {
            var at = status.Timestamp is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : message.UpdatedAt;
            await automations.RaiseAsync(tenantId, new AutomationEvent(TriggerTypes.MessageFailed, $"failed|{messageId}", at,
                ContactId: string.IsNullOrEmpty(message.ContactId) ? null : message.ContactId, MessageId: messageId, CampaignId: campaignId,
                ErrorCode: error?.Code, Origin: OriginOf(message)), message.CorrelationId, cancellationToken).ConfigureAwait(false);
        }
    }

    public static string? CampaignIdOf(MessageEntity message) => MetadataString(message, "campaignId");

    public static string? OriginOf(MessageEntity message) => MetadataString(message, EventOrigins.MetadataKey);

    private static string? MetadataString(MessageEntity message, string key)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            return JsonNode.Parse(message.MetadataJson) is JsonObject metadata && metadata[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Inbound message for tenant {TenantId} without id or sender; ignored")]
    private static partial void LogUnreadable(ILogger logger, string tenantId);

    [LoggerMessage(LogLevel.Warning, "Inbound {Type} message for tenant {TenantId} from a sender with neither a phone number nor a business-scoped user id; ignored")]
    private static partial void LogBadSender(ILogger logger, string tenantId, string type);

    [LoggerMessage(LogLevel.Warning, "Webhook for tenant {TenantId} reports error {Code}: {Title}")]
    private static partial void LogValueError(ILogger logger, string tenantId, int? code, string? title);
}
