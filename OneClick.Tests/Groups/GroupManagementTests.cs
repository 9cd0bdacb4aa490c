using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Groups;

/// <summary>Settings, picture, invite link, join requests, participants and suspension, through OneClick's API and Meta's webhooks.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class GroupManagementTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Subject_and_description_are_updated_at_Meta_and_confirmed_by_the_settings_webhook()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await tenant.CreateActiveGroupAsync();

        var updated = await tenant.Send(HttpMethod.Patch, $"api/groups/{group.Id()}", JsonContent.Create(new { subject = "Spring launch", description = "Ünïcödé 🎉" }));

        updated.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Spring launch", updated.Json["subject"]!.GetValue<string>());
        var atMeta = await env.SandboxGroupAsync(tenant, group.MetaId());
        Assert.Equal("Spring launch", atMeta["subject"]!.GetValue<string>());
        Assert.Equal("Ünïcödé 🎉", atMeta["description"]!.GetValue<string>());
        var stored = await tenant.WaitForGroupAsync(group.Id(), g => g["description"]!.GetValue<string>() == "Ünïcödé 🎉", "updated");
        Assert.Equal("Spring launch", stored["subject"]!.GetValue<string>());

        var patch = (object body) => tenant.Send(HttpMethod.Patch, $"api/groups/{group.Id()}", JsonContent.Create(body));
        (await patch(new { })).AssertValidation("subject");
        (await patch(new { subject = "" })).AssertValidation("subject");
        (await patch(new { subject = new string('x', 129) })).AssertValidation("subject");
        (await patch(new { description = new string('x', 2049) })).AssertValidation("description");
        (await tenant.Raw(HttpMethod.Patch, $"api/groups/{group.Id()}", "[1,2]")).AssertUnreadable();
        (await tenant.Send(HttpMethod.Patch, $"api/groups/g{Guid.NewGuid():N}", JsonContent.Create(new { subject = "x" }))).AssertProblem(HttpStatusCode.NotFound);
        Assert.Equal("Spring launch", (await env.SandboxGroupAsync(tenant, group.MetaId()))["subject"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_picture_must_be_a_square_JPEG_of_at_least_192_pixels_and_at_most_5_MB()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await tenant.CreateActiveGroupAsync();
        Task<Reply> Put(byte[] bytes, string type = "image/jpeg")
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(type);
            return tenant.Send(HttpMethod.Put, $"api/groups/{group.Id()}/picture", content);
        }

        (await Put(GroupKit.Jpeg(640, 480))).AssertValidation("picture");
        (await Put(GroupKit.Jpeg(100, 100))).AssertValidation("picture");
        (await Put([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])).AssertValidation("picture");
        (await Put(GroupKit.Jpeg(512, 512), "image/png")).AssertValidation("picture");
        (await Put([])).AssertValidation("picture");

        var ok = await Put(GroupKit.Jpeg(512, 512));
        ok.AssertStatus(HttpStatusCode.OK);
        var withPicture = await tenant.WaitForGroupAsync(group.Id(), g => g["pictureSha256"] is not null, "given a picture");
        Assert.Equal(64, withPicture["pictureSha256"]!.GetValue<string>().Length);
    }

    [Fact]
    public async Task The_invite_link_is_read_from_Meta_and_a_reset_replaces_it()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await tenant.CreateActiveGroupAsync();

        var link = (await tenant.Get($"api/groups/{group.Id()}/invite-link")).Json["inviteLink"]!.GetValue<string>();
        Assert.Equal(group["inviteLink"]!.GetValue<string>(), link);
        var reset = await tenant.Post($"api/groups/{group.Id()}/invite-link/reset", new { });
        reset.AssertStatus(HttpStatusCode.OK);
        var fresh = reset.Json["inviteLink"]!.GetValue<string>();

        Assert.NotEqual(link, fresh);
        Assert.StartsWith("https://chat.whatsapp.com/", fresh, StringComparison.Ordinal);
        Assert.Equal(fresh, (await env.SandboxGroupAsync(tenant, group.MetaId()))["inviteLink"]!.GetValue<string>());
        Assert.Equal(fresh, (await tenant.Get($"api/groups/{group.Id()}")).Json["inviteLink"]!.GetValue<string>());
        (await tenant.Get("api/groups/gnothex/invite-link")).AssertValidation("groupId");
    }

    [Fact]
    public async Task Join_requests_arrive_by_webhook_and_are_listed_approved_and_rejected()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await tenant.CreateActiveGroupAsync("Members only", "approval_required");
        await env.JoinAsync(tenant, group.MetaId(), "+14155550201");
        await env.JoinAsync(tenant, group.MetaId(), "+14155550202");
        await env.JoinAsync(tenant, group.MetaId(), "+14155550203");

        var pending = await tenant.WaitForGroupAsync(group.Id(), g => g["pendingJoinRequestCount"]!.GetValue<int>() == 3, "asked to join thrice");
        Assert.Empty(pending.Members());
        var listed = (await tenant.Get($"api/groups/{group.Id()}/join-requests")).Json["items"]!.AsArray();
        Assert.Equal(3, listed.Count);
        string RequestOf(string waId) => listed.Single(r => r!["waId"]!.GetValue<string>() == waId)!["joinRequestId"]!.GetValue<string>();

        var approved = await tenant.Post($"api/groups/{group.Id()}/join-requests/approve", new { joinRequestIds = new[] { RequestOf("14155550201"), RequestOf("14155550202") } });
        approved.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(2, approved.Json["answered"]!.AsArray().Count);
        var rejected = await tenant.Post($"api/groups/{group.Id()}/join-requests/reject", new { joinRequestIds = new[] { RequestOf("14155550203"), "no-such-request" } });
        rejected.AssertStatus(HttpStatusCode.OK);
        Assert.Single(rejected.Json["answered"]!.AsArray());
        Assert.Equal(131213, rejected.Json["failed"]![0]!["code"]!.GetValue<int>());

        var members = await tenant.WaitForGroupAsync(group.Id(), g => g.Members().Count == 2, "joined by the approved two");
        Assert.Equal(["14155550201", "14155550202"], members.Members());
        Assert.Equal(0, members["pendingJoinRequestCount"]!.GetValue<int>());
        var states = members["joinRequests"]!.AsArray().Select(r => r!["state"]!.GetValue<string>()).Order();
        Assert.Equal(["approved", "approved", "rejected"], states);

        (await tenant.Post($"api/groups/{group.Id()}/join-requests/approve", new { joinRequestIds = Array.Empty<string>() })).AssertValidation("joinRequestIds");
        (await tenant.Post($"api/groups/{group.Id()}/join-requests/approve", new { })).AssertValidation("joinRequestIds");
        (await tenant.Post($"api/groups/{group.Id()}/join-requests/reject", new { joinRequestIds = new[] { "a", "a" } })).AssertValidation("joinRequestIds");
        (await tenant.Raw(HttpMethod.Post, $"api/groups/{group.Id()}/join-requests/approve", "{\"joinRequestIds\": \"one\"}")).AssertUnreadable();
        var tooMany = Enumerable.Range(0, 7).Select(i => $"req-{i}").ToArray();
        var full = (await tenant.Post($"api/groups/{group.Id()}/join-requests/approve", new { joinRequestIds = tooMany })).AssertProblem(HttpStatusCode.Conflict);
        Assert.Equal(131204, full["metaCode"]!.GetValue<int>());
    }

    [Fact]
    public async Task Participants_are_removed_by_the_business_or_leave_and_the_webhooks_keep_the_members_current()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await tenant.CreateActiveGroupAsync();
        group = await env.JoinAllAsync(tenant, group, "+14155550301", "+14155550302", "+14155550303");
        Assert.Equal(3, group["participantCount"]!.GetValue<int>());

        var removed = await tenant.Post($"api/groups/{group.Id()}/participants/remove", new { participants = new[] { "+1 415 555 0301" } });
        removed.AssertStatus(HttpStatusCode.Accepted);
        await env.SandboxPostAsync($"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{group.MetaId()}/leave", new { waId = "14155550302" });

        var after = await tenant.WaitForGroupAsync(group.Id(), g => g.Members().Count == 1, "left with one member");
        Assert.Equal(["14155550303"], after.Members());
        Assert.Equal(["14155550303"], (await env.SandboxGroupAsync(tenant, group.MetaId()))["participants"]!.AsArray().Select(p => p!.GetValue<string>()));

        var remove = (object body) => tenant.Post($"api/groups/{group.Id()}/participants/remove", body);
        (await remove(new { participants = new[] { "+14155550301" } })).AssertValidation("participants");
        (await remove(new { participants = new[] { "+14155550303", "14155550303" } })).AssertValidation("participants");
        (await remove(new { participants = Array.Empty<string>() })).AssertValidation("participants");
        (await remove(new { participants = Enumerable.Range(0, 9).Select(i => $"+1415555040{i}").ToArray() })).AssertValidation("participants");
        (await remove(new { participants = new[] { "call me" } })).AssertValidation("participants[0]");
        (await remove(new { })).AssertValidation("participants");
        Assert.Equal(["14155550303"], (await tenant.Get($"api/groups/{group.Id()}")).Json.Members());
    }

    [Fact]
    public async Task A_suspension_and_its_lifting_arrive_by_webhook_and_stop_sends_meanwhile()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550401");

        await env.SandboxPostAsync($"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{group.MetaId()}/suspend", new { });
        await tenant.WaitForGroupAsync(group.Id(), g => g["suspended"]!.GetValue<bool>(), "suspended");
        var refused = (await tenant.Post("api/messages", new { groupId = group.Id(), type = "text", text = new { body = "hello" } })).AssertValidation("groupId");
        Assert.Contains("suspended", refused["errors"]!["groupId"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(409, (int)(await tenant.Post($"api/groups/{group.Id()}/pins", new { messageId = "m" + Guid.NewGuid().ToString("N"), expirationDays = 2 })).Status);

        await env.SandboxPostAsync($"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{group.MetaId()}/suspend-cleared", new { });
        await tenant.WaitForGroupAsync(group.Id(), g => !g["suspended"]!.GetValue<bool>(), "no longer suspended");
        var id = await tenant.SendMessageAsync(new { groupId = group.Id(), type = "text", text = new { body = "we are back" } });
        await tenant.WaitForStatusAsync(id, "read");
    }

    [Fact]
    public async Task Refresh_reads_the_group_info_from_Meta()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550501", "+14155550502");

        var refreshed = await tenant.Get($"api/groups/{group.Id()}?refresh=true");

        refreshed.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(["14155550501", "14155550502"], refreshed.Json.Members());
        Assert.Equal("Launch crew", refreshed.Json["subject"]!.GetValue<string>());
        Assert.False(refreshed.Json["suspended"]!.GetValue<bool>());
        (await tenant.Get($"api/groups/{group.Id()}?refresh=maybe")).AssertUnreadable();
    }
}
