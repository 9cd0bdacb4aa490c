using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Groups;

/// <summary>Creating, listing, syncing and deleting groups: Meta's asynchronous creation through the sandbox's signed webhooks.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class GroupLifecycleTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_new_group_is_pending_until_the_lifecycle_webhook_brings_its_id_and_invite_link()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetGroupBehaviourAsync(tenant, new { lifecycleDelayMs = 1500 });

        var created = await tenant.Post("api/groups", new { subject = "  VIP launch  ", description = "First look", joinApprovalMode = "approval_required" });

        created.AssertStatus(HttpStatusCode.Accepted);
        var group = created.Json;
        Assert.Equal("pending", group["state"]!.GetValue<string>());
        Assert.Equal("VIP launch", group["subject"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(group["requestId"]!.GetValue<string>()));
        Assert.Null(group["metaGroupId"]);
        Assert.Equal($"/api/groups/{group.Id()}", created.Headers.Location!.ToString());
        Assert.Equal("pending", (await tenant.Get($"api/groups/{group.Id()}")).Json["state"]!.GetValue<string>());

        var active = await tenant.WaitForGroupAsync(group.Id(), g => g["state"]!.GetValue<string>() == "active", "active");

        Assert.StartsWith("Y2FwaV9ncm91cDo", active.MetaId(), StringComparison.Ordinal);
        Assert.StartsWith("https://chat.whatsapp.com/", active["inviteLink"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("approval_required", active["joinApprovalMode"]!.GetValue<string>());
        Assert.Equal("First look", active["description"]!.GetValue<string>());
        var atMeta = await env.SandboxGroupAsync(tenant, active.MetaId());
        Assert.Equal("VIP launch", atMeta["subject"]!.GetValue<string>());
        Assert.Equal(active["inviteLink"]!.GetValue<string>(), atMeta["inviteLink"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_creation_that_Meta_reports_as_failed_shows_the_failure_reason_and_can_be_deleted()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetGroupBehaviourAsync(tenant, new { createFailureCode = 131214 });

        var created = await tenant.Post("api/groups", new { subject = "Doomed" });
        created.AssertStatus(HttpStatusCode.Accepted);

        var failed = await tenant.WaitForGroupAsync(created.Json.Id(), g => g["state"]!.GetValue<string>() == "failed", "failed");
        Assert.Equal(131214, failed["failure"]!["code"]!.GetValue<int>());
        Assert.Contains("Group creation", failed["failure"]!["reason"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Null(failed["metaGroupId"]);

        // Nothing can be done with it at Meta, and the reason is given.
        var update = await tenant.Send(HttpMethod.Patch, $"api/groups/{failed.Id()}", JsonContent.Create(new { subject = "x" }));
        Assert.Contains("131214", update.AssertProblem(HttpStatusCode.Conflict)["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var deleted = await tenant.Send(HttpMethod.Delete, $"api/groups/{failed.Id()}", null);
        deleted.AssertStatus(HttpStatusCode.Accepted);
        Assert.Equal("deleted", deleted.Json["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Creation_checks_Metas_limits_before_calling_Meta()
    {
        var tenant = await env.CreateTenantAsync();

        (await tenant.Post("api/groups", new { })).AssertValidation("subject");
        (await tenant.Post("api/groups", new { subject = "   " })).AssertValidation("subject");
        (await tenant.Post("api/groups", new { subject = new string('s', 129) })).AssertValidation("subject");
        (await tenant.Post("api/groups", new { subject = "ok", description = new string('d', 2049) })).AssertValidation("description");
        (await tenant.Post("api/groups", new { subject = "ok", joinApprovalMode = "everyone" })).AssertValidation("joinApprovalMode");
        (await tenant.Raw(HttpMethod.Post, "api/groups", "{\"subject\": 5}")).AssertUnreadable();
        (await tenant.Raw(HttpMethod.Post, "api/groups", "not json")).AssertUnreadable();

        var list = await env.Http.GetFromJsonAsync<JsonArray>(new Uri(env.SandboxUrl, $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups"));
        Assert.Empty(list!);
        Assert.Empty((await tenant.Get("api/groups")).Json["items"]!.AsArray());
    }

    [Fact]
    public async Task Metas_group_error_codes_come_back_as_clear_problems()
    {
        var tenant = await env.CreateTenantAsync();

        await env.SetGroupBehaviourAsync(tenant, new { errors = new Dictionary<string, int> { ["create"] = 131215 } });
        var notEligible = (await tenant.Post("api/groups", new { subject = "Nope" })).AssertProblem(HttpStatusCode.Forbidden);
        Assert.Equal(131215, notEligible["metaCode"]!.GetValue<int>());
        Assert.Contains("Official Business Account", notEligible["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        await env.SetGroupBehaviourAsync(tenant, new { errors = new Dictionary<string, int> { ["create"] = 131208 } });
        var busy = await tenant.Post("api/groups", new { subject = "Later" });
        Assert.Equal(131208, busy.AssertProblem(HttpStatusCode.TooManyRequests)["metaCode"]!.GetValue<int>());
        Assert.Equal("60", busy.Headers.RetryAfter!.ToString());

        await env.SetGroupBehaviourAsync(tenant, new { maxGroups = 0 });
        var cap = (await tenant.Post("api/groups", new { subject = "One too many" })).AssertProblem(HttpStatusCode.Conflict);
        Assert.Equal(131211, cap["metaCode"]!.GetValue<int>());

        // None of these left a group behind.
        Assert.Empty((await tenant.Get("api/groups")).Json["items"]!.AsArray());

        // An existing group that Meta no longer knows, or that Meta says is suspended.
        await env.SetGroupBehaviourAsync(tenant, new { });
        var group = await tenant.CreateActiveGroupAsync();
        await env.SetGroupBehaviourAsync(tenant, new { errors = new Dictionary<string, int> { ["invite_link"] = 131041, ["update"] = 131207 } });
        var unknown = (await tenant.Get($"api/groups/{group.Id()}/invite-link")).AssertProblem(HttpStatusCode.Conflict);
        Assert.Equal(131041, unknown["metaCode"]!.GetValue<int>());
        var suspended = (await tenant.Send(HttpMethod.Patch, $"api/groups/{group.Id()}", JsonContent.Create(new { subject = "x" }))).AssertProblem(HttpStatusCode.Conflict);
        Assert.Equal(131207, suspended["metaCode"]!.GetValue<int>());
        Assert.True((await tenant.Get($"api/groups/{group.Id()}")).Json["suspended"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Groups_are_listed_page_by_page_and_another_tenants_group_is_not_found()
    {
        var tenant = await env.CreateTenantAsync();
        var other = await env.CreateTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await tenant.Post("api/groups", new { subject = $"Group {i}" })).Json.Id());

        var first = (await tenant.Get("api/groups?pageSize=2")).Json;
        Assert.Equal(2, first["items"]!.AsArray().Count);
        var token = first["continuationToken"]!.GetValue<string>();
        var second = (await tenant.Get($"api/groups?pageSize=2&continuationToken={Uri.EscapeDataString(token)}")).Json;
        var listed = first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(g => g!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(ids, listed);
        (await tenant.Get("api/groups?pageSize=0")).AssertValidation("pageSize");
        (await tenant.Get("api/groups?continuationToken=garbage")).AssertValidation("continuationToken");

        var theirs = ids[0];
        (await other.Get($"api/groups/{theirs}")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Send(HttpMethod.Patch, $"api/groups/{theirs}", JsonContent.Create(new { subject = "mine" }))).AssertProblem(HttpStatusCode.NotFound);
        (await other.Send(HttpMethod.Delete, $"api/groups/{theirs}", null)).AssertProblem(HttpStatusCode.NotFound);
        (await other.Get($"api/groups/{theirs}/invite-link")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Post($"api/groups/{theirs}/invite-link/reset", new { })).AssertProblem(HttpStatusCode.NotFound);
        (await other.Get($"api/groups/{theirs}/join-requests")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Post($"api/groups/{theirs}/join-requests/approve", new { joinRequestIds = new[] { "x" } })).AssertProblem(HttpStatusCode.NotFound);
        (await other.Post($"api/groups/{theirs}/participants/remove", new { participants = new[] { "+14155550100" } })).AssertProblem(HttpStatusCode.NotFound);
        (await other.Get($"api/groups/{theirs}/messages")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Post($"api/groups/{theirs}/pins", new { messageId = "m" + Guid.NewGuid().ToString("N"), expirationDays = 3 })).AssertProblem(HttpStatusCode.NotFound);
        (await other.Get("api/groups/not-a-group")).AssertValidation("groupId");
        Assert.Empty((await other.Get("api/groups")).Json["items"]!.AsArray());
    }

    [Fact]
    public async Task Sync_reads_every_page_of_Metas_list_and_imports_groups_OneClick_did_not_create()
    {
        var tenant = await env.CreateTenantAsync();
        var ours = await tenant.CreateActiveGroupAsync("Ours");
        // A group created at Meta by someone else with the same number (its lifecycle webhook names a request OneClick never made).
        using var direct = new HttpRequestMessage(HttpMethod.Post, new Uri(env.SandboxUrl, $"v25.0/{tenant.PhoneNumberId}/groups"))
        {
            Content = JsonContent.Create(new { messaging_product = "whatsapp", subject = "Made elsewhere" }),
        };
        direct.Headers.Authorization = new("Bearer", tenant.AccessToken);
        (await env.Http.SendAsync(direct)).EnsureSuccessStatusCode();

        var sync = await tenant.Post("api/groups/sync", new { });

        sync.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(2, sync.Json["listedAtMeta"]!.GetValue<int>());
        Assert.Equal(1, sync.Json["imported"]!.GetValue<int>());
        var items = (await tenant.Get("api/groups")).Json["items"]!.AsArray();
        Assert.Equal(["Made elsewhere", "Ours"], items.Select(g => g!["subject"]!.GetValue<string>()).Order());
        Assert.All(items, g => Assert.Equal("active", g!["state"]!.GetValue<string>()));

        // Syncing again imports nothing twice.
        Assert.Equal(0, (await tenant.Post("api/groups/sync", new { })).Json["imported"]!.GetValue<int>());
        Assert.Equal(2, (await tenant.Get("api/groups")).Json["items"]!.AsArray().Count);
        Assert.NotNull(ours);
    }

    [Fact]
    public async Task Deleting_a_group_goes_through_deleting_to_deleted_when_Meta_confirms()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetGroupBehaviourAsync(tenant, new { lifecycleDelayMs = 800 });
        var group = await tenant.CreateActiveGroupAsync();

        var deleting = await tenant.Send(HttpMethod.Delete, $"api/groups/{group.Id()}", null);

        deleting.AssertStatus(HttpStatusCode.Accepted);
        Assert.Equal("deleting", deleting.Json["state"]!.GetValue<string>());
        await tenant.WaitForGroupAsync(group.Id(), g => g["state"]!.GetValue<string>() == "deleted", "deleted");
        var again = await tenant.Send(HttpMethod.Delete, $"api/groups/{group.Id()}", null);
        again.AssertStatus(HttpStatusCode.Accepted);
        (await tenant.Get($"api/groups/{group.Id()}/invite-link")).AssertProblem(HttpStatusCode.Conflict);
        var send = await tenant.Post("api/messages", new { groupId = group.Id(), type = "text", text = new { body = "anyone?" } });
        send.AssertValidation("groupId");
    }
}
