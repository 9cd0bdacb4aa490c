using System.Net;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Identity;

/// <summary>WhatsApp's system notices move the contact to its new number or BSUID and are not customer messages.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class SystemMessageTests(OneClickEnvironment env)
{
    [Fact]
    public async Task User_changed_number_and_user_changed_user_id_move_the_contact_without_opening_the_window_or_firing_automations()
    {
        var tenant = await env.CreateTenantAsync();
        var (oldUserId, newUserId) = (IdentityKit.NewUserId(), IdentityKit.NewUserId());
        var rule = await tenant.Post("api/automations", new
        {
            name = "Changed", trigger = new { type = "keyword", keywords = new[] { "changed" } },
            actions = new object[] { new { type = "webhook", url = "https://crm.example.com/hook", secret = "s3cret-s3cret-s3cret" } },
        });
        rule.AssertStatus(HttpStatusCode.Created);

        await IdentityKit.InboundAsync(env, tenant, "text", new { body = "hello" }, from: "14155550951", fromUserId: oldUserId, name: "Mover");
        var contact = await IdentityKit.WaitForContactAsync(tenant, "phoneNumber=%2B14155550951", c => c["userId"] is not null);
        var id = contact["id"]!.GetValue<string>();
        var before = (await tenant.GetJsonAsync($"api/contacts/{id}"))["serviceWindow"]!["lastInboundAt"]!.GetValue<DateTimeOffset>();

        await IdentityKit.InboundAsync(env, tenant, "system", new { type = "user_changed_number", body = "User Mover changed from 14155550951 to 14155550952", wa_id = "14155550952" },
            from: "14155550951");
        var moved = await IdentityKit.WaitForContactAsync(tenant, "phoneNumber=%2B14155550952");
        Assert.Equal(id, moved["id"]!.GetValue<string>());
        Assert.Empty((await tenant.Get("api/contacts?phoneNumber=%2B14155550951")).Json["items"]!.AsArray());

        await IdentityKit.InboundAsync(env, tenant, "system", new { type = "user_changed_user_id", body = "User changed", user_id = newUserId }, fromUserId: oldUserId);
        var renamed = await IdentityKit.WaitForContactAsync(tenant, "userId=" + newUserId);
        Assert.Equal(id, renamed["id"]!.GetValue<string>());
        Assert.Empty((await tenant.Get("api/contacts?userId=" + oldUserId)).Json["items"]!.AsArray());
        Assert.Single((await tenant.Get("api/contacts")).Json["items"]!.AsArray());

        // History kept (the notices beside the message), the window where the customer's message left it, no automation run.
        var items = await new Customer(tenant, "+14155550952").WaitForConversationAsync(i => i.Count == 3, id);
        Assert.Equal(2, items.Count(i => i!["type"]!.GetValue<string>() == "system"));
        Assert.Equal(before, (await tenant.GetJsonAsync($"api/contacts/{id}"))["serviceWindow"]!["lastInboundAt"]!.GetValue<DateTimeOffset>());
        Assert.Empty((await tenant.GetJsonAsync($"api/automations/{rule.Json["id"]!.GetValue<string>()}/runs"))["items"]!.AsArray());
    }
}
