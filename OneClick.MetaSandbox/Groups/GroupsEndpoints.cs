using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.MetaSandbox.Control;
using OneClick.MetaSandbox.Messages;
using OneClick.MetaSandbox.Registry;
using OneClick.MetaSandbox.Webhooks;

namespace OneClick.MetaSandbox.Groups;

internal static class GroupsEndpoints
{
    /// <summary>Group ids look like Meta's ("Y2FwaV9ncm91cDo..."); the constraint makes these routes win over the phone-number node.</summary>
    private const string GroupId = "{groupId:regex(^Y2FwaV9ncm91cDo[A-Za-z0-9+=_-]*$)}";

    public static void MapGroupsGraph(this RouteGroupBuilder graph)
    {
        graph.MapPost("/{phoneNumberId}/groups", (string phoneNumberId, HttpRequest request, GroupsGraphApi api, CancellationToken ct) =>
            api.CreateAsync(phoneNumberId, request, ct));
        graph.MapGet("/{phoneNumberId}/groups", (string phoneNumberId, HttpRequest request, GroupsGraphApi api) => api.List(phoneNumberId, request));

        graph.MapGet($"/{GroupId}", (string groupId, string? fields, HttpRequest request, GroupsGraphApi api) => api.Get(groupId, fields, request));
        graph.MapPost($"/{GroupId}", (string groupId, HttpRequest request, GroupsGraphApi api, CancellationToken ct) => api.UpdateAsync(groupId, request, ct));
        graph.MapDelete($"/{GroupId}", (string groupId, HttpRequest request, GroupsGraphApi api) => api.Delete(groupId, request));
        graph.MapMethods($"/{GroupId}/invite_link", ["GET", "POST", "DELETE"], (string groupId, HttpRequest request, GroupsGraphApi api) =>
            api.InviteLink(groupId, request));
        graph.MapDelete($"/{GroupId}/participants", (string groupId, HttpRequest request, GroupsGraphApi api, CancellationToken ct) =>
            api.RemoveParticipantsAsync(groupId, request, ct));
        graph.MapGet($"/{GroupId}/join_requests", (string groupId, HttpRequest request, GroupsGraphApi api) => api.ListJoinRequests(groupId, request));
        graph.MapMethods($"/{GroupId}/join_requests", ["POST", "DELETE"], (string groupId, HttpRequest request, GroupsGraphApi api, CancellationToken ct) =>
            api.AnswerJoinRequestsAsync(groupId, request, ct));
    }

    /// <summary>Control API: inspect groups, simulate people joining/leaving/writing, suspensions, and raw group webhooks.</summary>
    public static void MapGroupsControl(this RouteGroupBuilder control)
    {
        control.MapGet("/phone-numbers/{phoneNumberId}/groups", (string phoneNumberId, PhoneNumberRegistry registry, GroupRegistry groups) =>
            registry.Find(phoneNumberId) is null
                ? ControlJson.NotRegistered(phoneNumberId)
                : Results.Json(groups.Of(phoneNumberId).Select(g => g.Snapshot()), ControlJson.Options));

        control.MapGet("/phone-numbers/{phoneNumberId}/groups/{groupId}", (string phoneNumberId, string groupId, PhoneNumberRegistry registry, GroupRegistry groups) =>
            Resolve(phoneNumberId, groupId, registry, groups) is { Error: null } found
                ? Results.Json(found.Group!.Snapshot(), ControlJson.Options)
                : Resolve(phoneNumberId, groupId, registry, groups).Error!);

        control.MapPost("/phone-numbers/{phoneNumberId}/groups/{groupId}/{action:regex(^(join|leave|revoke-join-request|suspend|suspend-cleared|inbound)$)}", ActAsync);
        control.MapPost("/phone-numbers/{phoneNumberId}/group-webhooks", RawWebhookAsync);
    }

