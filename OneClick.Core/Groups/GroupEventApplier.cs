using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OneClick.Core.Contacts;
using OneClick.Core.Storage;

namespace OneClick.Core.Groups;

/// <summary>
/// Applies one <c>groups[]</c> item of a group webhook (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/webhooks) to the stored group. Every change is idempotent
/// and order-independent: each part of a group keeps the Meta timestamp of the event that last set it and only a
/// newer-or-equal event replaces it, so a duplicate changes nothing and a late, older event never undoes a newer one.
/// Events that arrive before OneClick knows the group (before group_create brought its id) are parked and replayed.
/// </summary>
public sealed partial class GroupEventApplier(GroupStore store, ILogger<GroupEventApplier> logger)
{
    public async Task ApplyAsync(string tenantId, string field, JsonElement item, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var type = Text(item, "type");
        var at = Seconds(item, receivedAt);
        if (field == "group_lifecycle_update" && type == "group_create")
        {
            await ApplyCreateAsync(tenantId, item, at, receivedAt, cancellationToken).ConfigureAwait(false);
            return;
        }

        var metaGroupId = Text(item, "group_id");
        if (metaGroupId is null)
        {
            LogIgnored(logger, tenantId, field, type ?? "(none)");
            return;
        }

        var groupId = await store.FindByMetaIdAsync(tenantId, metaGroupId, cancellationToken).ConfigureAwait(false);
        if (groupId is null)
        {
            // Before the group_create webhook (or for a group OneClick did not create): keep it for when the group is known.
            await store.ParkAsync(tenantId, "meta:" + metaGroupId, field, item.GetRawText(), receivedAt, cancellationToken).ConfigureAwait(false);
            await ReplayIfKnownAsync(tenantId, metaGroupId, cancellationToken).ConfigureAwait(false);
            return;
        }

        await store.UpdateAsync(tenantId, groupId, group => Apply(group, field, type, item, at, receivedAt), cancellationToken).ConfigureAwait(false);
    }

