using System.Text.Json;
using OneClick.Core.Messages;
using OneClick.Core.Webhooks;

namespace OneClick.Core.Groups;

/// <summary>
/// The groups share of webhooks: the four group_* fields, inbound messages that carry a group_id (the others belong to
/// the conversations feature), and the per-participant part of group statuses (the core processor applies the status
/// itself to the message; this records who got it, for "delivered to n of m, read by k").
/// </summary>
public sealed class GroupWebhookHandler(GroupEventApplier applier, GroupStore store, MessageStore messages) : IWebhookChangeHandler
{
    public static readonly string[] GroupFields = ["group_lifecycle_update", "group_participants_update", "group_settings_update", "group_status_update"];

    public bool Wants(string field) => field == "messages" || GroupFields.Contains(field, StringComparer.Ordinal);

    public async Task HandleAsync(WebhookChangeContext change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Field != "messages")
        {
            if (change.Value.TryGetProperty("groups", out var groups) && groups.ValueKind == JsonValueKind.Array)
            {
                var initiatedBy = GroupEventApplier.Text(change.Value, "initiated_by");
                foreach (var item in groups.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
                    await applier.ApplyAsync(change.TenantId, change.Field, WithInitiatedBy(item, initiatedBy), change.ReceivedAt, cancellationToken).ConfigureAwait(false);
            }
            return;
        }

        if (change.Value.TryGetProperty("messages", out var inbound) && inbound.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in inbound.EnumerateArray().Where(m => GroupEventApplier.Text(m, "group_id") is not null))
            {
                var profile = ProfileName(change.Value, GroupEventApplier.Text(message, "from"), GroupEventApplier.Text(message, "from_user_id"));
                await applier.StoreInboundAsync(change.TenantId, message, profile, change.ReceivedAt, cancellationToken).ConfigureAwait(false);
            }
        }

        if (change.Value.TryGetProperty("statuses", out var statuses) && statuses.ValueKind == JsonValueKind.Array)
        {
            foreach (var status in statuses.EnumerateArray())
                await RecordParticipantStatusAsync(change, status, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The participant is under recipient_participant_id or participant_recipient_id (Meta's documents use both), or
    /// only under recipient_participant_user_id for a participant Meta names by BSUID alone
    /// (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids).
    /// </summary>
    public static string? ParticipantOf(JsonElement status) =>
        GroupEventApplier.Text(status, "recipient_participant_id") ?? GroupEventApplier.Text(status, "participant_recipient_id")
        ?? GroupEventApplier.Text(status, "recipient_participant_user_id");

    /// <summary>
    /// Some of Meta's samples put initiated_by beside the groups[] item rather than inside it: copied onto the item
    /// (which wins), so the item applies, and parks, the same either way.
    /// </summary>
    private static JsonElement WithInitiatedBy(JsonElement item, string? initiatedBy)
    {
        if (initiatedBy is null || item.TryGetProperty("initiated_by", out _))
            return item;
        var copy = System.Text.Json.Nodes.JsonNode.Parse(item.GetRawText())!.AsObject();
        copy["initiated_by"] = initiatedBy;
        return JsonSerializer.SerializeToElement(copy);
    }

    private async Task RecordParticipantStatusAsync(WebhookChangeContext change, JsonElement status, CancellationToken cancellationToken)
    {
        var participant = ParticipantOf(status);
        var state = GroupEventApplier.Text(status, "status");
        var wamid = GroupEventApplier.Text(status, "id");
        if (participant is null || wamid is null || state is not ("delivered" or "read" or "played"))
            return;
        var messageId = CallbackReference.MessageIdFrom(GroupEventApplier.Text(status, "biz_opaque_callback_data"))
            ?? await messages.FindIdByMetaIdAsync(change.TenantId, wamid, cancellationToken).ConfigureAwait(false);
        if (messageId is null)
            return;
        var at = DateTimeOffset.FromUnixTimeSeconds(GroupEventApplier.Seconds(status, change.ReceivedAt));
        await store.RecordParticipantStatusAsync(change.TenantId, messageId, GroupEventApplier.WaId(participant) ?? participant, state, at, cancellationToken)
            .ConfigureAwait(false);
    }

    private static string? ProfileName(JsonElement value, string? waId, string? userId)
    {
        if (!value.TryGetProperty("contacts", out var contacts) || contacts.ValueKind != JsonValueKind.Array)
            return null;
        foreach (var contact in contacts.EnumerateArray())
        {
            var same = waId is not null ? GroupEventApplier.Text(contact, "wa_id") == waId : userId is not null && GroupEventApplier.Text(contact, "user_id") == userId;
            if (same && contact.TryGetProperty("profile", out var profile))
                return GroupEventApplier.Text(profile, "name");
        }
        return null;
    }
}