    private static (SandboxGroup? Group, PhoneNumberRegistration? Number, IResult? Error) Resolve(
        string phoneNumberId, string groupId, PhoneNumberRegistry registry, GroupRegistry groups)
    {
        if (registry.Find(phoneNumberId) is not { } number)
        {
            return (null, null, ControlJson.NotRegistered(phoneNumberId));
        }

        return groups.Find(groupId) is { } group && group.PhoneNumberId == phoneNumberId
            ? (group, number, null)
            : (null, null, ControlJson.Error($"Group '{groupId}' is not a live group of phone number '{phoneNumberId}'.", StatusCodes.Status404NotFound));
    }

    private static async Task<IResult> ActAsync(
        string phoneNumberId, string groupId, string action, HttpRequest request,
        PhoneNumberRegistry registry, GroupRegistry groups, GroupWebhooks webhooks, WebhookDispatcher dispatcher, MessageLog log,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (group, number, error) = Resolve(phoneNumberId, groupId, registry, groups);
        if (error is not null)
        {
            return error;
        }

        if (action is "suspend" or "suspend-cleared")
        {
            lock (group!.Gate)
            {
                group.Suspended = action == "suspend";
            }

            webhooks.Send(number!, GroupWebhooks.Status, [new JsonObject
            {
                ["timestamp"] = webhooks.Timestamp(),
                ["type"] = action == "suspend" ? "group_suspend" : "group_suspend_cleared",
                ["group_id"] = group.Id,
            }], TimeSpan.Zero);
            return Results.Json(group.Snapshot(), ControlJson.Options, statusCode: StatusCodes.Status202Accepted);
        }

        var (body, readError) = await ControlJson.ReadAsync<GroupPersonRequest>(request, cancellationToken);
        if (readError is not null)
        {
            return readError;
        }

        var waId = body!.WaId ?? body.From;
        var digits = waId is null ? null : Recipients.NormalizePhone(waId);
        if ((waId is not null && digits is null) || (waId is null && body.UserId is null))
        {
            return ControlJson.Error("waId (or from) must be a phone number of 8 to 15 digits, or userId a business-scoped user id.");
        }

        if (body.UserId is not null && !Recipients.LooksLikeUserId(body.UserId))
        {
            return ControlJson.Error("userId must be a business-scoped user id (CC.digits).");
        }

        // A person is known by phone, or only by BSUID (a username user whose phone Meta does not show).
        var person = new GroupPerson(digits, body.UserId);
        return action switch
        {
            "join" => Join(group!, number!, person, webhooks),
            "leave" => Leave(group!, number!, person, webhooks, body.InitiatedByBeside),
            "revoke-join-request" => RevokeJoinRequest(group!, number!, person.Id, webhooks),
            _ => Inbound(group!, number!, person, body, dispatcher, log, time),
        };
    }

    /// <summary>A group participant: the phone (digits) when Meta shows it, the BSUID when the person has one.</summary>
    private sealed record GroupPerson(string? Phone, string? UserId)
    {
        /// <summary>How the sandbox group keeps the participant: the phone when known, else the BSUID.</summary>
        public string Id => Phone ?? UserId!;

        /// <summary>A participant entry of a group webhook: wa_id and/or user_id, as Meta shows them.</summary>
        public JsonObject Entry()
        {
            var entry = new JsonObject();
            if (Phone is not null)
                entry["wa_id"] = Phone;
            if (UserId is not null)
                entry["user_id"] = UserId;
            return entry;
        }
    }

