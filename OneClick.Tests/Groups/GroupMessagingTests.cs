using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Groups;

/// <summary>Messages to groups through POST /api/messages, the queue and the sandbox; aggregated statuses; the group's conversation.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class GroupMessagingTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_text_to_a_group_goes_out_as_a_group_send_and_reports_delivered_and_read_per_participant()
    {
        var tenant = await env.CreateTenantAsync();
        // Every webhook twice: the per-participant counts must not double.
        await env.SetGroupBehaviourAsync(tenant, new { participantIdField = "alternate" }, duplicateWebhooks: true);
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550801", "+14155550802", "+14155550803");

        var id = await tenant.SendMessageAsync(new { groupId = group.Id(), type = "text", text = new { body = "Doors open at 9" } });
        var message = await tenant.WaitForStatusAsync(id, "read");

        Assert.Equal(group.Id(), message["to"]!.GetValue<string>());
        Assert.Equal("group", message["payload"]!["recipient_type"]!.GetValue<string>());
        Assert.Equal(group.MetaId(), message["payload"]!["to"]!.GetValue<string>());
        var sent = Assert.Single(await env.SandboxMessagesAsync(tenant));
        Assert.Equal("group", sent!["recipient_type"]!.GetValue<string>());

        var detail = await Eventually.Async(
            async () => (await tenant.Get($"api/groups/{group.Id()}/messages/{id}")).Json,
            d => d["group"]!["read"]!.GetValue<int>() == 3, "read by all three");
        Assert.Equal(3, detail["group"]!["participants"]!.GetValue<int>());
        Assert.Equal(3, detail["group"]!["delivered"]!.GetValue<int>());
        Assert.Equal(["14155550801", "14155550802", "14155550803"],
            detail["group"]!["perParticipant"]!.AsArray().Select(p => p!["waId"]!.GetValue<string>()).Order());
        Assert.All(detail["group"]!["perParticipant"]!.AsArray(), p => Assert.Equal("read", p!["status"]!.GetValue<string>()));
        Assert.Equal("read", detail["message"]!["status"]!.GetValue<string>());

        var conversation = (await tenant.Get($"api/groups/{group.Id()}/messages")).Json["items"]!.AsArray();
        var outbound = Assert.Single(conversation)!;
        Assert.Equal("outbound", outbound["direction"]!.GetValue<string>());
        Assert.Equal(id, outbound["messageId"]!.GetValue<string>());
        Assert.Equal("Doors open at 9", outbound["text"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("recipient_participant_id")]
    [InlineData("participant_recipient_id")]
    public async Task Aggregated_statuses_are_read_under_either_spelling_of_the_participant_field(string spelling)
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetGroupBehaviourAsync(tenant, new { participantIdField = spelling });
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550811", "+14155550812");

        var id = await tenant.SendMessageAsync(new { groupId = group.Id(), type = "template", template = new { name = "hello_world", language = "en_US" } });

        var detail = await Eventually.Async(
            async () => (await tenant.Get($"api/groups/{group.Id()}/messages/{id}")).Json,
            d => d["group"]!["read"]!.GetValue<int>() == 2, "read by both");
        Assert.Equal(2, detail["group"]!["delivered"]!.GetValue<int>());
    }

    [Fact]
    public async Task Only_the_types_Meta_delivers_to_groups_are_accepted_and_nothing_else_reaches_Meta()
    {
        var tenant = await env.CreateTenantAsync();
        var other = await env.CreateTenantAsync();
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550821");

        foreach (var type in new[] { "interactive", "location", "contacts", "reaction", "pin" })
        {
            var refused = (await tenant.Post("api/messages", new { groupId = group.Id(), type })).AssertValidation("type");
            Assert.Contains(refused["errors"]!["type"]!.AsArray(), e => e!.GetValue<string>().Contains("groups", StringComparison.Ordinal));
        }
        (await tenant.Post("api/messages", new { groupId = group.Id(), to = "+14155550821", type = "text", text = new { body = "x" } })).AssertValidation("groupId");
        (await tenant.Post("api/messages", new { groupId = "nope", type = "text", text = new { body = "x" } })).AssertValidation("groupId");
        (await tenant.Post("api/messages", new { groupId = $"g{Guid.NewGuid():N}", type = "text", text = new { body = "x" } })).AssertValidation("groupId");
        (await tenant.Post("api/messages", new { groupId = group.Id(), type = "text", text = new { body = "" } })).AssertValidation("text.body");
        (await other.Post("api/messages", new { groupId = group.Id(), type = "text", text = new { body = "not my group" } })).AssertValidation("groupId");

        Assert.Empty(await env.SandboxMessagesAsync(tenant));
        Assert.Empty(await env.SandboxMessagesAsync(other));
        Assert.Empty((await tenant.Get($"api/groups/{group.Id()}/messages")).Json["items"]!.AsArray());
    }

    [Fact]
    public async Task Metas_group_send_errors_fail_the_message_with_the_code()
    {
        var tenant = await env.CreateTenantAsync();
        var empty = await tenant.CreateActiveGroupAsync("Nobody here yet");

        var id = await tenant.SendMessageAsync(new { groupId = empty.Id(), type = "text", text = new { body = "hello?" } });

        var failed = await tenant.WaitForStatusAsync(id, "failed");
        Assert.Equal(131020, failed["error"]!["code"]!.GetValue<int>());

        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550831");
        await env.SetGroupBehaviourAsync(tenant, new { errors = new Dictionary<string, int> { ["send"] = 131041 } });
        var unknown = await tenant.WaitForStatusAsync(await tenant.SendMessageAsync(new { groupId = group.Id(), type = "text", text = new { body = "still there?" } }), "failed");
        Assert.Equal(131041, unknown["error"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_group_rate_limit_131208_is_retried_later_and_the_message_then_goes_out()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550851");
        await env.SetGroupBehaviourAsync(tenant, new { errors = new Dictionary<string, int> { ["send"] = 131208 } });

        var id = await tenant.SendMessageAsync(new { groupId = group.Id(), type = "text", text = new { body = "eventually" } });
        var waiting = await Eventually.Async(
            async () => (await tenant.Get($"api/messages/{id}")).Json,
            m => m["history"]!.AsArray().Any(h => h!["detail"]?.GetValue<string>()?.Contains("131208", StringComparison.Ordinal) == true), "a 131208 retry");
        Assert.Null(waiting["error"]);
        await env.SetGroupBehaviourAsync(tenant, new { });

        var read = await tenant.WaitForStatusAsync(id, "read");
        Assert.True(read["attempts"]!.GetValue<int>() >= 2);
        Assert.Single(await env.SandboxMessagesAsync(tenant));
    }

    [Fact]
    public async Task Inbound_group_messages_and_unsupported_ones_are_stored_once_in_the_groups_conversation_page_by_page()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetGroupBehaviourAsync(tenant, new { }, duplicateWebhooks: true);
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550841", "+14155550842");
        var inbound = $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{group.MetaId()}/inbound";

        await env.SandboxPostAsync(inbound, new { from = "+14155550841", name = "Ana", text = "Can I bring a friend?" });
        await env.SandboxPostAsync(inbound, new { from = "+14155550842", name = "Ben", type = "unsupported" });
        // A 1:1 message (no group_id) is not the group's.
        await env.SandboxPostAsync($"_sandbox/phone-numbers/{tenant.PhoneNumberId}/inbound", new { from = "+14155550841", text = "private" });

        var items = await Eventually.Async(
            async () => (await tenant.Get($"api/groups/{group.Id()}/messages")).Json["items"]!.AsArray(),
            list => list.Count >= 2, "two group messages");
        Assert.Equal(2, items.Count);
        var text = items.Single(i => i!["type"]!.GetValue<string>() == "text")!;
        Assert.Equal("Can I bring a friend?", text["text"]!.GetValue<string>());
        Assert.Equal("14155550841", text["sender"]!.GetValue<string>());
        Assert.Equal("Ana", text["profileName"]!.GetValue<string>());
        Assert.Equal("inbound", text["direction"]!.GetValue<string>());
        var unsupported = items.Single(i => i!["type"]!.GetValue<string>() == "unsupported")!;
        Assert.Equal(130501, unsupported["error"]!["code"]!.GetValue<int>());
        Assert.Equal("Unsupported message type", unsupported["error"]!["title"]!.GetValue<string>());

        var first = (await tenant.Get($"api/groups/{group.Id()}/messages?pageSize=1")).Json;
        Assert.Single(first["items"]!.AsArray());
        var next = (await tenant.Get($"api/groups/{group.Id()}/messages?pageSize=1&continuationToken={Uri.EscapeDataString(first["continuationToken"]!.GetValue<string>())}")).Json;
        Assert.Single(next["items"]!.AsArray());
        (await tenant.Get($"api/groups/{group.Id()}/messages?pageSize=501")).AssertValidation("pageSize");
        (await tenant.Get($"api/groups/{group.Id()}/messages/not-a-message")).AssertValidation("messageId");
        (await tenant.Get($"api/groups/{group.Id()}/messages/m{Guid.NewGuid():N}")).AssertProblem(HttpStatusCode.NotFound);
    }
}
