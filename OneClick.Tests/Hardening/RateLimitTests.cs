using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hardening;

/// <summary>Low limits, so a test can go over them in a few calls (the shared environment's are out of reach).</summary>
public sealed class RateLimitEnvironment : OneClickEnvironment
{
    public const int TenantPerMinute = 5;
    public const int WebhookIpPerMinute = 3;

    protected override void AddSettings(IDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["OneClick__RateLimits__TenantPerMinute"] = TenantPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["OneClick__RateLimits__IpPerMinute"] = "1000";
        settings["OneClick__RateLimits__WebhookIpPerMinute"] = WebhookIpPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Issue 15, item 3: every caller's work is bounded; going over answers 429 with Retry-After and problem details.</summary>
public sealed class RateLimitTests(RateLimitEnvironment env) : IClassFixture<RateLimitEnvironment>
{
    [Fact]
    public async Task A_tenant_over_its_limit_gets_429_with_Retry_After_and_another_tenant_does_not()
    {
        var busy = await env.CreateTenantAsync("busy");
        var quiet = await env.CreateTenantAsync("quiet");

        HttpResponseMessage? refused = null;
        // A minute's window may turn over during the loop; three windows' worth of calls still go over in one of them.
        for (var i = 0; i < RateLimitEnvironment.TenantPerMinute * 3 && refused is null; i++)
        {
            var response = await busy.GetAsync("api/contacts");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                refused = response;
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            var retryAfter = refused.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
            Assert.Equal(429, problem["status"]!.GetValue<int>());
            Assert.Equal("urn:oneclick:problem:rate-limited", problem["type"]!.GetValue<string>());
        }

        using var other = await quiet.GetAsync("api/contacts");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        using var health = await env.Http.GetAsync(new Uri(env.AppUrl, "api/health"));
        Assert.NotEqual(HttpStatusCode.TooManyRequests, health.StatusCode);
    }

    [Fact]
    public async Task Webhook_posts_beyond_the_address_limit_get_429_before_any_work()
    {
        var tenantId = "t" + Guid.NewGuid().ToString("N")[..20];
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < RateLimitEnvironment.WebhookIpPerMinute * 3; i++)
        {
            using var content = new StringContent("""{"object":"whatsapp_business_account","entry":[]}""");
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await env.Http.PostAsync(new Uri(env.AppUrl, $"api/webhooks/meta/{tenantId}"), content);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.TooManyRequests || (int)s is >= 400 and < 500, $"{s}"));
        // The tenant's API is limited separately from the webhook path.
        var tenant = await env.CreateTenantAsync();
        using var api = await tenant.GetAsync("api/contacts");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    [Fact]
    public async Task The_client_address_is_the_one_the_nearest_proxy_saw_not_one_the_caller_wrote()
    {
        // A caller writing its own X-Forwarded-For entries must not get a fresh budget with each made-up address.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < RateLimitEnvironment.WebhookIpPerMinute * 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(env.AppUrl, "api/webhooks/meta/tnobody?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1"));
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", $"203.0.113.{i}");
            using var response = await env.Http.SendAsync(request);
            statuses.Add(response.StatusCode);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }
}
