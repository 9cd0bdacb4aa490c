using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.Core.Contacts;
using OneClick.Core.Meta;
using OneClick.Core.Secrets;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Core.Results;

namespace OneClick.Core.Groups;

/// <summary>
/// Group management for a tenant: Meta's limits are checked first, then Meta is called with the tenant's credentials,
/// and the stored group follows (the webhooks confirm asynchronously). Every refusal is a <see cref="Failure"/>.
/// </summary>
public sealed class GroupService(GroupStore store, GroupsGraphClient meta, GroupEventApplier applier, TenantSecrets secrets, TimeProvider clock)
{
    public async Task<Outcome<GroupEntity>> CreateAsync(TenantEntity tenant, CreateGroupRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new ValidationErrors();
        var subject = CheckSubject(request.Subject, errors, required: true);
        CheckDescription(request.Description, errors);
        var mode = request.JoinApprovalMode ?? "auto_approve";
        if (!GroupLimits.JoinApprovalModes.Contains(mode, StringComparer.Ordinal))
            errors.Add("joinApprovalMode", "Either 'auto_approve' (anyone with the invite link joins) or 'approval_required'.");
        if (errors.Any)
            return Failure.Invalid(errors);

        var (phoneNumberId, token, missing) = await CredentialsAsync(tenant, cancellationToken).ConfigureAwait(false);
        if (missing is not null)
            return missing;
        if (await store.CountLiveAsync(tenant.Id, GroupLimits.MaxGroupsPerNumber, cancellationToken).ConfigureAwait(false) >= GroupLimits.MaxGroupsPerNumber)
            return Failure.Conflict($"The number already has {GroupLimits.MaxGroupsPerNumber:N0} groups, the most Meta allows; delete one first.");

        string requestId;
        try
        {
            requestId = await meta.CreateAsync(phoneNumberId!, token!, subject!, request.Description, mode, cancellationToken).ConfigureAwait(false);
        }
        catch (MetaApiException e)
        {
            return MetaFailures.From(e);
        }
        catch (MetaUnreachableException e)
        {
            return MetaFailures.Unreachable(e);
        }

        var now = clock.GetUtcNow();
        var group = new GroupEntity
        {
            PartitionKey = tenant.Id,
            RowKey = GroupEntity.RowKeyFor(GroupStore.NewId()),
            State = GroupStates.Pending,
            RequestId = requestId,
            Subject = subject!,
            Description = request.Description ?? "",
            JoinApprovalMode = mode,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.AddAsync(group, cancellationToken).ConfigureAwait(false);
        await store.IndexRequestAsync(tenant.Id, requestId, group.Id, cancellationToken).ConfigureAwait(false);
        // The lifecycle webhook may have come before the index existed; it was parked under the request id.
        await applier.ReplayAsync(tenant.Id, "request:" + requestId, cancellationToken).ConfigureAwait(false);
        return Outcome.Ok(await store.GetAsync(tenant.Id, group.Id, cancellationToken).ConfigureAwait(false) ?? group);
    }

    /// <summary>The stored group; with <paramref name="refresh"/>, first brought up to date from Meta's group info.</summary>
    public async Task<Outcome<GroupEntity>> GetAsync(TenantEntity tenant, string groupId, bool refresh, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var (group, problem) = await FindAsync(tenant.Id, groupId, requireActive: refresh, cancellationToken).ConfigureAwait(false);
        if (problem is not null || !refresh)
            return new(group, problem);
        var info = await CallAsync(tenant, group!, (id, token) => meta.GetAsync(id, token, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (info.Failure is not null)
            return info.Failure;
        var now = clock.GetUtcNow();
        var seconds = now.ToUnixTimeSeconds();
        var updated = await store.UpdateAsync(tenant.Id, group!.Id, g =>
        {
            var node = info.Value!;
            if (node["subject"]?.GetValue<string>() is { } subject)
                (g.Subject, g.SubjectAt) = (subject, Math.Max(g.SubjectAt, seconds));
            if (node["description"]?.GetValue<string>() is { } description)
                (g.Description, g.DescriptionAt) = (description, Math.Max(g.DescriptionAt, seconds));
            if (node["suspended"]?.GetValue<bool>() is { } suspended)
                (g.Suspended, g.SuspendedAt) = (suspended, Math.Max(g.SuspendedAt, seconds));
            if (node["join_approval_mode"]?.GetValue<string>() is { } mode)
                g.JoinApprovalMode = mode;
            if (node["participants"] is JsonArray list)
            {
                // A participant Meta names by BSUID alone is kept under it, as the webhooks do.
                var current = list.Select(p => GroupEventApplier.WaId(p?["wa_id"]?.GetValue<string>()) ?? p?["user_id"]?.GetValue<string>())
                    .OfType<string>().ToHashSet(StringComparer.Ordinal);
                var participants = g.Participants;
                foreach (var waId in current.Where(w => !participants.TryGetValue(w, out var m) || !m.Member))
                    participants[waId] = new Membership(true, seconds, "synced");
                foreach (var waId in participants.Where(p => p.Value.Member && !current.Contains(p.Key)).Select(p => p.Key).ToList())
                    participants[waId] = new Membership(false, seconds, "synced");
                g.Participants = participants;
            }
            g.UpdatedAt = now;
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return Outcome.Ok(updated!);
    }

    public async Task<Outcome<GroupEntity>> UpdateAsync(TenantEntity tenant, string groupId, UpdateGroupRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new ValidationErrors();
        var subject = CheckSubject(request.Subject, errors, required: false);
        CheckDescription(request.Description, errors);
        if (request.Subject is null && request.Description is null)
            errors.Add("subject", "Give a subject, a description, or both.");
        if (errors.Any)
            return Failure.Invalid(errors);
        var (group, problem) = await FindAsync(tenant.Id, groupId, requireActive: true, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        var call = await CallAsync(tenant, group!, (id, token) => meta.UpdateAsync(id, token, subject, request.Description, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (call.Failure is not null)
            return call.Failure;
        var now = clock.GetUtcNow();
        var seconds = now.ToUnixTimeSeconds();
        return Outcome.Ok((await store.UpdateAsync(tenant.Id, group!.Id, g =>
        {
            if (subject is not null)
                (g.Subject, g.SubjectAt) = (subject, Math.Max(g.SubjectAt, seconds));
            if (request.Description is not null)
                (g.Description, g.DescriptionAt) = (request.Description, Math.Max(g.DescriptionAt, seconds));
            g.UpdatedAt = now;
            return true;
        }, cancellationToken).ConfigureAwait(false))!);
    }

    /// <summary>Sets the group picture: JPEG only, at most 5 MB, square, at least 192x192 (checked here before Meta).</summary>
    public async Task<Outcome<GroupEntity>> SetPictureAsync(TenantEntity tenant, string groupId, string? contentType, byte[] picture, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(picture);
        if (picture.Length == 0)
            return Failure.Invalid("picture", "Send the JPEG image as the request body (Content-Type: image/jpeg).");
        if (picture.Length > GroupLimits.MaxPictureBytes)
            return Failure.Invalid("picture", "The picture may be at most 5 MB.");
        if (contentType is not null && !contentType.StartsWith("image/jpeg", StringComparison.OrdinalIgnoreCase))
            return Failure.Invalid("picture", $"Meta takes only JPEG group pictures (Content-Type: image/jpeg), not {contentType}.");
        if (GroupLimits.JpegSize(picture) is not { } size)
            return Failure.Invalid("picture", "The body is not a JPEG image; Meta takes only JPEG group pictures.");
        if (size.Width != size.Height)
            return Failure.Invalid("picture", $"The picture is {size.Width}x{size.Height}; Meta needs a square picture.");
        if (size.Width < GroupLimits.MinPictureSide)
            return Failure.Invalid("picture", $"The picture is {size.Width}x{size.Height}; Meta needs at least {GroupLimits.MinPictureSide}x{GroupLimits.MinPictureSide}.");
        var (group, problem) = await FindAsync(tenant.Id, groupId, requireActive: true, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        var call = await CallAsync(tenant, group!, (id, token) => meta.UpdatePictureAsync(id, token, picture, cancellationToken), cancellationToken).ConfigureAwait(false);
        return call.Failure is not null ? call.Failure : Outcome.Ok(group!);
    }

    public async Task<Outcome<GroupEntity>> InviteLinkAsync(TenantEntity tenant, string groupId, bool reset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var (group, problem) = await FindAsync(tenant.Id, groupId, requireActive: true, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        var call = await CallAsync(tenant, group!, async (id, token) => (JsonNode?)JsonValue.Create(await meta.InviteLinkAsync(id, token, reset, cancellationToken).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
        if (call.Failure is not null)
            return call.Failure;
        var link = call.Value!.GetValue<string>();
        return Outcome.Ok((await store.UpdateAsync(tenant.Id, group!.Id, g =>
        {
            var changed = g.InviteLink != link;
            g.InviteLink = link;
            return changed;
        }, cancellationToken).ConfigureAwait(false))!);
    }

    public async Task<Outcome<IReadOnlyList<JoinRequestView>>> JoinRequestsAsync(TenantEntity tenant, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var (group, problem) = await FindAsync(tenant.Id, groupId, requireActive: true, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        var call = await CallAsync(tenant, group!, (id, token) => meta.JoinRequestsAsync(id, token, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (call.Failure is not null)
            return call.Failure;
        IReadOnlyList<JoinRequestView> requests = (call.Value?["data"] as JsonArray ?? [])
            .Select(r => new JoinRequestView(
                r?["join_request_id"]?.GetValue<string>() ?? "",
                r?["wa_id"]?.GetValue<string>() ?? "",
                r?["creation_timestamp"] is JsonValue ts && ts.TryGetValue<long>(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null))
            .Where(r => r.JoinRequestId.Length > 0)
            .ToList();
        return Outcome.Ok(requests);
    }

    public async Task<Outcome<JoinRequestsAnswer>> AnswerJoinRequestsAsync(TenantEntity tenant, string groupId, JoinRequestsDecision decision, bool approve, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(decision);
        var ids = decision.JoinRequestIds ?? [];
        if (ids.Count == 0 || ids.Any(string.IsNullOrWhiteSpace))
            return Failure.Invalid("joinRequestIds", "A non-empty array of join request ids (from GET .../join-requests).");
        if (ids.Count > 100 || ids.Any(id => id!.Length > 200))
            return Failure.Invalid("joinRequestIds", "At most 100 ids of at most 200 characters.");
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
            return Failure.Invalid("joinRequestIds", "Each join request id once.");
        var (group, problem) = await FindAsync(tenant.Id, groupId, requireActive: true, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        if (approve && group!.Members.Count + ids.Count > GroupLimits.MaxParticipants)
            return new Failure(FailureKind.Conflict, "Group full", $"The group has {group.Members.Count} participants; approving {ids.Count} more would pass Meta's limit of {GroupLimits.MaxParticipants}.", 131204);
        var call = await CallAsync(tenant, group!, (id, token) => meta.AnswerJoinRequestsAsync(id, token, ids!, approve, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (call.Failure is not null)
            return call.Failure;
        var answered = (call.Value?[approve ? "approved_join_requests" : "rejected_join_requests"] as JsonArray ?? [])
            .Select(n => n?.GetValue<string>()).OfType<string>().ToList();
        var failed = (call.Value?["failed_join_requests"] as JsonArray ?? []).Select(f =>
        {
            using var document = JsonDocument.Parse(f!.ToJsonString());
            var error = GroupEventApplier.Errors(document.RootElement);
            return new FailedJoinRequest(f["join_request_id"]?.GetValue<string>() ?? "", error?.Code, error?.Reason);
        }).ToList();
        if (!approve && answered.Count > 0)
        {
            // Meta sends no webhook for rejections: record them here.
            var seconds = clock.GetUtcNow().ToUnixTimeSeconds();
            await store.UpdateAsync(tenant.Id, group!.Id, g =>
            {
                var requests = g.JoinRequests;
                foreach (var id in answered.Where(requests.ContainsKey))
                    requests[id] = requests[id] with { State = "rejected", At = seconds };
                g.JoinRequests = requests;
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        return Outcome.Ok(new JoinRequestsAnswer(answered, failed));
    }

    public async Task<Outcome<GroupEntity>> RemoveParticipantsAsync(TenantEntity tenant, string groupId, RemoveParticipantsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var given = request.Participants ?? [];
        if (given.Count is < 1 or > GroupLimits.MaxParticipants)
            return Failure.Invalid("participants", $"Between 1 and {GroupLimits.MaxParticipants} phone numbers (or wa_ids, or BSUIDs) per call.");
        // Meta takes a phone number or a business-scoped user id as the participant's "user" (echoed as "input").
        var waIds = given.Select(p => GroupEventApplier.WaId(p) ?? (UserIds.IsAny(p) ? p : null)).ToList();
        var errors = new ValidationErrors();
        for (var i = 0; i < waIds.Count; i++)
        {
            if (waIds[i] is null)
                errors.Add($"participants[{i}]", "A phone number in E.164 (e.g. +14155550123), a wa_id, or a business-scoped user id. " + UserIds.FormatHint);
        }
        if (!errors.Any && waIds.Distinct(StringComparer.Ordinal).Count() != waIds.Count)
            errors.Add("participants", "Each participant once (Meta refuses duplicates with 131202).");
        if (errors.Any)
            return Failure.Invalid(errors);
        var (group, problem) = await FindAsync(tenant.Id, groupId, requireActive: true, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        var members = group!.Participants.Where(p => p.Value.Member).SelectMany(p => new[] { p.Key, p.Value.UserId }).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var strangers = waIds.Where(w => !members.Contains(w!)).ToList();
        if (strangers.Count > 0)
            return Failure.Invalid("participants", $"Not in the group: {string.Join(", ", strangers.Select(s => UserIds.IsAny(s) ? s : "+" + s))}.");
        var call = await CallAsync(tenant, group, (id, token) => meta.RemoveParticipantsAsync(id, token, waIds!, cancellationToken), cancellationToken).ConfigureAwait(false);
        // The removal itself is confirmed by the group_participants_remove webhook.
        return call.Failure is not null ? call.Failure : Outcome.Ok(group);
    }

    /// <summary>Deletes the group at Meta (every participant is removed); it is "deleting" until the group_delete webhook.</summary>
    public async Task<Outcome<GroupEntity>> DeleteAsync(TenantEntity tenant, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var (group, problem) = await FindAsync(tenant.Id, groupId, requireActive: false, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        if (group!.State is GroupStates.Deleted or GroupStates.Deleting)
            return Outcome.Ok(group);
        if (group.State == GroupStates.Pending)
            return Failure.Conflict("The group is still being created at Meta; delete it once it is active.");
        if (group.State == GroupStates.Active)
        {
            var call = await CallAsync(tenant, group, (id, token) => meta.DeleteAsync(id, token, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (call.Failure is not null)
                return call.Failure;
        }
        var now = clock.GetUtcNow();
        return Outcome.Ok((await store.UpdateAsync(tenant.Id, group.Id, g =>
        {
            if (g.State is GroupStates.Deleted or GroupStates.Deleting)
                return false;
            // A group whose creation failed never existed at Meta: it is simply gone.
            g.State = g.State == GroupStates.Failed ? GroupStates.Deleted : GroupStates.Deleting;
            g.UpdatedAt = now;
            return true;
        }, cancellationToken).ConfigureAwait(false))!);
    }

    /// <summary>Reads every page of Meta's group list: imports groups OneClick does not know and refreshes the subjects of those it does.</summary>
    public async Task<Outcome<SyncReport>> SyncAsync(TenantEntity tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var (phoneNumberId, token, missing) = await CredentialsAsync(tenant, cancellationToken).ConfigureAwait(false);
        if (missing is not null)
            return missing;
        var listed = new List<MetaGroupSummary>();
        string? after = null;
        var restarted = false;
        try
        {
            do
            {
                try
                {
                    var (page, next) = await meta.ListAsync(phoneNumberId!, token!, after, cancellationToken).ConfigureAwait(false);
                    listed.AddRange(page);
                    after = next;
                }
                catch (MetaApiException e) when (e.Code == 131059 && !restarted)
                {
                    // Expired cursor: Meta says to start paging again.
                    (listed, after, restarted) = ([], null, true);
                }
            }
            while (after is not null && listed.Count < GroupLimits.MaxGroupsPerNumber);
        }
        catch (MetaApiException e)
        {
            return MetaFailures.From(e);
        }
        catch (MetaUnreachableException e)
        {
            return MetaFailures.Unreachable(e);
        }

        int imported = 0, updated = 0;
        var now = clock.GetUtcNow();
        foreach (var summary in listed.DistinctBy(g => g.Id))
        {
            var known = await store.FindByMetaIdAsync(tenant.Id, summary.Id, cancellationToken).ConfigureAwait(false);
            if (known is not null)
            {
                var changed = await store.UpdateAsync(tenant.Id, known, g =>
                {
                    if (g.Subject == summary.Subject)
                        return false;
                    (g.Subject, g.UpdatedAt) = (summary.Subject, now);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
                updated += changed?.UpdatedAt == now ? 1 : 0;
                continue;
            }
            var group = new GroupEntity
            {
                PartitionKey = tenant.Id,
                RowKey = GroupEntity.RowKeyFor(GroupStore.NewId()),
                State = GroupStates.Active,
                MetaGroupId = summary.Id,
                Subject = summary.Subject,
                CreatedAt = now,
                UpdatedAt = now,
            };
            await store.AddAsync(group, cancellationToken).ConfigureAwait(false);
            await store.IndexMetaIdAsync(tenant.Id, summary.Id, group.Id, cancellationToken).ConfigureAwait(false);
            await applier.ReplayAsync(tenant.Id, "meta:" + summary.Id, cancellationToken).ConfigureAwait(false);
            imported++;
        }
        return Outcome.Ok(new SyncReport(listed.Count, imported, updated));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    public async Task<(GroupEntity? Group, Failure? Problem)> FindAsync(string tenantId, string groupId, bool requireActive, CancellationToken cancellationToken)
    {
        if (!GroupStore.IsValidId(groupId))
            return (null, Failure.Invalid("groupId", "Not a group id."));
        var group = await store.GetAsync(tenantId, groupId, cancellationToken).ConfigureAwait(false);
        if (group is null)
            return (null, Failure.NotFound("group"));
        if (requireActive && group.State != GroupStates.Active)
            return (null, NotActive(group));
        return (group, null);
    }

    public static Failure NotActive(GroupEntity group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group.State switch
        {
            GroupStates.Pending => Failure.Conflict("The group is still being created at Meta (waiting for the group_lifecycle_update webhook)."),
            GroupStates.Failed => Failure.Conflict($"Meta could not create this group: {group.FailureReason} (code {group.FailureCode})."),
            _ => Failure.Conflict($"The group is {group.State}."),
        };
    }

    private async Task<(string? PhoneNumberId, string? Token, Failure? Problem)> CredentialsAsync(TenantEntity tenant, CancellationToken cancellationToken)
    {
        var values = await secrets.GetAsync(tenant.Id, cancellationToken).ConfigureAwait(false);
        return tenant.PhoneNumberId is null || values is null
            ? (null, null, Failure.Conflict("The tenant has no Meta credentials; store them with PUT /api/tenants/{id}/credentials."))
            : (tenant.PhoneNumberId, values.AccessToken, null);
    }

    /// <summary>Calls Meta for an active group; a suspension or unknown group reported by Meta is recorded on the group.</summary>
    private async Task<Outcome<JsonNode>> CallAsync(TenantEntity tenant, GroupEntity group, Func<string, string, Task<JsonNode?>> call, CancellationToken cancellationToken)
    {
        var (_, token, missing) = await CredentialsAsync(tenant, cancellationToken).ConfigureAwait(false);
        if (missing is not null)
            return missing;
        try
        {
            return Outcome.Ok(await call(group.MetaGroupId!, token!).ConfigureAwait(false) ?? new JsonObject());
        }
        catch (MetaApiException e)
        {
            if (e.Code == 131207)
            {
                var seconds = clock.GetUtcNow().ToUnixTimeSeconds();
                await store.UpdateAsync(tenant.Id, group.Id, g =>
                {
                    if (g.Suspended)
                        return false;
                    (g.Suspended, g.SuspendedAt) = (true, Math.Max(g.SuspendedAt, seconds));
                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
            return MetaFailures.From(e);
        }
        catch (MetaUnreachableException e)
        {
            return MetaFailures.Unreachable(e);
        }
    }

    private static string? CheckSubject(string? subject, ValidationErrors errors, bool required)
    {
        var trimmed = subject?.Trim();
        if (trimmed is null or { Length: 0 })
        {
            if (required || subject is not null)
                errors.Add("subject", $"A subject of 1–{GroupLimits.MaxSubject} characters is required.");
            return null;
        }
        if (trimmed.Length > GroupLimits.MaxSubject)
            errors.Add("subject", $"At most {GroupLimits.MaxSubject} characters (Meta's limit); this one has {trimmed.Length}.");
        return trimmed;
    }

    private static void CheckDescription(string? description, ValidationErrors errors)
    {
        if (description is { Length: > GroupLimits.MaxDescription })
            errors.Add("description", $"At most {GroupLimits.MaxDescription} characters (Meta's limit); this one has {description.Length}.");
    }
}