    private static IResult Join(SandboxGroup group, PhoneNumberRegistration number, GroupPerson person, GroupWebhooks webhooks)
    {
        var waId = person.Id;
        JsonObject item;
        lock (group.Gate)
        {
            if (group.Participants.Contains(waId))
            {
                return ControlJson.Error($"{waId} is already in the group.", StatusCodes.Status409Conflict);
            }

            if (group.Removed.Contains(waId))
            {
                return ControlJson.Error($"{waId} was removed by the business and cannot rejoin through the invite link.", StatusCodes.Status409Conflict);
            }

            if (group.JoinApprovalMode == "approval_required")
            {
                if (group.JoinRequests.Any(r => r.WaId == waId))
                {
                    return ControlJson.Error($"{waId} already asked to join.", StatusCodes.Status409Conflict);
                }

                var joinRequest = new JoinRequest(SandboxGroup.NewRequestId(), waId, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
                group.JoinRequests.Add(joinRequest);
                item = new JsonObject
                {
                    ["timestamp"] = webhooks.Timestamp(),
                    ["type"] = "group_join_request_created",
                    ["group_id"] = group.Id,
                    ["join_request_id"] = joinRequest.JoinRequestId,
                    ["wa_id"] = waId,
                    ["reason"] = "invite_link",
                };
            }
            else
            {
                if (group.Participants.Count >= SandboxGroup.MaxParticipants)
                {
                    return ControlJson.Error($"The group already has {SandboxGroup.MaxParticipants} participants (131204).", StatusCodes.Status409Conflict);
                }

                group.Participants.Add(waId);
                item = new JsonObject
                {
                    ["timestamp"] = webhooks.Timestamp(),
                    ["type"] = "group_participants_add",
                    ["group_id"] = group.Id,
                    ["reason"] = "invite_link",
                    ["added_participants"] = new JsonArray(person.Entry()),
                };
            }
        }

        webhooks.Send(number, GroupWebhooks.Participants, [item], TimeSpan.Zero);
        return Results.Json(group.Snapshot(), ControlJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <param name="initiatedByBeside">
    /// Puts initiated_by beside the group item (in the change value) instead of inside it: Meta's samples show both.
    /// </param>
    private static IResult Leave(SandboxGroup group, PhoneNumberRegistration number, GroupPerson person, GroupWebhooks webhooks, bool initiatedByBeside)
    {
        lock (group.Gate)
        {
            if (!group.Participants.Remove(person.Id))
            {
                return ControlJson.Error($"{person.Id} is not in the group.", StatusCodes.Status409Conflict);
            }
        }

        var item = new JsonObject
        {
            ["timestamp"] = webhooks.Timestamp(),
            ["type"] = "group_participants_remove",
            ["group_id"] = group.Id,
            ["removed_participants"] = new JsonArray(person.Entry()),
        };
        if (!initiatedByBeside)
            item["initiated_by"] = "participant";
        webhooks.Send(number, GroupWebhooks.Participants, [item], TimeSpan.Zero,
            beside: initiatedByBeside ? new JsonObject { ["initiated_by"] = "participant" } : null);
        return Results.Json(group.Snapshot(), ControlJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult RevokeJoinRequest(SandboxGroup group, PhoneNumberRegistration number, string waId, GroupWebhooks webhooks)
    {
        JoinRequest? found;
        lock (group.Gate)
        {
            found = group.JoinRequests.FirstOrDefault(r => r.WaId == waId);
            if (found is null)
            {
                return ControlJson.Error($"{waId} has no pending join request.", StatusCodes.Status409Conflict);
            }

            group.JoinRequests.Remove(found);
        }

        webhooks.Send(number, GroupWebhooks.Participants, [new JsonObject
        {
            ["timestamp"] = webhooks.Timestamp(),
            ["type"] = "group_join_request_revoked",
            ["group_id"] = group.Id,
            ["join_request_id"] = found.JoinRequestId,
            ["wa_id"] = waId,
            ["reason"] = "user_revoked",
        }], TimeSpan.Zero);
        return Results.Json(group.Snapshot(), ControlJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>A participant writes in the group: a text, or a type WhatsApp cannot forward (unsupported, 130501).</summary>
    private static IResult Inbound(
        SandboxGroup group, PhoneNumberRegistration number, GroupPerson person, GroupPersonRequest body, WebhookDispatcher dispatcher, MessageLog log, TimeProvider time)
    {
        var from = person.Id;
        var unsupported = body.Type == "unsupported";
        if (!unsupported && string.IsNullOrEmpty(body.Text))
        {
            return ControlJson.Error("text is required (or type \"unsupported\").");
        }

        var id = Wamid.New(from);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var message = new JsonObject();
        // A username user without a shown phone comes with from_user_id only.
        if (person.Phone is not null)
            message["from"] = person.Phone;
        if (person.UserId is not null)
            message["from_user_id"] = person.UserId;
        message["group_id"] = group.Id;
        message["id"] = id;
        message["timestamp"] = timestamp;
        if (unsupported)
        {
            message["errors"] = new JsonArray(new JsonObject
            {
                ["code"] = 130501,
                ["message"] = "Message type is not currently supported",
                ["title"] = "Unsupported message type",
                ["error_data"] = new JsonObject { ["details"] = "Message type is not currently supported in groups." },
            });
            message["type"] = "unsupported";
        }
        else
        {
            message["text"] = new JsonObject { ["body"] = body.Text };
            message["type"] = "text";
        }

        var envelope = OneClick.MetaSandbox.Inbound.InboundAnyTypeEndpoints.InboundEnvelope(
            number, new OneClick.MetaSandbox.Inbound.InboundSender(person.Phone, person.UserId, null, null, body.Name), message, withContacts: true);
        log.RecordInbound(number.PhoneNumberId, id);
        dispatcher.Schedule(number, unsupported ? "inbound:unsupported" : "inbound:text", id, JsonSerializer.SerializeToUtf8Bytes(envelope), TimeSpan.Zero);
        return Results.Json(new { id, from, timestamp, groupId = group.Id }, ControlJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// POST /_sandbox/phone-numbers/{id}/group-webhooks {"field": "group_participants_update", "groups": [...], "copies": 1}:
    /// signs and POSTs exactly these group items, so tests can replay events out of order or twice.
    /// </summary>
    private static async Task<IResult> RawWebhookAsync(
        string phoneNumberId, HttpRequest request, PhoneNumberRegistry registry, GroupWebhooks webhooks, CancellationToken cancellationToken)
    {
        if (registry.Find(phoneNumberId) is not { } number)
        {
            return ControlJson.NotRegistered(phoneNumberId);
        }

        if (number.WebhookUrl is null)
        {
            return ControlJson.Error($"Phone number '{phoneNumberId}' has no webhookUrl.", StatusCodes.Status409Conflict);
        }

        var (body, readError) = await ControlJson.ReadAsync<RawGroupWebhookRequest>(request, cancellationToken);
        if (readError is not null)
        {
            return readError;
        }

        if (body!.Field is null || !GroupWebhooks.Fields.Contains(body.Field, StringComparer.Ordinal))
        {
            return ControlJson.Error($"field must be one of {string.Join(", ", GroupWebhooks.Fields)}.");
        }

        if (body.Groups is not { Count: > 0 } items || items.Any(i => i is not JsonObject))
        {
            return ControlJson.Error("groups must be a non-empty array of group objects.");
        }

        if (body.Copies is < 1 or > 5)
        {
            return ControlJson.Error("copies must be between 1 and 5.");
        }

        webhooks.Send(number, body.Field, items.Select(i => (JsonObject)i!.DeepClone()), TimeSpan.Zero, body.Copies ?? 1);
        return Results.Accepted();
    }

    private sealed class GroupPersonRequest
    {
        public string? WaId { get; set; }
        /// <summary>The person's BSUID, beside or instead of the phone.</summary>
        public string? UserId { get; set; }
        /// <summary>On leave: initiated_by beside the group item instead of inside it.</summary>
        public bool InitiatedByBeside { get; set; }
        public string? From { get; set; }
        public string? Name { get; set; }
        public string? Text { get; set; }
        public string? Type { get; set; }
    }

    private sealed class RawGroupWebhookRequest
    {
        public string? Field { get; set; }
        public JsonArray? Groups { get; set; }
        public int? Copies { get; set; }
    }
}
