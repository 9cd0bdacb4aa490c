using System.Text.Json.Nodes;
using OneClick.Core.Messages;
using OneClick.Core.Meta;
using OneClick.Core.Secrets;
using OneClick.Core.Sending;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Core.Results;

namespace OneClick.Core.Groups;

/// <summary>The group a message goes to, resolved when the message is accepted.</summary>
public sealed record GroupRecipient(string GroupId, string MetaGroupId, int ParticipantCount);

/// <summary>Per-participant delivery of a group message: delivered to n of m, read by k.</summary>
public sealed record GroupDeliverySummary(int Participants, int Delivered, int Read, IReadOnlyList<ParticipantDelivery> PerParticipant);

public sealed record ParticipantDelivery(string WaId, string Status, DateTimeOffset? DeliveredAt, DateTimeOffset? ReadAt);

/// <summary>
/// Messages to groups: what POST /api/messages accepts for a group (only the types Meta delivers to groups, an active and
/// unsuspended group), the group's side of an accepted message, per-participant delivery, and pins.
/// </summary>
public sealed class GroupMessaging(GroupStore store, MessageStore messages, MetaGraphClient meta, TenantSecrets secrets, TimeProvider clock)
{
    /// <summary>Checks a group send; adds problems to <paramref name="errors"/> and returns the recipient when it is fine.</summary>
    public async Task<GroupRecipient?> ResolveAsync(string tenantId, SendMessageRequest request, ValidationErrors errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        if (request.Type is not null && !GroupLimits.SendableTypes.Contains(request.Type, StringComparer.Ordinal))
            errors.Add("type", $"WhatsApp groups only take {string.Join(", ", GroupLimits.SendableTypes)} messages; '{request.Type}' is not supported in groups (Meta would refuse it).");
        if (request.To is not null || request.ContactId is not null || request.Recipient is not null)
            errors.Add("groupId", "Give either 'groupId' or a person ('to' / 'recipient' / 'contactId'), not both.");
        if (!GroupStore.IsValidId(request.GroupId))
        {
            errors.Add("groupId", "Not a group id.");
            return null;
        }
        var group = await store.GetAsync(tenantId, request.GroupId!, cancellationToken).ConfigureAwait(false);
        if (group is null)
        {
            errors.Add("groupId", "No such group.");
            return null;
        }
        if (group.State != GroupStates.Active)
            errors.Add("groupId", GroupService.NotActive(group).Detail);
        else if (group.Suspended)
            errors.Add("groupId", "WhatsApp has suspended this group; it cannot receive messages until the suspension is lifted.");
        return errors.Any ? null : new GroupRecipient(group.Id, group.MetaGroupId!, group.Members.Count);
    }

