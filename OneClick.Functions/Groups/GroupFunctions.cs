using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Groups;
using OneClick.Core.Results;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Messages;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Groups;

/// <summary>/api/groups: WhatsApp groups of the calling tenant (Meta's Groups API behind OneClick's rules).</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class GroupFunctions(GroupService groups, GroupStore store, GroupMessaging messaging, TenantStore tenants, TimeProvider clock)
{
    [Function("CreateGroup")]
    public async Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<CreateGroupRequest>(cancellationToken);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        var result = await groups.CreateAsync(tenant, body, cancellationToken);
        return result.Failure is { } problem
            ? Problem.From(problem)
            : TypedResults.Accepted($"/api/groups/{result.Value!.Id}", GroupView.From(result.Value, clock.GetUtcNow()));
    }

    [Function("ListGroups")]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "groups")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenantId = request.HttpContext.User.TenantId()!;
        return ListParameters.PageAsync(request, (storageToken, size) => store.ListAsync(tenantId, storageToken, size, cancellationToken), GroupSummaryView.From);
    }

    [Function("SyncGroups")]
    public async Task<IResult> Sync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/sync")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        var result = await groups.SyncAsync(tenant, cancellationToken);
        return result.Failure is { } problem ? Problem.From(problem) : TypedResults.Ok(result.Value);
    }

    [Function("GetGroup")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "groups/{groupId}")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var refresh = request.QueryBool("refresh");
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        return View(await groups.GetAsync(tenant, groupId, refresh ?? false, cancellationToken));
    }

    [Function("UpdateGroup")]
    public async Task<IResult> Update(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "groups/{groupId}")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<UpdateGroupRequest>(cancellationToken);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        return View(await groups.UpdateAsync(tenant, groupId, body, cancellationToken));
    }

    [Function("DeleteGroup")]
    public async Task<IResult> Delete(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "groups/{groupId}")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        var result = await groups.DeleteAsync(tenant, groupId, cancellationToken);
        return result.Failure is { } problem ? Problem.From(problem) : TypedResults.Accepted($"/api/groups/{groupId}", GroupView.From(result.Value!, clock.GetUtcNow()));
    }

    /// <summary>The body is the JPEG itself (Content-Type: image/jpeg).</summary>
    [Function("SetGroupPicture")]
    [OpenApi.RequestContent("image/jpeg", "The picture itself: a square JPEG, at least 192x192 pixels.")]
    public async Task<IResult> SetPicture(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "groups/{groupId}/picture")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return View(await groups.SetPictureAsync(tenant, groupId, request.ContentType, buffer.ToArray(), cancellationToken));
    }

    [Function("GetGroupInviteLink")]
    public Task<IResult> InviteLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "groups/{groupId}/invite-link")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return InviteLinkAsync(request, groupId, reset: false, cancellationToken);
    }

    [Function("ResetGroupInviteLink")]
    public Task<IResult> ResetInviteLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{groupId}/invite-link/reset")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return InviteLinkAsync(request, groupId, reset: true, cancellationToken);
    }

    [Function("ListGroupJoinRequests")]
    public async Task<IResult> JoinRequests(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "groups/{groupId}/join-requests")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        var result = await groups.JoinRequestsAsync(tenant, groupId, cancellationToken);
        return result.Failure is { } problem ? Problem.From(problem) : TypedResults.Ok(new GroupJoinRequestsView(result.Value!));
    }

    [Function("ApproveGroupJoinRequests")]
    public async Task<IResult> ApproveJoinRequests(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{groupId}/join-requests/approve")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await AnswerJoinRequestsAsync(request, groupId, await request.ReadBodyAsync<JoinRequestsDecision>(cancellationToken), approve: true, cancellationToken);
    }

    [Function("RejectGroupJoinRequests")]
    public async Task<IResult> RejectJoinRequests(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{groupId}/join-requests/reject")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await AnswerJoinRequestsAsync(request, groupId, await request.ReadBodyAsync<JoinRequestsDecision>(cancellationToken), approve: false, cancellationToken);
    }

    [Function("RemoveGroupParticipants")]
    public async Task<IResult> RemoveParticipants(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{groupId}/participants/remove")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<RemoveParticipantsRequest>(cancellationToken);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        var result = await groups.RemoveParticipantsAsync(tenant, groupId, body, cancellationToken);
        // Meta confirms each removal in the group_participants_remove webhook.
        return result.Failure is { } problem ? Problem.From(problem) : TypedResults.Accepted($"/api/groups/{groupId}", GroupView.From(result.Value!, clock.GetUtcNow()));
    }

    [Function("ListGroupMessages")]
    public async Task<IResult> Conversation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "groups/{groupId}/messages")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, continuationToken) = (request.QueryInt(ListParameters.PageSize), request.QueryText(ListParameters.ContinuationToken));
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        if (!GroupStore.IsValidId(groupId))
            return Problem.Validation("groupId", "Not a group id.");
        var tenantId = request.HttpContext.User.TenantId()!;
        if (await store.GetAsync(tenantId, groupId, cancellationToken) is null)
            return Problem.NotFound("group");
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await store.ConversationAsync(tenantId, groupId, storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<GroupConversationItem>(page.Items.Select(GroupConversationItem.From).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }

    [Function("GetGroupMessage")]
    public async Task<IResult> Message(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "groups/{groupId}/messages/{messageId}")] HttpRequest request,
        string groupId, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!GroupStore.IsValidId(groupId))
            return Problem.Validation("groupId", "Not a group id.");
        if (!Core.Messages.MessageStore.IsValidId(messageId))
            return Problem.Validation("messageId", "Not a message id.");
        var tenantId = request.HttpContext.User.TenantId()!;
        if (await store.GetAsync(tenantId, groupId, cancellationToken) is null)
            return Problem.NotFound("group");
        var delivery = await messaging.DeliveryAsync(tenantId, groupId, messageId, cancellationToken);
        return delivery is not { } found
            ? Problem.NotFound("message sent to this group")
            : TypedResults.Ok(new GroupMessageView(groupId, MessageView.From(found.Message), found.Summary));
    }

    [Function("PinGroupMessage")]
    public async Task<IResult> Pin(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "groups/{groupId}/pins")] HttpRequest request, string groupId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<PinRequest>(cancellationToken);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        return View(await messaging.PinAsync(tenant, groupId, body, cancellationToken));
    }

    [Function("UnpinGroupMessage")]
    public async Task<IResult> Unpin(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "groups/{groupId}/pins/{messageId}")] HttpRequest request,
        string groupId, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        return View(await messaging.UnpinAsync(tenant, groupId, messageId, cancellationToken));
    }

    private async Task<IResult> InviteLinkAsync(HttpRequest request, string groupId, bool reset, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        var result = await groups.InviteLinkAsync(tenant, groupId, reset, cancellationToken);
        return result.Failure is { } problem ? Problem.From(problem) : TypedResults.Ok(new GroupInviteLinkView(result.Value!.InviteLink));
    }

    private async Task<IResult> AnswerJoinRequestsAsync(HttpRequest request, string groupId, JoinRequestsDecision body, bool approve, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(request.HttpContext, tenants, cancellationToken);
        var result = await groups.AnswerJoinRequestsAsync(tenant, groupId, body, approve, cancellationToken);
        return result.Failure is { } problem ? Problem.From(problem) : TypedResults.Ok(result.Value);
    }

    private IResult View(Outcome<GroupEntity> result) =>
        result.Failure is { } problem ? Problem.From(problem) : TypedResults.Ok(GroupView.From(result.Value!, clock.GetUtcNow()));
}
