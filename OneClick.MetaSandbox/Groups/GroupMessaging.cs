using System.Globalization;
using System.Text.Json;
using OneClick.MetaSandbox.Faults;
using OneClick.MetaSandbox.Graph;
using OneClick.MetaSandbox.Messages;

namespace OneClick.MetaSandbox.Groups;

/// <summary>
/// What the send endpoint asks about group recipients (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/groups-messaging): the group must exist and belong to the
/// number (131041), not be suspended (131207) and have a member besides the business (131020); pins refer to a known
/// message and keep at most three pinned, unpinning the oldest on a fourth.
/// </summary>
internal sealed class GroupMessaging(GroupRegistry groups, MessageLog log, TimeProvider time)
{
    public GraphFailure? SendCondition(string phoneNumberId, ValidatedSend send, ActiveBehaviour behaviour)
    {
        if (!send.IsGroup)
        {
            return null;
        }

        if (groups.Find(send.RecipientId) is not { } group || group.PhoneNumberId != phoneNumberId)
        {
            return GraphErrors.WhatsApp(131041, $"Group {send.RecipientId} does not exist or this business is not a member.");
        }

        var settings = GroupsGraphApi.Behaviour(behaviour);
        if (settings.ErrorFor(send.Type == "pin" ? "pin" : "send") is int injected)
        {
            return GraphErrors.WhatsApp(injected);
        }

        lock (group.Gate)
        {
            if (group.Suspended)
            {
                return GraphErrors.WhatsApp(131207);
            }

            if (group.Participants.Count == 0)
            {
                return GraphErrors.WhatsApp(131020);
            }
        }

        if (send.Type == "pin" && !log.IsKnownMessage(phoneNumberId, send.ReferencedMessageId!))
        {
            return GraphErrors.WhatsApp(131009, $"Invalid message_id: {send.ReferencedMessageId} is not a message of this group.");
        }

        return null;
    }

    /// <summary>The participants a group send is delivered to (for the aggregated status webhooks).</summary>
    public IReadOnlyList<string> Participants(string groupId)
    {
        if (groups.Find(groupId) is not { } group)
        {
            return [];
        }

        lock (group.Gate)
        {
            return [.. group.Participants];
        }
    }

    /// <summary>Applies an accepted pin or unpin to the group's pinned messages.</summary>
    public void Accepted(ValidatedSend send, JsonElement body)
    {
        if (send.Type != "pin" || groups.Find(send.RecipientId) is not { } group)
        {
            return;
        }

        var pin = body.GetProperty("pin");
        var operation = pin.GetProperty("type").GetString();
        var now = time.GetUtcNow();
        lock (group.Gate)
        {
            group.Pins.RemoveAll(p => p.MessageId == send.ReferencedMessageId || p.ExpiresAt <= now);
            if (operation != "pin")
            {
                return;
            }

            var days = pin.GetProperty("expiration_days") is { ValueKind: JsonValueKind.String } text
                ? double.Parse(text.GetString()!, CultureInfo.InvariantCulture)
                : pin.GetProperty("expiration_days").GetDouble();
            if (group.Pins.Count >= SandboxGroup.MaxPins)
            {
                // Meta unpins the oldest pinned message when a fourth is pinned.
                group.Pins.RemoveAt(0);
            }

            group.Pins.Add(new GroupPin(send.ReferencedMessageId!, now, now.AddDays(days)));
        }
    }
}
