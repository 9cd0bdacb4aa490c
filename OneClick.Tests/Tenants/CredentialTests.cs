using System.Net;
using System.Net.Http.Json;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Tenants;

/// <summary>Meta credentials: secrets to Key Vault only, ids to the table, never back out through the API or into logs.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class CredentialTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Secrets_go_to_the_vault_and_ids_to_the_tenants_table_and_no_table_holds_a_secret()
    {
        var tenant = await env.CreateTenantAsync();

        Assert.True(env.KeyVault.Holds(tenant.AccessToken));
        Assert.True(env.KeyVault.Holds(tenant.AppSecret));
        Assert.True(env.KeyVault.Holds(tenant.VerifyToken));
        Assert.Contains(env.KeyVault.Secrets.Keys, name => name.Contains(tenant.Id, StringComparison.Ordinal));

        var row = Assert.Single(await env.EntitiesAsync(TableNames.Tenants, tenant.Id));
        Assert.Equal(tenant.WabaId, row.GetString("WabaId"));
        Assert.Equal(tenant.PhoneNumberId, row.GetString("PhoneNumberId"));
        Assert.NotNull(row.GetDateTimeOffset("CredentialsUpdatedAt"));

        var secrets = new[] { tenant.AccessToken, tenant.AppSecret, tenant.VerifyToken };
        var all = await env.AllEntitiesAsync();
        Assert.Contains(all, e => e.Table == TableNames.Tenants);
        foreach (var (table, entity) in all)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, entity.PartitionKey, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, entity.RowKey, StringComparison.Ordinal);
                foreach (var (name, value) in entity)
                    Assert.False(value?.ToString()?.Contains(secret, StringComparison.Ordinal) == true, $"{table}/{entity.PartitionKey}/{entity.RowKey}.{name} holds a secret");
            }
        }
    }

    [Fact]
    public async Task Put_and_get_never_return_secrets_and_rotated_secrets_take_effect()
    {
        var tenant = await env.CreateTenantAsync();
        var rotated = tenant with
        {
            AccessToken = "EAAGrotated" + Guid.NewGuid().ToString("N"),
            AppSecret = "rotated" + Guid.NewGuid().ToString("N"),
            VerifyToken = "rotated-verify-" + Guid.NewGuid().ToString("N"),
        };
        // Meta issues the new token first, then the tenant stores it.
        await SandboxNumbers.RegisterAsync(env, rotated);

        var put = await tenant.Put($"api/tenants/{tenant.Id}/credentials", SandboxNumbers.CredentialsOf(rotated));
        var get = await tenant.Get($"api/tenants/{tenant.Id}");
        var getCredentials = await tenant.Get($"api/tenants/{tenant.Id}/credentials");
        var adminGet = await env.AdminAsync(HttpMethod.Get, $"api/tenants/{tenant.Id}");
        var connection = await tenant.Get($"api/tenants/{tenant.Id}/connection");

        put.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(tenant.PhoneNumberId, put.Json["phoneNumberId"]!.GetValue<string>());
        Assert.Equal(tenant.WabaId, put.Json["wabaId"]!.GetValue<string>());
        getCredentials.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(tenant.PhoneNumberId, getCredentials.Json["phoneNumberId"]!.GetValue<string>());
        foreach (var reply in new[] { put, get, getCredentials, adminGet, connection })
        {
            foreach (var secret in new[] { tenant.AccessToken, tenant.AppSecret, tenant.VerifyToken, rotated.AccessToken, rotated.AppSecret, rotated.VerifyToken })
                Assert.DoesNotContain(secret, reply.Body, StringComparison.Ordinal);
            Assert.Null(reply.Json["accessToken"]);
            Assert.Null(reply.Json["appSecret"]);
            Assert.Null(reply.Json["webhookVerifyToken"]);
        }
        Assert.True(env.KeyVault.Holds(rotated.AccessToken));
        // The connection check used the new token (the sandbox no longer accepts the old one).
        Assert.True(connection.Json["healthy"]!.GetValue<bool>(), connection.ToString());
    }

    [Fact]
    public async Task After_a_full_send_and_webhook_round_trip_the_logs_hold_no_secret()
    {
        var tenant = await env.CreateTenantAsync();
        var before = env.Logs.Lines.Count;

        // Meta's webhook verification handshake carries the verify token in the query string.
        var challenge = Guid.NewGuid().ToString("N");
        var handshake = await Api.SendAsync(env, HttpMethod.Get,
            $"api/webhooks/meta/{tenant.Id}?hub.mode=subscribe&hub.verify_token={Uri.EscapeDataString(tenant.VerifyToken)}&hub.challenge={challenge}", apiKey: null);
        handshake.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(challenge, handshake.Body);
        var wrong = await Api.SendAsync(env, HttpMethod.Get,
            $"api/webhooks/meta/{tenant.Id}?hub.mode=subscribe&hub.verify_token=wrong-{Guid.NewGuid():N}&hub.challenge={challenge}", apiKey: null);
        wrong.AssertProblem(HttpStatusCode.Forbidden);

        var id = await tenant.SendMessageAsync(new { to = "+14155550180", type = "text", text = new { body = "Secrets stay secret" } });
        await tenant.WaitForStatusAsync(id, "read");
        (await tenant.Get($"api/tenants/{tenant.Id}/connection")).AssertStatus(HttpStatusCode.OK);
        // A failed auth with a wrong key and a failed connection (expired token) log too.
        await Api.SendAsync(env, HttpMethod.Get, "api/messages", "ock_wrong" + Guid.NewGuid().ToString("N"));
        await SandboxNumbers.RegisterAsync(env, tenant, new { tokenExpired = true });
        (await tenant.Get($"api/tenants/{tenant.Id}/connection")).AssertStatus(HttpStatusCode.OK);

        var lines = env.Logs.Lines.ToArray();
        Assert.True(lines.Length > before, "The app logged nothing during the round trip: the check below would prove nothing.");
        foreach (var (what, secret) in new[]
        {
            ("access token", tenant.AccessToken), ("app secret", tenant.AppSecret), ("verify token", tenant.VerifyToken),
            ("API key", tenant.ApiKey), ("admin key", OneClickEnvironment.AdminKey),
        })
        {
            var leak = lines.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"The {what} is in the log: {leak}");
        }
    }

    public static TheoryData<string, string> InvalidCredentials => new()
    {
        { """{"phoneNumberId":"123456789","accessToken":"EAAGx","appSecret":"s","webhookVerifyToken":"v"}""", "wabaId" },
        { """{"wabaId":"12a","phoneNumberId":"123456789","accessToken":"EAAGx","appSecret":"s","webhookVerifyToken":"v"}""", "wabaId" },
        { """{"wabaId":"123","phoneNumberId":"12/34","accessToken":"EAAGx","appSecret":"s","webhookVerifyToken":"v"}""", "phoneNumberId" },
        { """{"wabaId":"123","phoneNumberId":"","accessToken":"EAAGx","appSecret":"s","webhookVerifyToken":"v"}""", "phoneNumberId" },
        { """{"wabaId":"123","phoneNumberId":"123456789012345678901234567890123","accessToken":"EAAGx","appSecret":"s","webhookVerifyToken":"v"}""", "phoneNumberId" },
        { """{"wabaId":"123","phoneNumberId":"456","appSecret":"s","webhookVerifyToken":"v"}""", "accessToken" },
        { """{"wabaId":"123","phoneNumberId":"456","accessToken":"   ","appSecret":"s","webhookVerifyToken":"v"}""", "accessToken" },
        { """{"wabaId":"123","phoneNumberId":"456","accessToken":"EAAG with spaces","appSecret":"s","webhookVerifyToken":"v"}""", "accessToken" },
        { """{"wabaId":"123","phoneNumberId":"456","accessToken":"EAAGtökén","appSecret":"s","webhookVerifyToken":"v"}""", "accessToken" },
        { """{"wabaId":"123","phoneNumberId":"456","accessToken":"EAAG\u0007bell","appSecret":"s","webhookVerifyToken":"v"}""", "accessToken" },
        { """{"wabaId":"123","phoneNumberId":"456","accessToken":"EAAGx","webhookVerifyToken":"v"}""", "appSecret" },
        { """{"wabaId":"123","phoneNumberId":"456","accessToken":"EAAGx","appSecret":"s"}""", "webhookVerifyToken" },
        { "{}", "wabaId" },
    };

    [Theory]
    [MemberData(nameof(InvalidCredentials))]
    public async Task Missing_or_invalid_fields_are_400_per_field_and_nothing_is_written(string body, string field)
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Put, $"api/tenants/{tenant.Id}/credentials", body);

        reply.AssertValidation(field);
        await AssertNoCredentialsStoredAsync(tenant);
    }

    [Fact]
    public async Task Every_invalid_field_is_reported_at_once()
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Put, $"api/tenants/{tenant.Id}/credentials", """{"wabaId":"x","phoneNumberId":"y","accessToken":"","appSecret":" ","webhookVerifyToken":null}""");

        reply.AssertValidation("wabaId", "phoneNumberId", "accessToken", "appSecret", "webhookVerifyToken");
        await AssertNoCredentialsStoredAsync(tenant);
    }

    [Fact]
    public async Task A_secret_over_2048_characters_is_400_and_not_stored()
    {
        var tenant = await env.CreateBareTenantAsync();
        var huge = "EAAG" + new string('x', 2045);

        var reply = await tenant.Put($"api/tenants/{tenant.Id}/credentials", new { wabaId = "1", phoneNumberId = "2", accessToken = huge, appSecret = "s", webhookVerifyToken = "v" });

        reply.AssertValidation("accessToken");
        Assert.False(env.KeyVault.Holds(huge));
        await AssertNoCredentialsStoredAsync(tenant);
    }

    [Theory]
    [InlineData("""{"wabaId":123,"phoneNumberId":"456","accessToken":"EAAGx","appSecret":"s","webhookVerifyToken":"v"}""")]
    [InlineData("""{"wabaId":"123","phoneNumberId":"456","accessToken":["EAAGx"],"appSecret":"s","webhookVerifyToken":"v"}""")]
    [InlineData("""{"wabaId":"123","phoneNumberId":"456",""")]
    [InlineData("""[]""")]
    [InlineData("""null""")]
    [InlineData("")]
    public async Task Unreadable_credentials_are_400_problem_and_nothing_is_written(string body)
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Raw(HttpMethod.Put, $"api/tenants/{tenant.Id}/credentials", body);

        reply.AssertUnreadable();
        await AssertNoCredentialsStoredAsync(tenant);
    }

    [Fact]
    public async Task A_refused_update_keeps_the_credentials_already_stored()
    {
        var tenant = await env.CreateTenantAsync();
        var newToken = "EAAGnever" + Guid.NewGuid().ToString("N");

        var reply = await tenant.Put($"api/tenants/{tenant.Id}/credentials", new { wabaId = "not-digits", phoneNumberId = "42", accessToken = newToken, appSecret = "s", webhookVerifyToken = "v" });

        reply.AssertValidation("wabaId");
        Assert.False(env.KeyVault.Holds(newToken));
        var profile = await tenant.Get($"api/tenants/{tenant.Id}");
        Assert.Equal(tenant.PhoneNumberId, profile.Json["phoneNumberId"]!.GetValue<string>());
        Assert.True((await tenant.Get($"api/tenants/{tenant.Id}/connection")).Json["healthy"]!.GetValue<bool>());
    }

    private async Task AssertNoCredentialsStoredAsync(TestTenant tenant)
    {
        var names = env.KeyVault.Secrets.Keys.Where(n => n.Contains(tenant.Id, StringComparison.Ordinal)).ToList();
        Assert.True(names.Count == 0, $"Secrets were stored: {string.Join(", ", names)}");
        var row = Assert.Single(await env.EntitiesAsync(TableNames.Tenants, tenant.Id));
        Assert.Null(row.GetString("WabaId"));
        Assert.Null(row.GetString("PhoneNumberId"));
        Assert.Null(row.GetDateTimeOffset("CredentialsUpdatedAt"));
        var profile = await tenant.Get($"api/tenants/{tenant.Id}");
        Assert.Null(profile.Json["phoneNumberId"]?.GetValue<string>());
    }
}

