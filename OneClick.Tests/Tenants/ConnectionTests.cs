using System.Net;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Tenants;

/// <summary>GET /api/tenants/{id}/connection asks Meta (the sandbox) about the number and explains what is wrong.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class ConnectionTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_healthy_number_reports_what_meta_says_about_it()
    {
        var tenant = await env.CreateTenantAsync();

        var reply = await tenant.Get($"api/tenants/{tenant.Id}/connection");

        reply.AssertStatus(HttpStatusCode.OK);
        var report = reply.Json;
        Assert.True(report["healthy"]!.GetValue<bool>(), reply.ToString());
        Assert.Null(report["problem"]);
        Assert.Null(report["metaError"]);
        Assert.Equal("Test tenant", report["verifiedName"]!.GetValue<string>());
        Assert.Equal("GREEN", report["qualityRating"]!.GetValue<string>());
        Assert.Equal("TIER_2K", report["messagingLimit"]!.GetValue<string>());
        Assert.Equal("STANDARD", report["throughputLevel"]!.GetValue<string>());
        Assert.Equal(80, report["messagesPerSecond"]!.GetValue<int>());
        Assert.Equal("CONNECTED", report["status"]!.GetValue<string>());
        Assert.Equal("15550100002", report["displayPhoneNumber"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_report_follows_the_numbers_properties_and_the_throughput_is_kept_for_pacing()
    {
        var tenant = await env.CreateTenantAsync();
        await SandboxNumbers.RegisterAsync(env, tenant, new
        {
            verifiedName = "Acme Flowers",
            qualityRating = "YELLOW",
            throughputLevel = "HIGH",
            messagingLimitTier = "TIER_10K",
        });

        var reply = await tenant.Get($"api/tenants/{tenant.Id}/connection");

        var report = reply.Json;
        Assert.True(report["healthy"]!.GetValue<bool>(), reply.ToString());
        Assert.Equal("Acme Flowers", report["verifiedName"]!.GetValue<string>());
        Assert.Equal("YELLOW", report["qualityRating"]!.GetValue<string>());
        Assert.Equal("TIER_10K", report["messagingLimit"]!.GetValue<string>());
        Assert.Equal("HIGH", report["throughputLevel"]!.GetValue<string>());
        Assert.Equal(1000, report["messagesPerSecond"]!.GetValue<int>());
        Assert.Equal(1000, (await tenant.Get($"api/tenants/{tenant.Id}")).Json["messagesPerSecond"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_number_that_is_not_connected_is_unhealthy_with_its_status()
    {
        var tenant = await env.CreateTenantAsync();
        await SandboxNumbers.RegisterAsync(env, tenant, new { status = "FLAGGED" });

        var report = (await tenant.Get($"api/tenants/{tenant.Id}/connection")).Json;

        Assert.False(report["healthy"]!.GetValue<bool>());
        Assert.Contains("FLAGGED", report["problem"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_token_is_unhealthy_and_says_the_token_expired_with_metas_code_190()
    {
        var tenant = await env.CreateTenantAsync();
        await SandboxNumbers.RegisterAsync(env, tenant, new { tokenExpired = true });

        var reply = await tenant.Get($"api/tenants/{tenant.Id}/connection");

        reply.AssertStatus(HttpStatusCode.OK);
        var report = reply.Json;
        Assert.False(report["healthy"]!.GetValue<bool>(), reply.ToString());
        var problem = report["problem"]!.GetValue<string>();
        Assert.Contains("token", problem, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expired", problem, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(190, report["metaError"]!["code"]!.GetValue<int>());
        Assert.Equal(463, report["metaError"]!["subcode"]!.GetValue<int>());
        Assert.Null(report["verifiedName"]);
        Assert.DoesNotContain(tenant.AccessToken, reply.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_meta_does_not_accept_is_unhealthy_and_says_the_token_is_invalid()
    {
        var tenant = await env.CreateTenantAsync();
        await SandboxNumbers.RegisterAsync(env, tenant with { AccessToken = "EAAGother" + Guid.NewGuid().ToString("N") });

        var reply = await tenant.Get($"api/tenants/{tenant.Id}/connection");

        var report = reply.Json;
        Assert.False(report["healthy"]!.GetValue<bool>(), reply.ToString());
        Assert.Contains("token", report["problem"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expired", report["problem"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(190, report["metaError"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_phone_number_id_meta_does_not_know_is_unhealthy_and_says_so_with_code_100()
    {
        var tenant = await env.CreateTenantAsync();
        var unknownId = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var put = await tenant.Put($"api/tenants/{tenant.Id}/credentials", SandboxNumbers.CredentialsOf(tenant with { PhoneNumberId = unknownId }));
        put.AssertStatus(HttpStatusCode.OK);

        var reply = await tenant.Get($"api/tenants/{tenant.Id}/connection");

        reply.AssertStatus(HttpStatusCode.OK);
        var report = reply.Json;
        Assert.False(report["healthy"]!.GetValue<bool>(), reply.ToString());
        Assert.Contains("phone number id", report["problem"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(100, report["metaError"]!["code"]!.GetValue<int>());
        Assert.Equal(33, report["metaError"]!["subcode"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_tenant_without_credentials_is_told_to_store_them()
    {
        var tenant = await env.CreateBareTenantAsync();

        var reply = await tenant.Get($"api/tenants/{tenant.Id}/connection");

        reply.AssertStatus(HttpStatusCode.OK);
        Assert.False(reply.Json["healthy"]!.GetValue<bool>());
        Assert.Contains("credentials", reply.Json["problem"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_connection_check_needs_a_key()
    {
        var tenant = await env.CreateTenantAsync();

        var reply = await Api.SendAsync(env, HttpMethod.Get, $"api/tenants/{tenant.Id}/connection", apiKey: null);

        reply.AssertProblem(HttpStatusCode.Unauthorized);
    }
}