    /// <summary>Puts an accepted message in the group's conversation and remembers how many members it went to.</summary>
    public async Task RecordOutboundAsync(MessageEntity message, GroupRecipient recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipient);
        var payload = JsonNode.Parse(message.PayloadJson);
        var content = payload?[message.Type];
        var text = content?["body"]?.GetValue<string>() ?? content?["caption"]?.GetValue<string>() ?? content?["name"]?.GetValue<string>();
        await store.RecordOutboundAsync(new GroupMessageEntity
        {
            PartitionKey = message.TenantId,
            RowKey = GroupStore.ConversationKey(recipient.GroupId, message.CreatedAt, "out", message.Id),
            GroupId = recipient.GroupId,
            Direction = "outbound",
            MessageId = message.Id,
            Type = message.Type,
            Text = text,
            ParticipantCount = recipient.ParticipantCount,
            At = message.CreatedAt,
        }, recipient.ParticipantCount, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A message sent to the group with its per-participant delivery; null when it is not a message of that group.</summary>
    public async Task<(MessageEntity Message, GroupDeliverySummary Summary)?> DeliveryAsync(string tenantId, string groupId, string messageId, CancellationToken cancellationToken)
    {
        var outbound = await store.FindOutboundAsync(tenantId, messageId, cancellationToken).ConfigureAwait(false);
        if (outbound is null || outbound.GroupId != groupId)
            return null;
        var message = await messages.GetAsync(tenantId, messageId, cancellationToken).ConfigureAwait(false);
        if (message is null)
            return null;
        var rows = await store.ParticipantStatusesAsync(tenantId, messageId, cancellationToken).ConfigureAwait(false);
        var perParticipant = rows.Select(r => new ParticipantDelivery(r.WaId, r.Status, r.DeliveredAt ?? r.ReadAt, r.ReadAt)).ToList();
        return (message, new GroupDeliverySummary(
            Math.Max(outbound.ParticipantCount, perParticipant.Count),
            perParticipant.Count(p => p.DeliveredAt is not null),
            perParticipant.Count(p => p.ReadAt is not null),
            perParticipant));
    }

    /// <summary>
    /// Pins a message of the group (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/groups-messaging): 1–30 days; only the group admin can pin, which is the business
    /// number that created the group; at most three pins, and a fourth unpins the oldest, as Meta does.
    /// </summary>
    public async Task<Outcome<GroupEntity>> PinAsync(TenantEntity tenant, string groupId, PinRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(request.MessageId))
            errors.Add("messageId", "The message to pin: a OneClick message id sent to this group, or the wamid of a message received in it.");
        if (request.ExpirationDays is not (>= GroupLimits.MinPinDays and <= GroupLimits.MaxPinDays))
            errors.Add("expirationDays", $"How long the pin lasts: {GroupLimits.MinPinDays} to {GroupLimits.MaxPinDays} days.");
        if (errors.Any)
            return Failure.Invalid(errors);
        var (group, problem) = await ActiveGroupAsync(tenant.Id, groupId, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        var (wamid, missing) = await MetaIdOfAsync(tenant.Id, group!, request.MessageId!, cancellationToken).ConfigureAwait(false);
        if (missing is not null)
            return missing;
        var sent = await SendPinAsync(tenant, group!, "pin", wamid!, request.ExpirationDays, cancellationToken).ConfigureAwait(false);
        if (sent is not null)
            return sent;
        var now = clock.GetUtcNow();
        return Outcome.Ok((await store.UpdateAsync(tenant.Id, group!.Id, g =>
        {
            var pins = g.Pins.Where(p => p.MetaMessageId != wamid && p.ExpiresAt > now).ToList();
            while (pins.Count >= GroupLimits.MaxPinned)
                pins.RemoveAt(0);
            pins.Add(new GroupPinState(request.MessageId!, wamid!, now, now.AddDays(request.ExpirationDays!.Value)));
            g.Pins = pins;
            g.UpdatedAt = now;
            return true;
        }, cancellationToken).ConfigureAwait(false))!);
    }

    public async Task<Outcome<GroupEntity>> UnpinAsync(TenantEntity tenant, string groupId, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var (group, problem) = await ActiveGroupAsync(tenant.Id, groupId, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        var now = clock.GetUtcNow();
        var pin = group!.Pins.FirstOrDefault(p => (p.MessageId == messageId || p.MetaMessageId == messageId) && p.ExpiresAt > now);
        if (pin is null)
            return Failure.NotFound("pinned message");
        var sent = await SendPinAsync(tenant, group, "unpin", pin.MetaMessageId, null, cancellationToken).ConfigureAwait(false);
        if (sent is not null)
            return sent;
        return Outcome.Ok((await store.UpdateAsync(tenant.Id, group.Id, g =>
        {
            g.Pins = [.. g.Pins.Where(p => p.MetaMessageId != pin.MetaMessageId && p.ExpiresAt > now)];
            g.UpdatedAt = now;
            return true;
        }, cancellationToken).ConfigureAwait(false))!);
    }

    private async Task<(GroupEntity? Group, Failure? Problem)> ActiveGroupAsync(string tenantId, string groupId, CancellationToken cancellationToken)
    {
        if (!GroupStore.IsValidId(groupId))
            return (null, Failure.Invalid("groupId", "Not a group id."));
        var group = await store.GetAsync(tenantId, groupId, cancellationToken).ConfigureAwait(false);
        if (group is null)
            return (null, Failure.NotFound("group"));
        if (group.State != GroupStates.Active)
            return (null, GroupService.NotActive(group));
        if (group.Suspended)
            return (null, new Failure(FailureKind.Conflict, "Group suspended", "WhatsApp has suspended this group; pins cannot change until the suspension is lifted.", 131207));
        return (group, null);
    }

    private async Task<(string? Wamid, Failure? Problem)> MetaIdOfAsync(string tenantId, GroupEntity group, string messageId, CancellationToken cancellationToken)
    {
        if (MessageStore.IsValidId(messageId))
        {
            var outbound = await store.FindOutboundAsync(tenantId, messageId, cancellationToken).ConfigureAwait(false);
            if (outbound?.GroupId != group.Id)
                return (null, Failure.NotFound("message of this group"));
            var message = await messages.GetAsync(tenantId, messageId, cancellationToken).ConfigureAwait(false);
            return message?.MetaMessageId is { } wamid
                ? (wamid, null)
                : (null, Failure.Conflict("Meta has not accepted that message yet, so it cannot be pinned; try again once it is sent."));
        }
        if (messageId.Length <= 512 && await store.FindInboundAsync(tenantId, group.Id, messageId, cancellationToken).ConfigureAwait(false) is { } inbound)
            return (inbound.MetaMessageId, null);
        return (null, Failure.NotFound("message of this group"));
    }

    private async Task<Failure?> SendPinAsync(TenantEntity tenant, GroupEntity group, string operation, string wamid, int? days, CancellationToken cancellationToken)
    {
        var values = await secrets.GetAsync(tenant.Id, cancellationToken).ConfigureAwait(false);
        if (tenant.PhoneNumberId is null || values is null)
            return Failure.Conflict("The tenant has no Meta credentials; store them with PUT /api/tenants/{id}/credentials.");
        var pin = new JsonObject { ["type"] = operation, ["message_id"] = wamid };
        if (days is int d)
            pin["expiration_days"] = d;
        var payload = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "group",
            ["to"] = group.MetaGroupId,
            ["type"] = "pin",
            ["pin"] = pin,
        };
        try
        {
            await meta.SendMessageAsync(tenant.PhoneNumberId, values.AccessToken, payload.ToJsonString(), cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (MetaApiException e)
        {
            return MetaFailures.From(e);
        }
        catch (Exception e) when (e is MetaUnreachableException or MetaOutcomeUnknownException)
        {
            return new Failure(FailureKind.MetaUnavailable, "Meta could not be reached", e.Message + " Retry later.", RetryAfterSeconds: 30);
        }
    }
}

/// <summary>Checked again at send time: a group deleted or suspended since the message was accepted is skipped, not sent.</summary>
public sealed class GroupSendGuard(GroupStore store) : ISendGuard
{
    public async Task<SkipReason?> SkipReasonAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.RecipientType != "group")
            return null;
        var group = await store.GetAsync(message.TenantId, message.To, cancellationToken).ConfigureAwait(false);
        if (group is null || group.State is GroupStates.Deleted or GroupStates.Deleting)
            return new SkipReason("group_deleted", "The group was deleted before the message was sent.");
        if (group.Suspended)
            return new SkipReason("group_suspended", "WhatsApp suspended the group before the message was sent.");
        return null;
    }
}
