using System.Net;
using System.Text.Json.Nodes;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Webhooks;

/// <summary>
/// The platform app (docs/deployment.md#platform-app): the operator's Meta app signs every platform tenant's webhooks and
/// calls one app-level URL; each entry goes to the tenant that connected its WABA, and only if that tenant uses the
/// platform app. Tenants with their own app keep their own URL and secret, and neither path reaches the other's tenants.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class PlatformAppWebhookTests(OneClickEnvironment env)
{
    private const string Callback = "api/webhooks/meta";

    [Fact]
    public async Task One_platform_callback_with_changes_for_two_tenants_lands_each_in_its_own_tenant_only()
    {
        var a = await env.CreateTenantAsync("Platform A", platformApp: true);
        var b = await env.CreateTenantAsync("Platform B", platformApp: true);
        var (toA, toB, stranger) = (Customer.New(a), Customer.New(b), Customer.New(a));

        var body = Body(
            Entry(a.WabaId, SignedWebhooks.Change(a, messages: Text(toA))),
            Entry(b.WabaId, SignedWebhooks.Change(b, messages: Text(toB))),
            // A's WABA with B's number: neither tenant's.
            Entry(a.WabaId, SignedWebhooks.Change(b, messages: Text(stranger))));
        using (var response = await SignedWebhooks.SendAsync(env, Callback, body, OneClickEnvironment.PlatformAppSecret))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await toA.WaitForConversationAsync(items => items.Count > 0);
        await toB.WaitForConversationAsync(items => items.Count > 0);
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);

        Assert.Null(await new Customer(b, toA.Phone).FindContactIdAsync());
        Assert.Null(await new Customer(a, toB.Phone).FindContactIdAsync());
        Assert.Null(await stranger.FindContactIdAsync());
        Assert.Null(await new Customer(b, stranger.Phone).FindContactIdAsync());
    }

    [Fact]
    public async Task An_unknown_WABA_and_an_own_app_tenants_WABA_on_the_platform_callback_write_nothing()
    {
        var own = await env.CreateTenantAsync("Own app");
        var platform = await env.CreateTenantAsync("Platform", platformApp: true);
        var unknownWaba = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (toOwn, toUnknown, genuine) = (Customer.New(own), Customer.New(platform), Customer.New(platform));

        var forged = Body(
            Entry(unknownWaba, SignedWebhooks.Change(platform, messages: Text(toUnknown))),
            Entry(own.WabaId, SignedWebhooks.Change(own, messages: Text(toOwn))));
        using (var response = await SignedWebhooks.SendAsync(env, Callback, forged, OneClickEnvironment.PlatformAppSecret))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode); // dropped, not refused: Meta would retry for days

        // A genuine change after the forged ones is still applied: the queue is past them.
        await SignedWebhooks.PostAsync(platform, Body(Entry(platform.WabaId, SignedWebhooks.Change(platform, messages: Text(genuine)))));
        await genuine.WaitForConversationAsync(items => items.Count > 0);
        await Queues.DrainAsync(env, QueueNames.WebhookEvents);

        await own.AssertNothingWrittenAsync();
        Assert.Null(await toUnknown.FindContactIdAsync());
        Assert.Contains(env.Logs.Lines, l => l.Contains($"names WABA {unknownWaba}, which no tenant connected", StringComparison.Ordinal));
        Assert.Contains(env.Logs.Lines, l => l.Contains($"for tenant {own.Id} names another account's Meta app", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_platform_tenants_own_URL_accepts_nothing_signed_with_the_platform_secret_or_its_old_secret()
    {
        var tenant = await env.CreateTenantAsync("Switching to the platform app");
        var oldSecret = tenant.AppSecret;
        await env.UsePlatformAppAsync();
        var switched = await tenant.Put($"api/tenants/{tenant.Id}/credentials",
            new { wabaId = tenant.WabaId, phoneNumberId = tenant.PhoneNumberId, accessToken = tenant.AccessToken, metaApp = "platform" });
        switched.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("platform", switched.Json["metaApp"]!.GetValue<string>());
        Assert.EndsWith("/api/webhooks/meta", switched.Json["webhookUrl"]!.GetValue<string>(), StringComparison.Ordinal);

        var body = Body(Entry(tenant.WabaId, SignedWebhooks.Change(tenant, messages: Text(Customer.New(tenant)))));
        foreach (var secret in new[] { OneClickEnvironment.PlatformAppSecret, oldSecret })
        {
            using var response = await SignedWebhooks.SendAsync(env, $"api/webhooks/meta/{tenant.Id}", body, secret);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        var handshake = await Api.SendAsync(env, HttpMethod.Get,
            $"api/webhooks/meta/{tenant.Id}?hub.mode=subscribe&hub.verify_token={OneClickEnvironment.PlatformVerifyToken}&hub.challenge=42", apiKey: null);
        handshake.AssertProblem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_platform_callback_answers_the_verification_handshake_with_the_platform_verify_token()
    {
        await env.UsePlatformAppAsync();

        var ok = await Api.SendAsync(env, HttpMethod.Get,
            $"{Callback}?hub.mode=subscribe&hub.verify_token={OneClickEnvironment.PlatformVerifyToken}&hub.challenge=1158201444", apiKey: null);
        ok.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("1158201444", ok.Body);

        var wrong = await Api.SendAsync(env, HttpMethod.Get, $"{Callback}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1", apiKey: null);
        wrong.AssertProblem(HttpStatusCode.Forbidden);
        using var unsigned = await SignedWebhooks.SendAsync(env, Callback, Body(), "not-the-platform-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
    }

    [Fact]
    public async Task The_platform_app_admin_API_needs_the_admin_key_and_never_shows_the_secret()
    {
        var tenant = await env.CreateBareTenantAsync();
        var secrets = new { appSecret = "stolen-" + Guid.NewGuid().ToString("N"), verifyToken = "stolen-verify" };

        (await Api.SendAsync(env, HttpMethod.Put, "api/admin/platform-app", apiKey: null, System.Net.Http.Json.JsonContent.Create(secrets))).AssertProblem(HttpStatusCode.Unauthorized);
        (await tenant.Put("api/admin/platform-app", secrets)).AssertProblem(HttpStatusCode.Forbidden);
        (await tenant.Get("api/admin/platform-app")).AssertProblem(HttpStatusCode.Forbidden);
        Assert.False(env.KeyVault.Holds(secrets.appSecret));
        (await env.AdminAsync(HttpMethod.Put, "api/admin/platform-app", new { appSecret = "has spaces" })).AssertValidation("appSecret", "verifyToken");

        await env.UsePlatformAppAsync();
        var view = await env.AdminAsync(HttpMethod.Get, "api/admin/platform-app");
        view.AssertStatus(HttpStatusCode.OK);
        Assert.True(view.Json["configured"]!.GetValue<bool>());
        Assert.EndsWith("/api/webhooks/meta", view.Json["callbackUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(OneClickEnvironment.PlatformAppSecret, view.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(OneClickEnvironment.PlatformVerifyToken, view.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connecting_another_tenants_WABA_or_number_is_409_and_a_released_one_can_be_taken()
    {
        var owner = await env.CreateTenantAsync("Owner");
        var other = await env.CreateTenantAsync("Other");
        object Credentials(string wabaId, string phoneNumberId) => new
        {
            wabaId, phoneNumberId, accessToken = other.AccessToken, appSecret = other.AppSecret, webhookVerifyToken = other.VerifyToken,
        };

        (await other.Put($"api/tenants/{other.Id}/credentials", Credentials(owner.WabaId, other.PhoneNumberId))).AssertProblem(HttpStatusCode.Conflict);
        (await other.Put($"api/tenants/{other.Id}/credentials", Credentials(other.WabaId, owner.PhoneNumberId))).AssertProblem(HttpStatusCode.Conflict);
        var profile = await other.Get($"api/tenants/{other.Id}");
        Assert.Equal(other.WabaId, profile.Json["wabaId"]!.GetValue<string>());
        Assert.Equal(other.PhoneNumberId, profile.Json["phoneNumberId"]!.GetValue<string>());
        // A refused attempt kept what the tenant already had: repeating its own credentials is fine, and a third tenant cannot take them.
        (await other.Put($"api/tenants/{other.Id}/credentials", Credentials(other.WabaId, other.PhoneNumberId))).AssertStatus(HttpStatusCode.OK);
        var third = await env.CreateBareTenantAsync();
        (await third.Put($"api/tenants/{third.Id}/credentials", new
        {
            wabaId = other.WabaId, phoneNumberId = NewGraphId(), accessToken = "EAAGthird", appSecret = "third-secret", webhookVerifyToken = "third-verify",
        })).AssertProblem(HttpStatusCode.Conflict);

        // The owner moves to a new WABA and number: the old ones are released.
        (await owner.Put($"api/tenants/{owner.Id}/credentials", new
        {
            wabaId = NewGraphId(), phoneNumberId = NewGraphId(), accessToken = owner.AccessToken, appSecret = owner.AppSecret, webhookVerifyToken = owner.VerifyToken,
        })).AssertStatus(HttpStatusCode.OK);
        (await third.Put($"api/tenants/{third.Id}/credentials", new
        {
            wabaId = owner.WabaId, phoneNumberId = owner.PhoneNumberId, accessToken = "EAAGthird", appSecret = "third-secret", webhookVerifyToken = "third-verify",
        })).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_message_sent_for_a_platform_tenant_gets_its_statuses_back_through_the_app_level_callback()
    {
        var tenant = await env.CreateTenantAsync("Platform sender", platformApp: true);
        var profile = await tenant.Get($"api/tenants/{tenant.Id}");
        Assert.Equal("platform", profile.Json["metaApp"]!.GetValue<string>());

        var id = await tenant.SendMessageAsync(new { to = Customer.New(tenant).Phone, type = "text", text = new { body = "Hello from the platform" } });

        // The sandbox sends this number's status webhooks to the app-level callback, signed with the platform secret.
        await tenant.WaitForStatusAsync(id, "read");
    }

    private static JsonArray Text(Customer from) => [SignedWebhooks.TextMessage(from.Digits, SignedWebhooks.NewWamid(), "hello")];

    private static JsonObject Entry(string wabaId, JsonObject change) => new() { ["id"] = wabaId, ["changes"] = new JsonArray(change) };

    private static string Body(params JsonObject[] entries) =>
        new JsonObject { ["object"] = "whatsapp_business_account", ["entry"] = new JsonArray(entries) }.ToJsonString();

    private static string NewGraphId() => Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