    private async Task ApplyCreateAsync(string tenantId, JsonElement item, long at, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var requestId = Text(item, "request_id");
        var groupId = requestId is null ? null : await store.FindByRequestIdAsync(tenantId, requestId, cancellationToken).ConfigureAwait(false);
        if (groupId is null)
        {
            // The create call's answer has not been stored yet (the webhook won the race): replayed after it is.
            if (requestId is not null)
            {
                await store.ParkAsync(tenantId, "request:" + requestId, "group_lifecycle_update", item.GetRawText(), receivedAt, cancellationToken).ConfigureAwait(false);
                // The index may have been written (and its replay run) between the lookup and the park: look again.
                if (await store.FindByRequestIdAsync(tenantId, requestId, cancellationToken).ConfigureAwait(false) is not null)
                    await ReplayAsync(tenantId, "request:" + requestId, cancellationToken).ConfigureAwait(false);
            }
            return;
        }

        var metaGroupId = Text(item, "group_id");
        var updated = await store.UpdateAsync(tenantId, groupId, group =>
        {
            if (Errors(item) is { } error)
            {
                if (group.State != GroupStates.Pending)
                    return false;
                group.State = GroupStates.Failed;
                (group.FailureCode, group.FailureReason) = error;
                group.LifecycleAt = at;
                group.UpdatedAt = receivedAt;
                return true;
            }

            if (metaGroupId is null || (group.MetaGroupId == metaGroupId && group.State != GroupStates.Pending && group.InviteLink is not null))
                return false;
            group.MetaGroupId = metaGroupId;
            group.InviteLink ??= Text(item, "invite_link");
            if (group.State is GroupStates.Pending or GroupStates.Failed)
                group.State = GroupStates.Active;
            if (Text(item, "subject") is { } subject && at >= group.SubjectAt)
                (group.Subject, group.SubjectAt) = (subject, at);
            if (Text(item, "description") is { } description && at >= group.DescriptionAt)
                (group.Description, group.DescriptionAt) = (description, at);
            if (Text(item, "join_approval_mode") is { } mode)
                group.JoinApprovalMode = mode;
            group.LifecycleAt = Math.Max(group.LifecycleAt, at);
            group.UpdatedAt = receivedAt;
            return true;
        }, cancellationToken).ConfigureAwait(false);

        if (updated?.MetaGroupId is { } known)
        {
            await store.IndexMetaIdAsync(tenantId, known, groupId, cancellationToken).ConfigureAwait(false);
            await ReplayAsync(tenantId, "meta:" + known, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The group became known between the lookup and the park (its replay may have run already): replay now.</summary>
    private async Task ReplayIfKnownAsync(string tenantId, string metaGroupId, CancellationToken cancellationToken)
    {
        if (await store.FindByMetaIdAsync(tenantId, metaGroupId, cancellationToken).ConfigureAwait(false) is not null)
            await ReplayAsync(tenantId, "meta:" + metaGroupId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies the events parked under <paramref name="key"/> now that the group is known, then forgets them.</summary>
    public async Task ReplayAsync(string tenantId, string key, CancellationToken cancellationToken)
    {
        foreach (var parked in await store.ParkedAsync(tenantId, key, cancellationToken).ConfigureAwait(false))
        {
            using var document = JsonDocument.Parse(parked.ItemJson);
            var item = document.RootElement;
            if (parked.Field == "messages")
                await StoreInboundAsync(tenantId, item.GetProperty("message"), Text(item, "profile_name"), parked.ReceivedAt, cancellationToken).ConfigureAwait(false);
            else
                await ApplyAsync(tenantId, parked.Field, item, parked.ReceivedAt, cancellationToken).ConfigureAwait(false);
            await store.RemoveParkedAsync(parked, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stores an inbound group message (a <c>messages[]</c> item with <c>group_id</c>) in the group's conversation,
    /// including the unsupported type (130501). The row key comes from Meta's timestamp and wamid, so duplicates are one row.
    /// </summary>
    public async Task StoreInboundAsync(string tenantId, JsonElement message, string? profileName, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var metaGroupId = Text(message, "group_id");
        var wamid = Text(message, "id");
        if (metaGroupId is null || wamid is null)
            return;
        var groupId = await store.FindByMetaIdAsync(tenantId, metaGroupId, cancellationToken).ConfigureAwait(false);
        if (groupId is null)
        {
            var wrapped = new System.Text.Json.Nodes.JsonObject
            {
                ["message"] = System.Text.Json.Nodes.JsonNode.Parse(message.GetRawText()),
                ["profile_name"] = profileName,
            };
            await store.ParkAsync(tenantId, "meta:" + metaGroupId, "messages", wrapped.ToJsonString(), receivedAt, cancellationToken).ConfigureAwait(false);
            await ReplayIfKnownAsync(tenantId, metaGroupId, cancellationToken).ConfigureAwait(false);
            return;
        }

        var at = DateTimeOffset.FromUnixTimeSeconds(Seconds(message, receivedAt));
        var type = Text(message, "type") ?? "unknown";
        var error = Errors(message);
        string? text = null;
        if (message.TryGetProperty(type, out var content) && content.ValueKind == JsonValueKind.Object)
            text = Text(content, "body") ?? Text(content, "caption") ?? Text(content, "emoji");
        string? errorTitle = null, errorDetails = null;
        if (error is { } e && message.TryGetProperty("errors", out var errors))
        {
            errorTitle = Text(errors[0], "title") ?? Text(errors[0], "message");
            errorDetails = errors[0].TryGetProperty("error_data", out var data) ? Text(data, "details") : null;
        }
        await store.UpsertMessageAsync(new GroupMessageEntity
        {
            PartitionKey = tenantId,
            RowKey = GroupStore.ConversationKey(groupId, at, "in", wamid),
            GroupId = groupId,
            Direction = "inbound",
            MetaMessageId = wamid,
            // A username user without a shown phone is named by from_user_id only.
            From = WaId(Text(message, "from")) ?? Text(message, "from") ?? Text(message, "from_user_id"),
            ProfileName = profileName,
            Type = type,
            Text = text,
            ErrorCode = error?.Code,
            ErrorTitle = errorTitle,
            ErrorDetails = errorDetails,
            At = at,
        }, cancellationToken).ConfigureAwait(false);
    }

    private static bool Apply(GroupEntity group, string field, string? type, JsonElement item, long at, DateTimeOffset receivedAt)
    {
        var changed = (field, type) switch
        {
            ("group_lifecycle_update", "group_delete") => ApplyDelete(group, item, at),
            ("group_participants_update", "group_participants_add") => ApplyMembership(group, item, "added_participants", member: true, at, _ => How(item, "joined")),
            ("group_participants_update", "group_participants_remove") => ApplyRemove(group, item, at),
            ("group_participants_update", "group_join_request_created") => ApplyJoinRequest(group, item, "pending", at),
            ("group_participants_update", "group_join_request_revoked") => ApplyJoinRequest(group, item, "revoked", at),
            ("group_settings_update", _) => ApplySettings(group, item, at),
            ("group_status_update", "group_suspend") => ApplySuspension(group, suspended: true, at),
            ("group_status_update", "group_suspend_cleared") => ApplySuspension(group, suspended: false, at),
            _ => false,
        };
        if (changed)
            group.UpdatedAt = receivedAt;
        return changed;
    }

    private static bool ApplyDelete(GroupEntity group, JsonElement item, long at)
    {
        if (Errors(item) is { } error)
        {
            if (group.State != GroupStates.Deleting)
                return false;
            group.State = GroupStates.Active;
            group.LastError = $"Delete failed: Meta {error.Code}: {error.Reason}";
            return true;
        }

        if (group.State == GroupStates.Deleted)
            return false;
        group.State = GroupStates.Deleted;
        group.LifecycleAt = Math.Max(group.LifecycleAt, at);
        return true;
    }

    private static string How(JsonElement item, string fallback) => Text(item, "reason") ?? fallback;

    private static bool ApplyMembership(GroupEntity group, JsonElement item, string listName, bool member, long at, Func<JsonElement, string> how)
    {
        if (!item.TryGetProperty(listName, out var list) || list.ValueKind != JsonValueKind.Array)
            return false;
        var participants = group.Participants;
        var joinRequests = group.JoinRequests;
        var changed = false;
        foreach (var entry in list.EnumerateArray())
        {
            if (ParticipantKey(participants, Participant(entry)) is not { } key)
                continue;
            var (waId, userId, moved) = key;
            changed |= moved;
            if (participants.TryGetValue(waId, out var current) && (current.At > at || (current.Member == member && current.At == at)))
            {
                // Same state already: only learn a BSUID it lacked.
                if (userId is not null && current.UserId is null)
                    (participants[waId], changed) = (current with { UserId = userId }, true);
                continue;
            }
            participants[waId] = new Membership(member, at, how(entry), userId ?? current?.UserId);
            changed = true;
            if (member)
            {
                // A join request that led to this membership is settled.
                foreach (var (id, request) in joinRequests.Where(r => (r.Value.WaId == waId || r.Value.WaId == userId) && r.Value.State == "pending" && r.Value.At <= at).ToList())
                    joinRequests[id] = request with { State = "approved", At = at };
            }
        }
        if (changed)
            (group.Participants, group.JoinRequests) = (participants, joinRequests);
        return changed;
    }

    /// <summary>
    /// The phone (digits) and BSUID a participant entry names: <c>wa_id</c>, <c>user_id</c>, and <c>input</c> (what the
    /// business sent: a phone or a BSUID). Meta may show either or both
    /// (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids).
    /// </summary>
    public static (string? Phone, string? UserId) Participant(JsonElement entry)
    {
        var input = Text(entry, "input");
        var phone = WaId(Text(entry, "wa_id")) ?? WaId(input);
        var userId = Text(entry, "user_id") is { } id && UserIds.IsAny(id) ? id : UserIds.IsAny(input) ? input : null;
        return (phone, userId);
    }

    /// <summary>
    /// The key a group keeps a participant under, the phone when known, else the BSUID, and the BSUID to remember. A
    /// participant first known by BSUID alone moves to the phone key when both arrive; one known by phone is found by
    /// its BSUID, so a member who joins by phone and leaves by BSUID is one person.
    /// </summary>
    private static (string Key, string? UserId, bool Moved)? ParticipantKey(Dictionary<string, Membership> participants, (string? Phone, string? UserId) who)
    {
        var (phone, userId) = who;
        if (phone is null)
        {
            if (userId is null)
                return null;
            var byPhone = participants.FirstOrDefault(p => p.Value.UserId == userId && p.Key != userId).Key;
            return (byPhone ?? userId, userId, false);
        }
        if (userId is null || !participants.Remove(userId, out var bsuidOnly))
            return (phone, userId, false);
        if (!participants.TryGetValue(phone, out var known) || known.At < bsuidOnly.At)
            participants[phone] = bsuidOnly with { UserId = userId };
        return (phone, userId, true);
    }

    /// <summary>
    /// Who started a removal: Meta's samples put <c>initiated_by</c> on the participant, on the group item, or beside
    /// the item in the change value (copied onto the item by <see cref="GroupWebhookHandler"/>). Absent → the business.
    /// </summary>
    private static string RemovedHow(JsonElement item, JsonElement entry) =>
        (Text(entry, "initiated_by") ?? Text(item, "initiated_by") ?? "business") == "participant" ? "left" : "removed";

    private static bool ApplyRemove(GroupEntity group, JsonElement item, long at)
    {
        var changed = ApplyMembership(group, item, "removed_participants", member: false, at, entry => RemovedHow(item, entry));
        if (item.TryGetProperty("failed_participants", out var failed) && failed.ValueKind == JsonValueKind.Array && failed.GetArrayLength() > 0)
        {
            var who = string.Join(", ", failed.EnumerateArray().Select(f => Text(f, "input") ?? Text(f, "wa_id") ?? Text(f, "user_id")));
            var why = failed.EnumerateArray().Select(Errors).FirstOrDefault(e => e is not null);
            group.LastError = $"Could not remove {who}" + (why is { } e ? $": Meta {e.Code}: {e.Reason}" : ".");
            changed = true;
        }
        return changed;
    }

    private static bool ApplyJoinRequest(GroupEntity group, JsonElement item, string state, long at)
    {
        var id = Text(item, "join_request_id");
        var (phone, userId) = Participant(item);
        var waId = phone ?? userId;
        if (id is null || waId is null)
            return false;
        var requests = group.JoinRequests;
        if (requests.TryGetValue(id, out var current) && (current.At > at || (current.State == state && current.At == at) || current.State is "approved" or "rejected"))
            return false;
        requests[id] = new GroupJoinRequest(waId, state, at);
        group.JoinRequests = requests;
        return true;
    }

    private static bool ApplySettings(GroupEntity group, JsonElement item, long at)
    {
        var changed = false;
        if (Successful(item, "group_subject") is { } subject && at >= group.SubjectAt && (group.Subject != subject || group.SubjectAt != at))
        {
            (group.Subject, group.SubjectAt, changed) = (subject, at, true);
        }
        if (Successful(item, "group_description") is { } description && at >= group.DescriptionAt && (group.Description != description || group.DescriptionAt != at))
        {
            (group.Description, group.DescriptionAt, changed) = (description, at, true);
        }
        if (item.TryGetProperty("profile_picture", out var picture) && picture.ValueKind == JsonValueKind.Object
            && picture.TryGetProperty("update_successful", out var ok) && ok.ValueKind == JsonValueKind.True
            && at >= group.PictureAt && Text(picture, "sha256") is { } sha && sha != group.PictureSha256)
        {
            (group.PictureSha256, group.PictureAt, changed) = (sha, at, true);
        }
        if (Errors(item) is { } error)
        {
            var text = $"Settings update failed: Meta {error.Code}: {error.Reason}";
            if (group.LastError != text)
                (group.LastError, changed) = (text, true);
        }
        return changed;
    }

    private static bool ApplySuspension(GroupEntity group, bool suspended, long at)
    {
        if (at < group.SuspendedAt || (at == group.SuspendedAt && group.Suspended == suspended))
            return false;
        (group.Suspended, group.SuspendedAt) = (suspended, at);
        return true;
    }

    /// <summary>The text of a settings part when Meta says it was applied.</summary>
    private static string? Successful(JsonElement item, string name) =>
        item.TryGetProperty(name, out var part) && part.ValueKind == JsonValueKind.Object
        && (!part.TryGetProperty("update_successful", out var ok) || ok.ValueKind == JsonValueKind.True)
            ? Text(part, "text")
            : null;

    public static (int? Code, string Reason)? Errors(JsonElement item)
    {
        if (!item.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array || errors.GetArrayLength() == 0)
            return null;
        var first = errors[0];
        int? code = first.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32()
            : int.TryParse(Text(first, "code"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        var details = first.TryGetProperty("error_data", out var data) && data.ValueKind == JsonValueKind.Object ? Text(data, "details") : null;
        var title = Text(first, "title") ?? Text(first, "message") ?? "Unknown error";
        return (code, details is null ? title : $"{title} — {details}");
    }

    public static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Meta's group timestamps are usually strings, sometimes numbers (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/webhooks); absent → when received.</summary>
    public static long Seconds(JsonElement item, DateTimeOffset fallback)
    {
        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("timestamp", out var value))
        {
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
                return number;
            if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                return parsed;
        }
        return fallback.ToUnixTimeSeconds();
    }

    /// <summary>Digits of a phone number or wa_id (Meta echoes what was sent, e.g. "+1 786 534 7866").</summary>
    public static string? WaId(string? value)
    {
        if (value is null)
            return null;
        var digits = new string([.. value.Where(char.IsAsciiDigit)]);
        return digits.Length is >= 8 and <= 15 && value.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or '(' or ')' or ' ') ? digits : null;
    }

    [LoggerMessage(LogLevel.Information, "Group webhook {Field}/{Type} for tenant {TenantId} names no group; ignored")]
    private static partial void LogIgnored(ILogger logger, string tenantId, string field, string type);
}
