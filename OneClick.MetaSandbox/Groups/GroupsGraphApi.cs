using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.MetaSandbox.Faults;
using OneClick.MetaSandbox.Graph;
using OneClick.MetaSandbox.Messages;
using OneClick.MetaSandbox.Registry;

namespace OneClick.MetaSandbox.Groups;

/// <summary>
/// The Cloud API Groups endpoints (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference): create (asynchronous, answered by a lifecycle webhook), list with
/// cursors, group info with fields, settings and picture, invite link, participants removal, join requests, delete.
/// Injected codes (behaviour "groups.errors") are answered before anything changes.
/// </summary>
internal sealed class GroupsGraphApi(
    GraphAuthenticator authenticator,
    GroupRegistry groups,
    BehaviourStore behaviours,
    GroupWebhooks webhooks,
    TimeProvider time)
{
    public const int MaxSubject = 128;
    public const int MaxDescription = 2048;
    public const int MaxPictureBytes = 5 * 1024 * 1024;
    public const int MinPictureSide = 192;

    private static readonly string[] MessagingProducts = ["whatsapp"];
    private static readonly string[] JoinApprovalModes = ["auto_approve", "approval_required"];
    private static readonly string[] InfoFields =
        ["id", "subject", "description", "participants", "join_approval_mode", "suspended", "creation_timestamp", "total_participant_count", "invite_link"];

    public static GroupBehaviour Behaviour(ActiveBehaviour behaviour) => behaviour.Settings.Groups ?? new GroupBehaviour();

    // ---- POST /{phone-number-id}/groups ---------------------------------------------------------------------

    public async Task<IResult> CreateAsync(string phoneNumberId, HttpRequest request, CancellationToken cancellationToken)
    {
        var (number, failure) = authenticator.AuthorizePhoneNumber(request, phoneNumberId);
        if (failure is not null)
        {
            return failure.ToResult();
        }

        var settings = Behaviour(behaviours.Get(phoneNumberId));
        if (settings.ErrorFor("create") is int injected)
        {
            return GraphErrors.WhatsApp(injected).ToResult();
        }

        using var document = await ReadJsonAsync(request, cancellationToken);
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root)
        {
            return GraphErrors.WhatsApp(100, "The request body must be a JSON object.").ToResult();
        }

        var check = new PayloadChecker();
        check.OneOf(root, "messaging_product", "messaging_product", MessagingProducts);
        var subject = check.String(root, "subject", "subject", maxLength: MaxSubject + 64)?.Trim();
        if (subject is { Length: 0 })
        {
            check.Missing("subject");
        }
        else if (subject is { Length: > MaxSubject })
        {
            check.BadValue($"Param subject must be at most {MaxSubject} characters long.");
        }

        var description = check.String(root, "description", "description", required: false, maxLength: MaxDescription);
        var mode = check.OneOf(root, "join_approval_mode", "join_approval_mode", JoinApprovalModes, required: false) ?? "auto_approve";
        if (check.Error is { } invalid)
        {
            return GraphErrors.WhatsApp(invalid.Code, invalid.Details).ToResult();
        }

        if (groups.CountOf(phoneNumberId) >= settings.MaxGroups)
        {
            return GraphErrors.WhatsApp(131211, $"This number already has {settings.MaxGroups} groups, the most it may have.").ToResult();
        }

        var requestId = SandboxGroup.NewRequestId();
        var delay = TimeSpan.FromMilliseconds(settings.LifecycleDelayMs);
        if (settings.CreateFailureCode is int failureCode)
        {
            webhooks.Send(number!, GroupWebhooks.Lifecycle, [new JsonObject
            {
                ["timestamp"] = webhooks.Timestamp(),
                ["type"] = "group_create",
                ["request_id"] = requestId,
                ["errors"] = GroupWebhooks.Errors(failureCode),
            }], delay);
        }
        else
        {
            var group = groups.Add(phoneNumberId, time.GetUtcNow());
            lock (group.Gate)
            {
                group.Subject = subject!;
                group.Description = description ?? "";
                group.JoinApprovalMode = mode;
            }

            webhooks.Send(number!, GroupWebhooks.Lifecycle, [new JsonObject
            {
                ["timestamp"] = webhooks.Timestamp(),
                ["type"] = "group_create",
                ["request_id"] = requestId,
                ["group_id"] = group.Id,
                ["subject"] = group.Subject,
                ["description"] = group.Description,
                ["invite_link"] = group.InviteLink,
                ["join_approval_mode"] = group.JoinApprovalMode,
            }], delay);
        }

        return Results.Json(new JsonObject { ["messaging_product"] = "whatsapp", ["request_id"] = requestId });
    }

    // ---- GET /{phone-number-id}/groups ----------------------------------------------------------------------

    public IResult List(string phoneNumberId, HttpRequest request)
    {
        var (_, failure) = authenticator.AuthorizePhoneNumber(request, phoneNumberId);
        if (failure is not null)
        {
            return failure.ToResult();
        }

        if (Behaviour(behaviours.Get(phoneNumberId)).ErrorFor("list") is int injected)
        {
            return GraphErrors.WhatsApp(injected).ToResult();
        }

        var limit = 25;
        if (request.Query["limit"].ToString() is { Length: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1024))
        {
            return GraphErrors.WhatsApp(131009, "Param limit must be between 1 and 1024.").ToResult();
        }

        var all = groups.Of(phoneNumberId);
        var start = 0;
        if (request.Query["after"].ToString() is { Length: > 0 } after)
        {
            var index = IndexOfCursor(all, after);
            if (index is null)
            {
                return GraphErrors.WhatsApp(131059, "The pagination cursor is invalid or expired; start again without one.").ToResult();
            }

            start = index.Value + 1;
        }
        else if (request.Query["before"].ToString() is { Length: > 0 } before)
        {
            var index = IndexOfCursor(all, before);
            if (index is null)
            {
                return GraphErrors.WhatsApp(131059, "The pagination cursor is invalid or expired; start again without one.").ToResult();
            }

            start = Math.Max(0, index.Value - limit);
        }

        var page = all.Skip(start).Take(limit).ToList();
        var items = new JsonArray([.. page.Select(g => (JsonNode)new JsonObject
        {
            ["id"] = g.Id,
            ["subject"] = g.Subject,
            ["created_at"] = g.CreatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        })]);
        var paging = new JsonObject();
        if (page.Count > 0)
        {
            paging["cursors"] = new JsonObject { ["before"] = Cursor(page[0]), ["after"] = Cursor(page[^1]) };
            if (start + page.Count < all.Count)
            {
                paging["next"] = $"{request.Scheme}://{request.Host}{request.Path}?limit={limit}&after={Uri.EscapeDataString(Cursor(page[^1]))}";
            }

            if (start > 0)
            {
                paging["previous"] = $"{request.Scheme}://{request.Host}{request.Path}?limit={limit}&before={Uri.EscapeDataString(Cursor(page[0]))}";
            }
        }

        return Results.Json(new JsonObject { ["data"] = new JsonObject { ["groups"] = items }, ["paging"] = paging });
    }

    private static string Cursor(SandboxGroup group) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("g:" + group.Sequence.ToString(CultureInfo.InvariantCulture)));

    private static int? IndexOfCursor(IReadOnlyList<SandboxGroup> all, string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            if (!text.StartsWith("g:", StringComparison.Ordinal)
                || !long.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                return null;
            }

            var index = all.ToList().FindIndex(g => g.Sequence == sequence);
            return index < 0 ? null : index;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // ---- /{group-id} ----------------------------------------------------------------------------------------

    /// <summary>Resolves the group and checks the token of the number that owns it; then the injected code for the operation.</summary>
    private (SandboxGroup? Group, PhoneNumberRegistration? Number, IResult? Failure) Authorize(HttpRequest request, string groupId, string operation)
    {
        if (groups.Find(groupId) is not { } group)
        {
            return (null, null, GraphErrors.WhatsApp(131041, $"Group {groupId} does not exist or this business is not a member.").ToResult());
        }

        var (number, failure) = authenticator.AuthorizePhoneNumber(request, group.PhoneNumberId);
        if (failure is not null)
        {
            return (null, null, failure.ToResult());
        }

        if (Behaviour(behaviours.Get(group.PhoneNumberId)).ErrorFor(operation) is int injected)
        {
            return (null, null, GraphErrors.WhatsApp(injected).ToResult());
        }

        if (HttpMethods.IsGet(request.Method) && behaviours.Get(group.PhoneNumberId).TakeReadFault())
        {
            return (null, null, GraphErrors.WhatsApp(2).ToResult());
        }

        return (group, number, null);
    }

    public IResult Get(string groupId, string? fields, HttpRequest request)
    {
        var (group, _, failure) = Authorize(request, groupId, "get");
        if (failure is not null)
        {
            return failure;
        }

        var node = new JsonObject { ["messaging_product"] = "whatsapp", ["id"] = group!.Id };
        if (string.IsNullOrWhiteSpace(fields))
        {
            return Results.Json(node);
        }

        var snapshot = group.Snapshot();
        foreach (var field in fields.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!InfoFields.Contains(field, StringComparer.Ordinal))
            {
                return GraphErrors.NonexistingField(field, "WhatsAppGroup").ToResult();
            }

            node[field] = field switch
            {
                "id" => snapshot.Id,
                "subject" => snapshot.Subject,
                "description" => snapshot.Description,
                "participants" => new JsonArray([.. snapshot.Participants.Select(p => (JsonNode)new JsonObject { ["wa_id"] = p })]),
                "join_approval_mode" => snapshot.JoinApprovalMode,
                "suspended" => snapshot.Suspended,
                "creation_timestamp" => snapshot.CreatedAt.ToUnixTimeSeconds(),
                "total_participant_count" => snapshot.Participants.Count,
                "invite_link" => snapshot.InviteLink,
                _ => null,
            };
        }

        return Results.Json(node);
    }

    /// <summary>POST /{group-id}: JSON subject/description, or multipart with the picture (JPEG, ≤5 MB, square, ≥192 px).</summary>
    public async Task<IResult> UpdateAsync(string groupId, HttpRequest request, CancellationToken cancellationToken)
    {
        var (group, number, failure) = Authorize(request, groupId, "update");
        if (failure is not null)
        {
            return failure;
        }

        if (group!.Suspended)
        {
            return GraphErrors.WhatsApp(131207).ToResult();
        }

        var requestId = SandboxGroup.NewRequestId();
        var item = new JsonObject { ["timestamp"] = webhooks.Timestamp(), ["type"] = "group_settings_update", ["request_id"] = requestId, ["group_id"] = group.Id };
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            if (form["messaging_product"].ToString() != "whatsapp")
            {
                return GraphErrors.WhatsApp(100, "Param messaging_product must be whatsapp.").ToResult();
            }

            if (form.Files.GetFile("file") is not { } file)
            {
                return GraphErrors.WhatsApp(131008, "The parameter file is required.").ToResult();
            }

            if (file.Length > MaxPictureBytes)
            {
                return GraphErrors.WhatsApp(131009, "The group picture must be at most 5 MB.").ToResult();
            }

            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, cancellationToken);
            if (JpegImage.Dimensions(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) is not { } size)
            {
                return GraphErrors.WhatsApp(131009, "The group picture must be a JPEG image.").ToResult();
            }

            if (size.Width != size.Height)
            {
                return GraphErrors.WhatsApp(131209, $"The picture is {size.Width}x{size.Height}; it must be square.").ToResult();
            }

            if (size.Width < MinPictureSide)
            {
                return GraphErrors.WhatsApp(131210, $"The picture is {size.Width}x{size.Height}; it must be at least {MinPictureSide}x{MinPictureSide}.").ToResult();
            }

            item["profile_picture"] = new JsonObject
            {
                ["mime_type"] = "image/jpeg",
                ["sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length))),
                ["update_successful"] = true,
            };
        }
        else
        {
            using var document = await ReadJsonAsync(request, cancellationToken);
            if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root)
            {
                return GraphErrors.WhatsApp(100, "The request body must be a JSON object.").ToResult();
            }

            var check = new PayloadChecker();
            check.OneOf(root, "messaging_product", "messaging_product", MessagingProducts);
            var subject = check.String(root, "subject", "subject", required: false, maxLength: MaxSubject + 64)?.Trim();
            if (subject is { Length: > MaxSubject })
            {
                check.BadValue($"Param subject must be at most {MaxSubject} characters long.");
            }

            var description = check.String(root, "description", "description", required: false, maxLength: MaxDescription);
            if (!check.Failed && subject is null && description is null)
            {
                check.Missing("subject");
            }

            if (check.Error is { } invalid)
            {
                return GraphErrors.WhatsApp(invalid.Code, invalid.Details).ToResult();
            }

            lock (group.Gate)
            {
                if (subject is not null)
                {
                    group.Subject = subject;
                    item["group_subject"] = new JsonObject { ["text"] = subject, ["update_successful"] = true };
                }

                if (description is not null)
                {
                    group.Description = description;
                    item["group_description"] = new JsonObject { ["text"] = description, ["update_successful"] = true };
                }
            }
        }

        webhooks.Send(number!, GroupWebhooks.Settings, [item], TimeSpan.Zero);
        return Results.Json(new JsonObject { ["messaging_product"] = "whatsapp", ["success"] = true, ["request_id"] = requestId });
    }

    public IResult Delete(string groupId, HttpRequest request)
    {
        var (group, number, failure) = Authorize(request, groupId, "delete");
        if (failure is not null)
        {
            return failure;
        }

        lock (group!.Gate)
        {
            group.Deleted = true;
            group.Participants.Clear();
        }

        var settings = Behaviour(behaviours.Get(group.PhoneNumberId));
        webhooks.Send(number!, GroupWebhooks.Lifecycle, [new JsonObject
        {
            ["timestamp"] = webhooks.Timestamp(),
            ["type"] = "group_delete",
            ["request_id"] = SandboxGroup.NewRequestId(),
            ["group_id"] = group.Id,
        }], TimeSpan.FromMilliseconds(settings.LifecycleDelayMs));
        return Results.Json(new JsonObject { ["success"] = true });
    }

    // ---- invite link ----------------------------------------------------------------------------------------

    public IResult InviteLink(string groupId, HttpRequest request)
    {
        var (group, _, failure) = Authorize(request, groupId, "invite_link");
        if (failure is not null)
        {
            return failure;
        }

        lock (group!.Gate)
        {
            if (HttpMethods.IsPost(request.Method))
            {
                group.InviteLink = SandboxGroup.NewInviteLink();
            }
            else if (HttpMethods.IsDelete(request.Method))
            {
                group.InviteLink = SandboxGroup.NewInviteLink();
                return Results.Json(new JsonObject { ["messaging_product"] = "whatsapp", ["success"] = "true" });
            }

            return Results.Json(new JsonObject { ["messaging_product"] = "whatsapp", ["invite_link"] = group.InviteLink });
        }
    }

    // ---- participants ---------------------------------------------------------------------------------------

    /// <summary>DELETE /{group-id}/participants: 1–8 users, no duplicates; per-user results come in the webhook.</summary>
    public async Task<IResult> RemoveParticipantsAsync(string groupId, HttpRequest request, CancellationToken cancellationToken)
    {
        var (group, number, failure) = Authorize(request, groupId, "participants");
        if (failure is not null)
        {
            return failure;
        }

        using var document = await ReadJsonAsync(request, cancellationToken);
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root)
        {
            return GraphErrors.WhatsApp(100, "The request body must be a JSON object.").ToResult();
        }

        var check = new PayloadChecker();
        check.OneOf(root, "messaging_product", "messaging_product", MessagingProducts);
        var list = check.Array(root, "participants", "participants");
        var users = new List<string>();
        if (list is { } array)
        {
            foreach (var entry in array.EnumerateArray())
            {
                var user = entry.ValueKind == JsonValueKind.Object ? check.String(entry, "user", "participants[]['user']") : null;
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    check.Invalid("Param participants must be an array of {\"user\": \"<phone or wa_id>\"} objects.");
                }

                if (user is not null)
                {
                    users.Add(user);
                }
            }

            if (!check.Failed && users.Count is < 1 or > SandboxGroup.MaxParticipants)
            {
                check.BadValue($"Param participants must hold 1 to {SandboxGroup.MaxParticipants} users.");
            }
        }

        if (check.Error is { } invalid)
        {
            return GraphErrors.WhatsApp(invalid.Code, invalid.Details).ToResult();
        }

        var keys = users.Select(u => Recipients.NormalizePhone(u) ?? u.Trim()).ToList();
        if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Count)
        {
            return GraphErrors.WhatsApp(131202, "The same participant appears more than once.").ToResult();
        }

        var requestId = SandboxGroup.NewRequestId();
        var removed = new JsonArray();
        var failed = new JsonArray();
        lock (group!.Gate)
        {
            for (var i = 0; i < users.Count; i++)
            {
                if (group.Participants.Remove(keys[i]))
                {
                    group.Removed.Add(keys[i]);
                    removed.Add(new JsonObject { ["input"] = users[i] });
                }
                else
                {
                    failed.Add(new JsonObject { ["input"] = users[i], ["errors"] = GroupWebhooks.Errors(131212) });
                }
            }
        }

        var item = new JsonObject
        {
            ["timestamp"] = webhooks.Timestamp(),
            ["type"] = "group_participants_remove",
            ["group_id"] = group.Id,
            ["request_id"] = requestId,
            ["initiated_by"] = "business",
            ["removed_participants"] = removed,
        };
        if (failed.Count > 0)
        {
            item["failed_participants"] = failed;
            item["errors"] = GroupWebhooks.Errors(131201, "Some participants could not be removed.");
        }

        webhooks.Send(number!, GroupWebhooks.Participants, [item], TimeSpan.Zero);
        return Results.Json(new JsonObject { ["messaging_product"] = "whatsapp", ["success"] = true, ["request_id"] = requestId });
    }

    // ---- join requests --------------------------------------------------------------------------------------

    public IResult ListJoinRequests(string groupId, HttpRequest request)
    {
        var (group, _, failure) = Authorize(request, groupId, "join_requests");
        if (failure is not null)
        {
            return failure;
        }

        var snapshot = group!.Snapshot();
        var data = new JsonArray([.. snapshot.JoinRequests.Select(r => JsonSerializer.SerializeToNode(r))]);
        return Results.Json(new JsonObject { ["data"] = data, ["paging"] = new JsonObject { ["cursors"] = new JsonObject() } });
    }

    /// <summary>POST approves, DELETE rejects: {"messaging_product":"whatsapp","join_requests":["id",...]}.</summary>
    public async Task<IResult> AnswerJoinRequestsAsync(string groupId, HttpRequest request, CancellationToken cancellationToken)
    {
        var (group, number, failure) = Authorize(request, groupId, "join_requests");
        if (failure is not null)
        {
            return failure;
        }

        using var document = await ReadJsonAsync(request, cancellationToken);
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root)
        {
            return GraphErrors.WhatsApp(100, "The request body must be a JSON object.").ToResult();
        }

        var check = new PayloadChecker();
        check.OneOf(root, "messaging_product", "messaging_product", MessagingProducts);
        var list = check.Array(root, "join_requests", "join_requests");
        var ids = new List<string>();
        foreach (var entry in list?.EnumerateArray() ?? default)
        {
            if (entry.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(entry.GetString()))
            {
                check.Invalid("Param join_requests must be an array of join request ids.");
                break;
            }

            ids.Add(entry.GetString()!);
        }

        if (!check.Failed && ids.Count == 0)
        {
            check.Missing("join_requests");
        }

        if (check.Error is { } invalid)
        {
            return GraphErrors.WhatsApp(invalid.Code, invalid.Details).ToResult();
        }

        var approve = HttpMethods.IsPost(request.Method);
        var done = new JsonArray();
        var failed = new JsonArray();
        var added = new JsonArray();
        lock (group!.Gate)
        {
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                var found = group.JoinRequests.FirstOrDefault(r => r.JoinRequestId == id);
                if (found is null)
                {
                    failed.Add(new JsonObject { ["join_request_id"] = id, ["errors"] = GroupWebhooks.Errors(131213) });
                    continue;
                }

                if (approve && group.Participants.Count >= SandboxGroup.MaxParticipants)
                {
                    failed.Add(new JsonObject { ["join_request_id"] = id, ["errors"] = GroupWebhooks.Errors(131204) });
                    continue;
                }

                group.JoinRequests.Remove(found);
                done.Add(id);
                if (approve)
                {
                    group.Participants.Add(found.WaId);
                    added.Add(new JsonObject { ["input"] = found.WaId, ["wa_id"] = found.WaId });
                }
            }
        }

        if (added.Count > 0)
        {
            webhooks.Send(number!, GroupWebhooks.Participants, [new JsonObject
            {
                ["timestamp"] = webhooks.Timestamp(),
                ["type"] = "group_participants_add",
                ["group_id"] = group.Id,
                ["reason"] = "join_request_approved",
                ["added_participants"] = added,
            }], TimeSpan.Zero);
        }

        var answer = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            [approve ? "approved_join_requests" : "rejected_join_requests"] = done,
            ["failed_join_requests"] = failed,
        };
        if (failed.Count > 0)
        {
            answer["errors"] = GroupWebhooks.Errors(131201, "Some join requests could not be answered.");
        }

        return Results.Json(answer);
    }

    private static async Task<JsonDocument?> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
