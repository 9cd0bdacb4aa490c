using System.Net;
using System.Security.Cryptography;
using System.Text;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Tenants;

/// <summary>Creating tenants: the admin key, the API key shown once and stored only as a hash, ids, isolation.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class TenantProvisioningTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Creating_a_tenant_without_a_key_is_401_problem_with_a_bearer_challenge_and_creates_nothing()
    {
        var id = Api.NewTenantId();
        var reply = await Api.SendAsync(env, HttpMethod.Post, "api/tenants", apiKey: null,
            System.Net.Http.Json.JsonContent.Create(new { id, name = "No key" }));

        reply.AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Contains(reply.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Empty(await env.EntitiesAsync(TableNames.Tenants, id));
    }

    [Theory]
    [InlineData("ock_not-a-real-key-0000000000000000000000000")]
    [InlineData("test-admin-key-0123456789x")]
    [InlineData("TEST-ADMIN-KEY-0123456789")]
    public async Task Creating_a_tenant_with_a_wrong_key_is_401_and_creates_nothing(string key)
    {
        var id = Api.NewTenantId();
        var reply = await Api.SendAsync(env, HttpMethod.Post, "api/tenants", key, System.Net.Http.Json.JsonContent.Create(new { id, name = "Wrong key" }));

        reply.AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Contains(reply.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Empty(await env.EntitiesAsync(TableNames.Tenants, id));
    }

    [Fact]
    public async Task A_tenant_key_cannot_create_or_list_tenants_403()
    {
        var tenant = await env.CreateBareTenantAsync();
        var id = Api.NewTenantId();

        (await tenant.Post("api/tenants", new { id, name = "By a tenant" })).AssertProblem(HttpStatusCode.Forbidden);
        (await tenant.Get("api/tenants")).AssertProblem(HttpStatusCode.Forbidden);
        Assert.Empty(await env.EntitiesAsync(TableNames.Tenants, id));
    }

    [Fact]
    public async Task The_admin_creates_a_tenant_201_and_gets_its_api_key_once_which_then_works()
    {
        var id = Api.NewTenantId();
        var created = await env.AdminAsync(HttpMethod.Post, "api/tenants", new { id, name = "Acme Flowers", defaultRegion = "GB" });

        created.AssertStatus(HttpStatusCode.Created);
        Assert.Equal($"/api/tenants/{id}", created.Headers.Location?.OriginalString);
        var json = created.Json;
        var apiKey = json["apiKey"]!.GetValue<string>();
        Assert.StartsWith("ock_", apiKey, StringComparison.Ordinal);
        Assert.True(apiKey.Length >= 40, apiKey);
        Assert.Equal(id, json["tenant"]!["id"]!.GetValue<string>());
        Assert.Equal("Acme Flowers", json["tenant"]!["name"]!.GetValue<string>());
        Assert.Equal("GB", json["tenant"]!["defaultRegion"]!.GetValue<string>());
        Assert.EndsWith($"/api/webhooks/meta/{id}", json["tenant"]!["webhookUrl"]!.GetValue<string>(), StringComparison.Ordinal);

        var tenant = new TestTenant(env, id, apiKey, "", "", "", "", "");
        var read = await tenant.Get($"api/tenants/{id}");
        read.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(id, read.Json["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_generated_tenant_id_is_valid_and_unique()
    {
        var first = await env.CreateBareTenantAsync();
        var second = await env.CreateBareTenantAsync();

        Assert.NotEqual(first.Id, second.Id);
        Assert.NotEqual(first.ApiKey, second.ApiKey);
        Assert.Matches("^[a-z0-9](?:-?[a-z0-9]){2,39}$", first.Id);
    }

    [Fact]
    public async Task The_api_key_is_never_shown_again_by_get_or_list()
    {
        var tenant = await env.CreateBareTenantAsync();

        var own = await tenant.Get($"api/tenants/{tenant.Id}");
        var byAdmin = await env.AdminAsync(HttpMethod.Get, $"api/tenants/{tenant.Id}");
        var credentials = await tenant.Get($"api/tenants/{tenant.Id}/credentials");
        own.AssertStatus(HttpStatusCode.OK);
        byAdmin.AssertStatus(HttpStatusCode.OK);
        credentials.AssertStatus(HttpStatusCode.OK);
        foreach (var reply in new[] { own, byAdmin, credentials })
        {
            Assert.DoesNotContain(tenant.ApiKey, reply.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(ApiKeyHash(tenant.ApiKey), reply.Body, StringComparison.Ordinal);
            Assert.Null(reply.Json["apiKey"]);
        }

        string? token = null;
        do
        {
            var page = await env.AdminAsync(HttpMethod.Get, "api/tenants?pageSize=100" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            page.AssertStatus(HttpStatusCode.OK);
            Assert.DoesNotContain(tenant.ApiKey, page.Body, StringComparison.Ordinal);
            token = page.Json["continuationToken"]?.GetValue<string>();
        }
        while (token is not null);
    }

    [Fact]
    public async Task The_apikeys_table_holds_only_the_sha256_hash_of_the_key()
    {
        var tenant = await env.CreateBareTenantAsync();
        var hash = ApiKeyHash(tenant.ApiKey);

        var keys = await env.EntitiesAsync(TableNames.ApiKeys);
        var row = Assert.Single(keys, k => k.GetString("TenantId") == tenant.Id);
        Assert.Equal(hash, row.PartitionKey);
        foreach (var entity in keys)
        {
            Assert.NotEqual(tenant.ApiKey, entity.PartitionKey);
            Assert.NotEqual(tenant.ApiKey, entity.RowKey);
            foreach (var (name, value) in entity)
                Assert.False(value?.ToString()?.Contains(tenant.ApiKey, StringComparison.Ordinal) == true, $"apikeys.{name} holds the key");
        }

        // Nowhere else either.
        foreach (var (table, entity) in await env.AllEntitiesAsync())
            foreach (var (name, value) in entity)
                Assert.False(value?.ToString()?.Contains(tenant.ApiKey, StringComparison.Ordinal) == true, $"{table}.{name} holds the key");
    }

    [Fact]
    public async Task A_duplicate_id_is_409_and_leaves_the_first_tenant_and_its_only_key_intact()
    {
        var first = await env.CreateBareTenantAsync(id: Api.NewTenantId());

        var again = await env.AdminAsync(HttpMethod.Post, "api/tenants", new { id = first.Id, name = "Usurper", defaultRegion = "BR" });

        again.AssertProblem(HttpStatusCode.Conflict);
        Assert.Null(again.Json["apiKey"]);
        var profile = await first.Get($"api/tenants/{first.Id}");
        profile.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Bare tenant", profile.Json["name"]!.GetValue<string>());
        Assert.Equal("US", profile.Json["defaultRegion"]!.GetValue<string>());
        Assert.Single(await env.EntitiesAsync(TableNames.ApiKeys), k => k.GetString("TenantId") == first.Id);
    }

    [Theory]
    [InlineData("Bad/Id")]
    [InlineData("a#b")]
    [InlineData("a?b-c")]
    [InlineData("a\\bc")]
    [InlineData("abc\u0001")]
    [InlineData("UPPER")]
    [InlineData("ab")]
    [InlineData("-abc")]
    [InlineData("abc-")]
    [InlineData("a--bc")]
    [InlineData("ab c")]
    [InlineData("ünï")]
    [InlineData("")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task An_invalid_tenant_id_is_400_with_an_error_for_id_and_creates_nothing(string id)
    {
        var before = await TenantAndKeyCountAsync();

        var reply = await env.AdminAsync(HttpMethod.Post, "api/tenants", new { id, name = "Invalid id" });

        reply.AssertValidation("id");
        Assert.Null(reply.Json["apiKey"]);
        Assert.Equal(before, await TenantAndKeyCountAsync());
    }

    [Theory]
    [InlineData(null, "US", "name")]
    [InlineData("   ", "US", "name")]
    [InlineData("ok", "XX", "defaultRegion")]
    [InlineData("ok", "us", "defaultRegion")]
    [InlineData("ok", "", "defaultRegion")]
    public async Task A_missing_name_or_unknown_region_is_400_with_per_field_errors(string? name, string region, string field)
    {
        var before = await TenantAndKeyCountAsync();

        var reply = await env.AdminAsync(HttpMethod.Post, "api/tenants", new { name, defaultRegion = region });

        reply.AssertValidation(field);
        Assert.Equal(before, await TenantAndKeyCountAsync());
    }

    [Fact]
    public async Task A_name_over_200_characters_is_400()
    {
        var reply = await env.AdminAsync(HttpMethod.Post, "api/tenants", new { id = Api.NewTenantId(), name = new string('n', 201) });

        reply.AssertValidation("name");
    }

    [Fact]
    public async Task A_tenant_key_cannot_see_or_change_another_tenant_404()
    {
        var tenant = await env.CreateTenantAsync();
        var other = await env.CreateTenantAsync();

        (await tenant.Get($"api/tenants/{other.Id}")).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Get($"api/tenants/{other.Id}/credentials")).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Get($"api/tenants/{other.Id}/connection")).AssertProblem(HttpStatusCode.NotFound);
        var hijack = new
        {
            wabaId = "1234567890",
            phoneNumberId = "9876543210",
            accessToken = "EAAGhijack" + Guid.NewGuid().ToString("N"),
            appSecret = "hijack" + Guid.NewGuid().ToString("N"),
            webhookVerifyToken = "hijack-" + Guid.NewGuid().ToString("N"),
        };
        (await tenant.Put($"api/tenants/{other.Id}/credentials", hijack)).AssertProblem(HttpStatusCode.NotFound);

        // The other tenant is untouched: nothing went to the vault and its profile keeps its own ids.
        Assert.False(env.KeyVault.Holds(hijack.accessToken));
        Assert.False(env.KeyVault.Holds(hijack.appSecret));
        Assert.False(env.KeyVault.Holds(hijack.webhookVerifyToken));
        var profile = await other.Get($"api/tenants/{other.Id}");
        Assert.Equal(other.PhoneNumberId, profile.Json["phoneNumberId"]!.GetValue<string>());
        Assert.Equal(other.WabaId, profile.Json["wabaId"]!.GetValue<string>());
        Assert.True((await other.Get($"api/tenants/{other.Id}/connection")).Json["healthy"]!.GetValue<bool>());

        // The admin reaches both; an unknown id is 404 for everyone.
        (await env.AdminAsync(HttpMethod.Get, $"api/tenants/{other.Id}")).AssertStatus(HttpStatusCode.OK);
        var unknown = Api.NewTenantId();
        (await env.AdminAsync(HttpMethod.Get, $"api/tenants/{unknown}")).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Get($"api/tenants/{unknown}")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("Bad%2FId")]
    [InlineData("a%23b")]
    [InlineData("a%3Fbc")]
    [InlineData("abc%01")]
    [InlineData("UPPER")]
    public async Task A_tenant_id_in_the_path_with_forbidden_characters_is_400(string escapedId)
    {
        var tenant = await env.CreateBareTenantAsync();

        (await tenant.Get($"api/tenants/{escapedId}")).AssertValidation("tenantId");
        (await env.AdminAsync(HttpMethod.Get, $"api/tenants/{escapedId}")).AssertValidation("tenantId");
        (await env.AdminAsync(HttpMethod.Get, $"api/tenants/{escapedId}/connection")).AssertValidation("tenantId");
        (await env.AdminAsync(HttpMethod.Put, $"api/tenants/{escapedId}/credentials", new
        {
            wabaId = "1234567890",
            phoneNumberId = "9876543210",
            accessToken = "EAAGtoken",
            appSecret = "secret",
            webhookVerifyToken = "verify",
        })).AssertValidation("tenantId");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("99999999999")]
    public async Task Listing_tenants_with_a_bad_page_size_is_400(string pageSize)
    {
        var reply = await env.AdminAsync(HttpMethod.Get, $"api/tenants?pageSize={pageSize}");

        reply.AssertProblem(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a b c")]
    [InlineData("%25%25%25")]
    [InlineData("1!8!dGVuYW50cw-- 1!8!cHJvZmlsZQ--")]
    [InlineData("%00")]
    public async Task Listing_tenants_with_a_garbage_continuation_token_is_400(string token)
    {
        var reply = await env.AdminAsync(HttpMethod.Get, $"api/tenants?continuationToken={token}");

        reply.AssertValidation("continuationToken");
    }

    // The local demo tenant (when local.settings.json enables it) may be seeded while a test runs.
    private async Task<(int Tenants, int Keys)> TenantAndKeyCountAsync() =>
        ((await env.EntitiesAsync(TableNames.Tenants)).Count(t => t.PartitionKey != "demo"),
            (await env.EntitiesAsync(TableNames.ApiKeys)).Count(k => k.GetString("TenantId") != "demo"));

    private static string ApiKeyHash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
