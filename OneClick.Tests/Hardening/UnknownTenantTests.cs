using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Caching;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hardening;

/// <summary>Issue 15, item 3: made-up tenant ids and API keys cost one lookup a minute and bounded memory.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class UnknownTenantTests(OneClickEnvironment env)
{
    [Fact]
    public async Task An_unknown_tenant_on_the_webhook_path_is_read_from_Key_Vault_once_not_per_request()
    {
        var tenantId = "t" + Guid.NewGuid().ToString("N")[..20];
        for (var i = 0; i < 3; i++)
        {
            using var verify = await env.Http.GetAsync(new Uri(env.AppUrl, $"api/webhooks/meta/{tenantId}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"));
            Assert.True((int)verify.StatusCode is >= 400 and < 500, $"{verify.StatusCode}");
            using var content = new StringContent("""{"object":"whatsapp_business_account","entry":[]}""");
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var post = await env.Http.PostAsync(new Uri(env.AppUrl, $"api/webhooks/meta/{tenantId}"), content);
            Assert.True((int)post.StatusCode is >= 400 and < 500, $"{post.StatusCode}");
        }

        // Six calls, one read: the first found no access token, skipped the other two names and remembered the id.
        Assert.Equal(1, env.KeyVault.ReadsOf($"tenant-{tenantId}-access-token"));
        Assert.Equal(0, env.KeyVault.ReadsOf($"tenant-{tenantId}-app-secret"));
        Assert.Equal(0, env.KeyVault.ReadsOf($"tenant-{tenantId}-verify-token"));
    }

    [Fact]
    public async Task A_known_tenant_is_still_served_and_an_unknown_key_is_refused_every_time()
    {
        var tenant = await env.CreateTenantAsync();
        using var verify = await env.Http.GetAsync(new Uri(env.AppUrl, $"api/webhooks/meta/{tenant.Id}?hub.mode=subscribe&hub.verify_token={tenant.VerifyToken}&hub.challenge=42"));
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        Assert.Equal("42", await verify.Content.ReadAsStringAsync());

        var madeUp = "ock_" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(env.AppUrl, "api/contacts"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", madeUp);
            using var response = await env.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using var known = await tenant.GetAsync("api/contacts");
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
    }

    [Fact]
    public async Task A_key_tried_before_its_tenant_existed_works_as_soon_as_the_tenant_is_created()
    {
        // The demo's readiness poll does exactly this: it asks with the demo key while the seeder is still creating it.
        var key = "ock_" + Guid.NewGuid().ToString("N");
        async Task<HttpStatusCode> ListContactsAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(env.AppUrl, "api/contacts"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await env.Http.SendAsync(request);
            return response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await ListContactsAsync());

        var store = env.App.Services.GetRequiredService<OneClick.Core.Tenants.TenantStore>();
        Assert.NotNull(await store.CreateAsync("t" + Guid.NewGuid().ToString("N")[..20], "Created after its key was tried", "US", key, CancellationToken.None));

        Assert.Equal(HttpStatusCode.OK, await ListContactsAsync());
    }

    [Fact]
    public void Remembering_unknown_keys_is_bounded_however_many_are_made_up()
    {
        using var unknown = new UnknownKeys(capacity: 100);
        for (var i = 0; i < 5_000; i++)
            unknown.Remember("apikey:" + i);
        Assert.InRange(unknown.Count, 1, 100);
    }
}
