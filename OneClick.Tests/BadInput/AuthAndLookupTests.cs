using System.Net;
using System.Net.Http.Json;
using System.Text;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.BadInput;

/// <summary>Wrong or missing keys (401/403), unknown and foreign resources (404), malformed ids and paging (400).</summary>
[Collection(SharedEnvironment.Name)]
public sealed class AuthAndLookupTests(OneClickEnvironment env)
{
    public static TheoryData<string, string> Endpoints => new()
    {
        { "GET", "api/messages" },
        { "POST", "api/messages" },
        { "GET", "api/messages/m0123456789abcdef0123456789abcdef" },
        { "POST", "api/contacts" },
        { "GET", "api/contacts/c0123456789abcdef01234567" },
        { "GET", "api/tenants" },
        { "POST", "api/tenants" },
        { "GET", "api/tenants/t-some-tenant" },
        { "PUT", "api/tenants/t-some-tenant/credentials" },
        { "GET", "api/tenants/t-some-tenant/connection" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_missing_key_is_401_problem_with_a_bearer_challenge(string method, string path)
    {
        var reply = await Api.SendAsync(env, new HttpMethod(method), path, apiKey: null, Body(method));

        reply.AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Contains(reply.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_wrong_key_is_401_problem(string method, string path)
    {
        var reply = await Api.SendAsync(env, new HttpMethod(method), path, "ock_" + Guid.NewGuid().ToString("N"), Body(method));

        reply.AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Contains(reply.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("Bearer", "")]
    [InlineData("Bearer", "   ")]
    [InlineData("Bearer", "two words")]
    [InlineData("Basic", "dGVzdDp0ZXN0")]
    [InlineData("Token", "test-admin-key-0123456789")]
    [InlineData("Bearer", "test-admin-key-012345678")]
    public async Task A_malformed_authorization_header_is_401_problem(string scheme, string value)
    {
        var reply = await Api.SendAsync(env, HttpMethod.Get, "api/messages", value, scheme: scheme);

        reply.AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_overlong_or_odd_key_is_401_problem()
    {
        var longKey = await Api.SendAsync(env, HttpMethod.Get, "api/messages", "ock_" + new string('k', 300));
        var hugeKey = await Api.SendAsync(env, HttpMethod.Get, "api/messages", new string('k', 16_000));
        var controlKey = await Api.SendAsync(env, HttpMethod.Get, "api/messages", "ock_\u0001abc");

        longKey.AssertProblem(HttpStatusCode.Unauthorized);
        controlKey.AssertProblem(HttpStatusCode.Unauthorized);
        Assert.True((int)hugeKey.Status is 401 or 431, hugeKey.ToString());
    }

    [Fact]
    public async Task A_tenants_key_with_different_case_is_not_that_tenants_key()
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await Api.SendAsync(env, HttpMethod.Get, "api/messages", tenant.ApiKey.ToUpperInvariant());

        reply.AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_admin_key_is_no_tenant_key_403_on_tenant_endpoints()
    {
        var tenant = await env.CreateBareTenantAsync();

        var send = await env.AdminAsync(HttpMethod.Post, "api/messages", new { to = "+14155550150", type = "text", text = new { body = "x" } });
        var list = await env.AdminAsync(HttpMethod.Get, "api/messages");

        send.AssertProblem(HttpStatusCode.Forbidden);
        list.AssertProblem(HttpStatusCode.Forbidden);
        await tenant.AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task An_unknown_message_is_404_problem()
    {
        var tenant = await env.CreateBareTenantAsync();

        var lower = await tenant.Get($"api/messages/{Api.NewMessageId()}");
        var upper = await tenant.Get($"api/messages/m{Guid.NewGuid().ToString("N").ToUpperInvariant()}");

        lower.AssertProblem(HttpStatusCode.NotFound);
        upper.AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_tenants_message_is_404_and_reveals_nothing()
    {
        var owner = await env.CreateTenantAsync();
        var stranger = await env.CreateBareTenantAsync();
        var id = await owner.SendMessageAsync(new { to = "+14155550151", type = "text", text = new { body = "Private" }, scheduleFor = DateTimeOffset.UtcNow.AddDays(1).ToString("O") });

        var reply = await stranger.Get($"api/messages/{id}");

        reply.AssertProblem(HttpStatusCode.NotFound);
        Assert.DoesNotContain("Private", reply.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("+14155550151", reply.Body, StringComparison.Ordinal);
        Assert.Empty((await stranger.Get("api/messages")).Json["items"]!.AsArray());
        (await owner.Get($"api/messages/{id}")).AssertStatus(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("m%2F0123456789abcdef0123456789abcde")]
    [InlineData("m%230123456789abcdef0123456789abcde")]
    [InlineData("m%3F0123456789abcdef0123456789abcde")]
    [InlineData("m%010123456789abcdef0123456789abcde")]
    [InlineData("m0123456789abcdef0123456789abcdez")]
    [InlineData("m0123456789abcdef0123456789abcde")]
    [InlineData("m0123456789abcdef0123456789abcdef0")]
    [InlineData("x0123456789abcdef0123456789abcdef")]
    [InlineData("not-a-message")]
    [InlineData("m%C3%A9123456789abcdef0123456789abcd")]
    public async Task A_malformed_message_id_is_400_validation_problem(string escapedId)
    {
        var tenant = await env.CreateBareTenantAsync();

        (await tenant.Get($"api/messages/{escapedId}")).AssertValidation("messageId");
    }

    [Theory]
    [InlineData("messages/m%5C0123456789abcdef0123456789abcde")]
    [InlineData("contacts/c%5Cx")]
    [InlineData("tenants/a%5Cbc")]
    [InlineData("contacts/..%5C..%5CSendOutboundMessage")]
    [InlineData("messages/%2e%2e")]
    [InlineData("contacts/%252e%252e")]
    public async Task A_path_the_host_could_normalise_into_another_never_reaches_a_function(string escapedPath)
    {
        // A backslash or a dot segment could be rewritten into another path on the way (System.Uri does): the host refuses it.
        var tenant = await env.CreateBareTenantAsync();

        (await tenant.Get($"api/{escapedPath}")).AssertStatus(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("pageSize=0")]
    [InlineData("pageSize=1000")]
    [InlineData("pageSize=501")]
    [InlineData("pageSize=-1")]
    [InlineData("pageSize=abc")]
    [InlineData("pageSize=1.5")]
    [InlineData("pageSize=99999999999")]
    public async Task A_bad_page_size_is_400_problem(string query)
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Get($"api/messages?{query}");

        reply.AssertProblem(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a%20b%20c")]
    [InlineData("%20")]
    [InlineData("%25%25%25")]
    [InlineData("%00%01")]
    [InlineData("%27%20or%201%20eq%201")]
    [InlineData("%E2%98%83%20%E2%98%83")]
    public async Task A_garbage_continuation_token_is_400_not_500(string token)
    {
        var tenant = await env.CreateTenantAsync();
        await tenant.SendMessageAsync(new { to = "+14155550152", type = "text", text = new { body = "x" }, scheduleFor = DateTimeOffset.UtcNow.AddDays(1).ToString("O") });

        var reply = await tenant.Get($"api/messages?continuationToken={token}");

        reply.AssertValidation("continuationToken");
    }

    [Fact]
    public async Task An_overlong_continuation_token_is_400()
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Get($"api/messages?continuationToken={new string('a', 3000)}");

        reply.AssertValidation("continuationToken");
    }

    [Fact]
    public async Task A_continuation_token_cannot_reach_another_tenants_messages()
    {
        var owner = await env.CreateTenantAsync();
        var stranger = await env.CreateBareTenantAsync();
        for (var i = 0; i < 3; i++)
            await owner.SendMessageAsync(new { to = $"+1415555016{i}", type = "text", text = new { body = "Private" }, scheduleFor = DateTimeOffset.UtcNow.AddDays(1).ToString("O") });
        var page = await owner.Get("api/messages?pageSize=1");
        var token = page.Json["continuationToken"]!.GetValue<string>();

        var reply = await stranger.Get($"api/messages?pageSize=10&continuationToken={Uri.EscapeDataString(token)}");

        Assert.DoesNotContain("Private", reply.Body, StringComparison.Ordinal);
        if (reply.Status == HttpStatusCode.OK)
            Assert.Empty(reply.Json["items"]!.AsArray());
        else
            reply.AssertValidation("continuationToken");
    }

    [Fact]
    public async Task Unknown_routes_and_methods_are_404_as_the_functions_host_answers_them()
    {
        var tenant = await env.CreateBareTenantAsync();

        var unknown = await tenant.Get("api/nothing-here");
        var delete = await tenant.Send(HttpMethod.Delete, $"api/messages/{Api.NewMessageId()}", null);
        var patch = await tenant.Send(HttpMethod.Patch, "api/contacts", new StringContent("{}", Encoding.UTF8, "application/json"));

        unknown.AssertStatus(HttpStatusCode.NotFound);
        // The host routes by path and method together, so a method no function takes is an unknown route.
        Assert.Equal(HttpStatusCode.NotFound, delete.Status);
        Assert.Equal(HttpStatusCode.NotFound, patch.Status);
    }

    private static JsonContent? Body(string method) =>
        method is "POST" or "PUT" ? JsonContent.Create(new { to = "+14155550153", type = "text", text = new { body = "x" }, name = "x", phoneNumber = "+14155550153" }) : null;
}
