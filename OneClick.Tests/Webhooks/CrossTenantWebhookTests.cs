using System.Text.Json.Nodes;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Webhooks;

/// <summary>
/// Two tenants served by one Meta app store the same app secret, so either can sign a body for the other's URL.
/// A change that names another tenant's WABA or phone number must not be applied — and must still get 200,
/// or Meta would keep retrying it.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class CrossTenantWebhookTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_tenant_sharing_the_app_secret_cannot_write_into_another_tenant_through_its_webhook_url()
    {
        var attacker = await env.CreateTenantAsync("Attacker");
        var victim = await env.CreateTenantAsync("Victim");
        using (var shared = await victim.PutAsync($"api/tenants/{victim.Id}/credentials", new
        {
            wabaId = victim.WabaId, phoneNumberId = victim.PhoneNumberId, accessToken = victim.AccessToken,
            appSecret = attacker.AppSecret, webhookVerifyToken = victim.VerifyToken,
        }))
            shared.EnsureSuccessStatusCode();
        victim = victim with { AppSecret = attacker.AppSecret };

        var customer = Customer.New(victim);
        var scheduled = await victim.SendMessageAsync(new
        {
            to = customer.Phone, type = "text", text = new { body = "x" }, scheduleFor = DateTimeOffset.UtcNow.AddHours(1).ToString("O"),
        });
        var stranger = Customer.New(victim);
        JsonArray Forged() => [SignedWebhooks.TextMessage(stranger.Digits, SignedWebhooks.NewWamid(), "STOP")];
        JsonArray ReadStatus() => [new JsonObject
        {
            ["id"] = "wamid.forged" + Guid.NewGuid().ToString("N"), ["status"] = "read", ["biz_opaque_callback_data"] = "oc1:" + scheduled,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["recipient_id"] = customer.Digits,
        }];

        // The attacker's own accounts, signed with the shared secret, sent to the victim's URL.
        await SignedWebhooks.PostAsync(victim, SignedWebhooks.Envelope(attacker, new JsonArray(SignedWebhooks.Change(attacker, messages: Forged(), statuses: ReadStatus()))));
        // The victim's WABA id copied into the entry, but the attacker's phone number in the change.
        await SignedWebhooks.PostAsync(victim, SignedWebhooks.Envelope(victim, new JsonArray(SignedWebhooks.Change(attacker, messages: Forged(), statuses: ReadStatus()))));

        // A genuine change for the victim, sent after the forged ones, is still applied.
        var genuine = Customer.New(victim);
        await SignedWebhooks.PostAsync(victim, SignedWebhooks.Envelope(victim,
            new JsonArray(SignedWebhooks.Change(victim, messages: new JsonArray(SignedWebhooks.TextMessage(genuine.Digits, SignedWebhooks.NewWamid(), "hello"))))));
        await genuine.WaitForConversationAsync(items => items.Count > 0);
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);

        Assert.Null(await stranger.FindContactIdAsync());
        Assert.Equal("scheduled", (await victim.GetJsonAsync($"api/messages/{scheduled}"))["status"]!.GetValue<string>());
    }
    [Fact]
    public async Task Own_app_mode_a_body_naming_another_tenants_accounts_sent_to_a_tenants_URL_writes_in_neither()
    {
        var a = await env.CreateTenantAsync("Shares a secret A");
        var b = await env.CreateTenantAsync("Shares a secret B");
        using (var shared = await b.PutAsync($"api/tenants/{b.Id}/credentials", new
        {
            wabaId = b.WabaId, phoneNumberId = b.PhoneNumberId, accessToken = b.AccessToken, appSecret = a.AppSecret, webhookVerifyToken = b.VerifyToken,
        }))
            shared.EnsureSuccessStatusCode();

        // B's WABA and number, signed with the secret both hold, sent to A's URL.
        var stranger = Customer.New(b);
        await SignedWebhooks.PostAsync(a, SignedWebhooks.Envelope(b,
            new JsonArray(SignedWebhooks.Change(b, messages: new JsonArray(SignedWebhooks.TextMessage(stranger.Digits, SignedWebhooks.NewWamid(), "STOP"))))));
        // A genuine change for A afterwards is applied: the forged one has been processed by then.
        var genuine = Customer.New(a);
        await SignedWebhooks.PostAsync(a, SignedWebhooks.Envelope(a,
            new JsonArray(SignedWebhooks.Change(a, messages: new JsonArray(SignedWebhooks.TextMessage(genuine.Digits, SignedWebhooks.NewWamid(), "hello"))))));
        await genuine.WaitForConversationAsync(items => items.Count > 0);
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);

        Assert.Null(await stranger.FindContactIdAsync());
        Assert.Null(await new Customer(a, stranger.Phone).FindContactIdAsync());
        await b.AssertNothingWrittenAsync();
    }
}