/// <summary>The Meta sandbox's control API, for (re-)registering a tenant's number with other properties.</summary>
internal static class SandboxNumbers
{
    public static object CredentialsOf(TestTenant tenant) => new
    {
        wabaId = tenant.WabaId,
        phoneNumberId = tenant.PhoneNumberId,
        accessToken = tenant.AccessToken,
        appSecret = tenant.AppSecret,
        webhookVerifyToken = tenant.VerifyToken,
    };

    /// <summary>Registers (or replaces) the tenant's number in the sandbox; <paramref name="overrides"/> adds or replaces fields.</summary>
    public static async Task RegisterAsync(OneClickEnvironment env, TestTenant tenant, object? overrides = null)
    {
        var body = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(new
        {
            phoneNumberId = tenant.PhoneNumberId,
            wabaId = tenant.WabaId,
            accessToken = tenant.AccessToken,
            appSecret = tenant.AppSecret,
            webhookUrl = new Uri(env.AppUrl, $"api/webhooks/meta/{tenant.Id}").ToString(),
            displayPhoneNumber = "15550100002",
            verifiedName = "Test tenant",
        }))!.AsObject();
        if (overrides is not null)
            foreach (var (name, value) in System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(overrides))!.AsObject())
                body[name] = value?.DeepClone();
        using var response = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, "_sandbox/phone-numbers"), body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
