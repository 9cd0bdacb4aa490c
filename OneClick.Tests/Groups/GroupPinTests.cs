using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Groups;

/// <summary>Pins: validated before Meta, at most three, a fourth unpins the oldest, as Meta does.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class GroupPinTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_fourth_pin_unpins_the_oldest_and_unpin_removes_a_pin_here_and_at_Meta()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550901");
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var id = await tenant.SendMessageAsync(new { groupId = group.Id(), type = "text", text = new { body = $"Announcement {i}" } });
            await tenant.WaitForStatusAsync(id, "read");
            ids.Add(id);
        }
        await env.SandboxPostAsync($"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{group.MetaId()}/inbound", new { from = "+14155550901", text = "pin me" });
        var inboundWamid = (await Eventually.Async(
            async () => (await tenant.Get($"api/groups/{group.Id()}/messages")).Json["items"]!.AsArray(),
            items => items.Any(m => m!["direction"]!.GetValue<string>() == "inbound"), "the inbound message"))
            .Single(m => m!["direction"]!.GetValue<string>() == "inbound")!["metaMessageId"]!.GetValue<string>();

        foreach (var id in ids)
        {
            var pinned = await tenant.Post($"api/groups/{group.Id()}/pins", new { messageId = id, expirationDays = 7 });
            pinned.AssertStatus(HttpStatusCode.OK);
        }

        var pins = (await tenant.Get($"api/groups/{group.Id()}")).Json["pins"]!.AsArray().Select(p => p!["messageId"]!.GetValue<string>()).ToList();
        Assert.Equal(ids.Skip(1), pins);
        var atMeta = (await env.SandboxGroupAsync(tenant, group.MetaId()))["pins"]!.AsArray();
        Assert.Equal(3, atMeta.Count);

        var unpinned = await tenant.Send(HttpMethod.Delete, $"api/groups/{group.Id()}/pins/{ids[2]}", null);
        unpinned.AssertStatus(HttpStatusCode.OK);
        Assert.Equal([ids[1], ids[3]], unpinned.Json["pins"]!.AsArray().Select(p => p!["messageId"]!.GetValue<string>()));
        Assert.Equal(2, (await env.SandboxGroupAsync(tenant, group.MetaId()))["pins"]!.AsArray().Count);

        // A message received in the group can be pinned by its wamid.
        var byWamid = await tenant.Post($"api/groups/{group.Id()}/pins", new { messageId = inboundWamid, expirationDays = 30 });
        byWamid.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(3, byWamid.Json["pins"]!.AsArray().Count);

        (await tenant.Send(HttpMethod.Delete, $"api/groups/{group.Id()}/pins/{ids[0]}", null)).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Pin_requests_are_validated_before_Meta()
    {
        var tenant = await env.CreateTenantAsync();
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), "+14155550911");
        var other = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync("Other"), "+14155550912");
        var elsewhere = await tenant.SendMessageAsync(new { groupId = other.Id(), type = "text", text = new { body = "not in the first group" } });
        var person = await tenant.SendMessageAsync(new { to = "+14155550913", type = "text", text = new { body = "1:1" } });
        var pin = (object body) => tenant.Post($"api/groups/{group.Id()}/pins", body);

        (await pin(new { messageId = elsewhere })).AssertValidation("expirationDays");
        (await pin(new { messageId = elsewhere, expirationDays = 0 })).AssertValidation("expirationDays");
        (await pin(new { messageId = elsewhere, expirationDays = 31 })).AssertValidation("expirationDays");
        (await pin(new { expirationDays = 3 })).AssertValidation("messageId");
        (await tenant.Raw(HttpMethod.Post, $"api/groups/{group.Id()}/pins", "{\"messageId\": \"x\", \"expirationDays\": \"soon\"}")).AssertUnreadable();
        (await pin(new { messageId = elsewhere, expirationDays = 3 })).AssertProblem(HttpStatusCode.NotFound);
        (await pin(new { messageId = person, expirationDays = 3 })).AssertProblem(HttpStatusCode.NotFound);
        (await pin(new { messageId = "wamid.unknown", expirationDays = 3 })).AssertProblem(HttpStatusCode.NotFound);

        var requests = await env.Http.GetFromJsonAsync<JsonObject>(new Uri(env.SandboxUrl, $"_sandbox/requests?phoneNumberId={tenant.PhoneNumberId}"));
        Assert.DoesNotContain(requests!["requests"]!.AsArray(), r => r!["type"]?.GetValue<string>() == "pin");
        Assert.Empty((await tenant.Get($"api/groups/{group.Id()}")).Json["pins"]!.AsArray());
    }
}
