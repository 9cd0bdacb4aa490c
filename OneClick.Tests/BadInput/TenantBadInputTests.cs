using System.Net;
using System.Text;
using OneClick.Core.Storage;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.BadInput;

/// <summary>POST /api/tenants and POST /api/contacts with unreadable or oversized bodies: 4xx problem, nothing created.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class TenantBadInputTests(OneClickEnvironment env)
{
    public static TheoryData<string> UnreadableTenantBodies => new()
    {
        """{"name":"Acme",""",
        """{"name":"Acme"}}""",
        """{'name':'Acme'}""",
        """{"name":5}""",
        """{"name":"Acme","id":42}""",
        """{"name":"Acme","defaultRegion":["US"]}""",
        """{"name":{"first":"Acme"}}""",
        "[]",
        "null",
        "",
        "Acme",
    };

    [Theory]
    [MemberData(nameof(UnreadableTenantBodies))]
    public async Task An_unreadable_tenant_body_is_400_problem_and_creates_nothing(string body)
    {
        var before = await CountAsync();

        var reply = await env.AdminRawAsync(HttpMethod.Post, "api/tenants", body);

        reply.AssertUnreadable();
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_tenant_body_over_1_MiB_is_413_problem_and_creates_nothing()
    {
        var before = await CountAsync();

        var reply = await env.AdminRawAsync(HttpMethod.Post, "api/tenants", $$$"""{"name":"{{{new string('n', 1024 * 1024 + 10)}}}"}""");

        reply.AssertProblem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_tenant_body_in_another_media_type_is_415_problem_and_creates_nothing()
    {
        var before = await CountAsync();

        var reply = await env.AdminRawAsync(HttpMethod.Post, "api/tenants", """{"name":"Acme"}""", "text/plain");

        reply.AssertProblem(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_contact_body_over_1_MiB_is_413_problem_and_stores_nothing()
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Post, "api/contacts", $$$"""{"phoneNumber":"+14155550170","name":"{{{new string('n', 1024 * 1024 + 10)}}}"}""");

        reply.AssertProblem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(await env.EntitiesAsync(TableNames.Contacts, tenant.Id));
    }

    [Fact]
    public async Task A_credentials_body_over_1_MiB_is_413_problem_and_stores_nothing()
    {
        var tenant = await env.CreateBareTenantAsync();
        var token = "EAAG" + new string('t', 1024 * 1024 + 10);

        var reply = await tenant.Raw(HttpMethod.Put, $"api/tenants/{tenant.Id}/credentials",
            $$$"""{"wabaId":"1","phoneNumberId":"2","accessToken":"{{{token}}}","appSecret":"s","webhookVerifyToken":"v"}""");

        reply.AssertProblem(HttpStatusCode.RequestEntityTooLarge);
        Assert.DoesNotContain(env.KeyVault.Secrets.Keys, n => n.Contains(tenant.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_contact_body_that_is_not_utf8_is_400_problem()
    {
        var tenant = await env.CreateBareTenantAsync();
        using var content = new ByteArrayContent([.. Encoding.UTF8.GetBytes("""{"phoneNumber":"+1415555017"""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}")]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var reply = await tenant.Send(HttpMethod.Post, "api/contacts", content);

        reply.AssertUnreadable();
        Assert.Empty(await env.EntitiesAsync(TableNames.Contacts, tenant.Id));
    }

    // The local demo tenant (when local.settings.json enables it) may be seeded while a test runs.
    private async Task<(int Tenants, int Keys)> CountAsync() =>
        ((await env.EntitiesAsync(TableNames.Tenants)).Count(t => t.PartitionKey != "demo"),
            (await env.EntitiesAsync(TableNames.ApiKeys)).Count(k => k.GetString("TenantId") != "demo"));
}
