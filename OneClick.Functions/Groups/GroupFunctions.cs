using OneClick.Core.Groups;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Functions.Auth;
using OneClick.Functions.Messages;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Groups;

/// <summary>/api/groups: WhatsApp groups of the calling tenant (Meta's Groups API behind OneClick's rules).</summary>
public static class GroupEndpoints
{
    public static void MapGroupEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/groups").WithTags("Groups").RequireAuthorization(Policies.Tenant);
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync);
        group.MapPost("/sync", SyncAsync);
        group.MapGet("/{groupId}", GetAsync);
        group.MapPatch("/{groupId}", UpdateAsync);
        group.MapDelete("/{groupId}", DeleteAsync);
        group.MapPut("/{groupId}/picture", SetPictureAsync);
        group.MapGet("/{groupId}/invite-link", (string groupId, GroupService groups, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken ct) =>
            InviteLinkAsync(groupId, reset: false, groups, tenants, http, clock, ct));
        group.MapPost("/{groupId}/invite-link/reset", (string groupId, GroupService groups, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken ct) =>
            InviteLinkAsync(groupId, reset: true, groups, tenants, http, clock, ct));
        group.MapGet("/{groupId}/join-requests", JoinRequestsAsync);
        group.MapPost("/{groupId}/join-requests/approve", (string groupId, JoinRequestsDecision body, GroupService groups, TenantStore tenants, HttpContext http, CancellationToken ct) =>
            AnswerJoinRequestsAsync(groupId, body, approve: true, groups, tenants, http, ct));
        group.MapPost("/{groupId}/join-requests/reject", (string groupId, JoinRequestsDecision body, GroupService groups, TenantStore tenants, HttpContext http, CancellationToken ct) =>
            AnswerJoinRequestsAsync(groupId, body, approve: false, groups, tenants, http, ct));
        group.MapPost("/{groupId}/participants/remove", RemoveParticipantsAsync);
        group.MapGet("/{groupId}/messages", ConversationAsync);
        group.MapGet("/{groupId}/messages/{messageId}", MessageAsync);
        group.MapPost("/{groupId}/pins", PinAsync);
        group.MapDelete("/{groupId}/pins/{messageId}", UnpinAsync);
    }

    private static async Task<IResult> CreateAsync(CreateGroupRequest request, GroupService groups, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var result = await groups.CreateAsync(tenant, request, cancellationToken);
        return result.Problem is { } problem
            ? ToProblem(problem)
            : TypedResults.Accepted($"/api/groups/{result.Value!.Id}", GroupView.From(result.Value, clock.GetUtcNow()));
    }

    private static async Task<IResult> ListAsync(GroupStore store, HttpContext http, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => store.ListAsync(http.User.TenantId()!, storageToken, size, cancellationToken), GroupSummaryView.From);
    }

    private static async Task<IResult> SyncAsync(GroupService groups, TenantStore tenants, HttpContext http, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var result = await groups.SyncAsync(tenant, cancellationToken);
        return result.Problem is { } problem ? ToProblem(problem) : TypedResults.Ok(result.Value);
    }

    private static async Task<IResult> GetAsync(string groupId, bool? refresh, GroupService groups, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        return View(await groups.GetAsync(tenant, groupId, refresh ?? false, cancellationToken), clock);
    }

    private static async Task<IResult> UpdateAsync(string groupId, UpdateGroupRequest request, GroupService groups, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        return View(await groups.UpdateAsync(tenant, groupId, request, cancellationToken), clock);
    }

    private static async Task<IResult> DeleteAsync(string groupId, GroupService groups, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var result = await groups.DeleteAsync(tenant, groupId, cancellationToken);
        return result.Problem is { } problem ? ToProblem(problem) : TypedResults.Accepted($"/api/groups/{groupId}", GroupView.From(result.Value!, clock.GetUtcNow()));
    }

    /// <summary>The body is the JPEG itself (Content-Type: image/jpeg).</summary>
    private static async Task<IResult> SetPictureAsync(string groupId, HttpRequest request, GroupService groups, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return View(await groups.SetPictureAsync(tenant, groupId, request.ContentType, buffer.ToArray(), cancellationToken), clock);
    }

    private static async Task<IResult> InviteLinkAsync(string groupId, bool reset, GroupService groups, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var result = await groups.InviteLinkAsync(tenant, groupId, reset, cancellationToken);
        return result.Problem is { } problem ? ToProblem(problem) : TypedResults.Ok(new { inviteLink = result.Value!.InviteLink });
    }

    private static async Task<IResult> JoinRequestsAsync(string groupId, GroupService groups, TenantStore tenants, HttpContext http, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var result = await groups.JoinRequestsAsync(tenant, groupId, cancellationToken);
        return result.Problem is { } problem ? ToProblem(problem) : TypedResults.Ok(new { items = result.Value });
    }

    private static async Task<IResult> AnswerJoinRequestsAsync(string groupId, JoinRequestsDecision body, bool approve, GroupService groups, TenantStore tenants, HttpContext http, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var result = await groups.AnswerJoinRequestsAsync(tenant, groupId, body, approve, cancellationToken);
        return result.Problem is { } problem ? ToProblem(problem) : TypedResults.Ok(result.Value);
    }

    private static async Task<IResult> RemoveParticipantsAsync(string groupId, RemoveParticipantsRequest body, GroupService groups, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var result = await groups.RemoveParticipantsAsync(tenant, groupId, body, cancellationToken);
        // Meta confirms each removal in the group_participants_remove webhook.
        return result.Problem is { } problem ? ToProblem(problem) : TypedResults.Accepted($"/api/groups/{groupId}", GroupView.From(result.Value!, clock.GetUtcNow()));
    }

    private static async Task<IResult> ConversationAsync(string groupId, GroupStore store, HttpContext http, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        if (!GroupStore.IsValidId(groupId))
            return Problem.Validation("groupId", "Not a group id.");
        var tenantId = http.User.TenantId()!;
        if (await store.GetAsync(tenantId, groupId, cancellationToken) is null)
            return Problem.NotFound("group");
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await store.ConversationAsync(tenantId, groupId, storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<GroupConversationItem>(page.Items.Select(GroupConversationItem.From).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }

    private static async Task<IResult> MessageAsync(string groupId, string messageId, GroupStore store, GroupMessaging messaging, HttpContext http, CancellationToken cancellationToken)
    {
        if (!GroupStore.IsValidId(groupId))
            return Problem.Validation("groupId", "Not a group id.");
        if (!Core.Messages.MessageStore.IsValidId(messageId))
            return Problem.Validation("messageId", "Not a message id.");
        var tenantId = http.User.TenantId()!;
        if (await store.GetAsync(tenantId, groupId, cancellationToken) is null)
            return Problem.NotFound("group");
        var delivery = await messaging.DeliveryAsync(tenantId, groupId, messageId, cancellationToken);
        return delivery is not { } found
            ? Problem.NotFound("message sent to this group")
            : TypedResults.Ok(new GroupMessageView(groupId, MessageView.From(found.Message), found.Summary));
    }

    private static async Task<IResult> PinAsync(string groupId, PinRequest request, GroupMessaging messaging, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        return View(await messaging.PinAsync(tenant, groupId, request, cancellationToken), clock);
    }

    private static async Task<IResult> UnpinAsync(string groupId, string messageId, GroupMessaging messaging, TenantStore tenants, HttpContext http, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        return View(await messaging.UnpinAsync(tenant, groupId, messageId, cancellationToken), clock);
    }

    private static IResult View(GroupResult<GroupEntity> result, TimeProvider clock) =>
        result.Problem is { } problem ? ToProblem(problem) : TypedResults.Ok(GroupView.From(result.Value!, clock.GetUtcNow()));

    /// <summary>A group problem as RFC 7807: validation errors per field, Meta's code as an extension, Retry-After when retrying helps.</summary>
    public static IResult ToProblem(GroupProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (problem.MetaCode is int code)
            extensions["metaCode"] = code;
        if (problem.RetryAfterSeconds is int retry)
            extensions["retryAfterSeconds"] = retry;
        var result = problem.Errors is { } errors
            ? TypedResults.ValidationProblem(errors.ToDictionary(), title: problem.Title, detail: problem.Detail, extensions: extensions)
            : (IResult)TypedResults.Problem(statusCode: problem.Status, title: problem.Title, detail: problem.Detail, extensions: extensions);
        return problem.RetryAfterSeconds is int seconds ? new RetryAfterResult(result, seconds) : result;
    }

    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
