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
                foreach (var item in groups.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
                    await applier.ApplyAsync(change.TenantId, change.Field, item, change.ReceivedAt, cancellationToken).ConfigureAwait(false);
            }
            return;
        }

        if (change.Value.TryGetProperty("messages", out var inbound) && inbound.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in inbound.EnumerateArray().Where(m => GroupEventApplier.Text(m, "group_id") is not null))
            {
                var from = GroupEventApplier.Text(message, "from");
                await applier.StoreInboundAsync(change.TenantId, message, ProfileName(change.Value, from), change.ReceivedAt, cancellationToken).ConfigureAwait(false);
            }
        }

        if (change.Value.TryGetProperty("statuses", out var statuses) && statuses.ValueKind == JsonValueKind.Array)
        {
            foreach (var status in statuses.EnumerateArray())
                await RecordParticipantStatusAsync(change, status, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The participant is under recipient_participant_id or participant_recipient_id: Meta's documents use both.</summary>
    public static string? ParticipantOf(JsonElement status) =>
        GroupEventApplier.Text(status, "recipient_participant_id") ?? GroupEventApplier.Text(status, "participant_recipient_id");

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

    private static string? ProfileName(JsonElement value, string? waId)
    {
        if (!value.TryGetProperty("contacts", out var contacts) || contacts.ValueKind != JsonValueKind.Array)
            return null;
        foreach (var contact in contacts.EnumerateArray())
        {
            if (GroupEventApplier.Text(contact, "wa_id") == waId && contact.TryGetProperty("profile", out var profile))
                return GroupEventApplier.Text(profile, "name");
        }
        return null;
    }
}
