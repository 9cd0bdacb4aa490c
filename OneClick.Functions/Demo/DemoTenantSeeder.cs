using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using OneClick.Core.Meta;
using OneClick.Core.Secrets;
using OneClick.Core.Tenants;

namespace OneClick.Functions.Demo;

/// <summary>The local demo tenant and the sandbox phone number it sends from (Development only).</summary>
public sealed class DemoOptions
{
    public const string Section = "OneClick:Demo";

    public bool Enabled { get; set; }
    public string TenantId { get; set; } = "demo";
    public string ApiKey { get; set; } = "";
    public string WabaId { get; set; } = "100000000000001";
    public string PhoneNumberId { get; set; } = "100000000000002";
    public string AccessToken { get; set; } = "demo-access-token";
    public string AppSecret { get; set; } = "demo-app-secret";
    public string WebhookVerifyToken { get; set; } = "demo-verify-token";
    public string WebhookBaseUrl { get; set; } = "http://127.0.0.1:7071";
}

/// <summary>
/// Makes sure the demo tenant exists with credentials, and that the Meta sandbox knows its phone number and
/// where to send webhooks. Idempotent: every start repeats it.
/// </summary>
public sealed partial class DemoTenantSeeder(
    IOptions<DemoOptions> demoOptions, IOptions<MetaOptions> metaOptions, TenantStore tenants, TenantSecrets secrets,
    IHttpClientFactory httpClientFactory, TimeProvider clock, ILogger<DemoTenantSeeder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var demo = demoOptions.Value;
        if (await tenants.GetAsync(demo.TenantId, stoppingToken) is null)
            await tenants.CreateAsync(demo.TenantId, "Demo Shop", "US", demo.ApiKey, stoppingToken);
        await secrets.SetAsync(demo.TenantId, new TenantSecretValues(demo.AccessToken, demo.AppSecret, demo.WebhookVerifyToken), stoppingToken);
        await tenants.UpdateAsync(demo.TenantId, t =>
        {
            t.WabaId = demo.WabaId;
            t.PhoneNumberId = demo.PhoneNumberId;
            t.CredentialsUpdatedAt ??= clock.GetUtcNow();
        }, stoppingToken);

        var registration = new
        {
            phoneNumberId = demo.PhoneNumberId,
            wabaId = demo.WabaId,
            accessToken = demo.AccessToken,
            appSecret = demo.AppSecret,
            webhookUrl = $"{demo.WebhookBaseUrl.TrimEnd('/')}/api/webhooks/meta/{demo.TenantId}",
            displayPhoneNumber = "15550100001",
            verifiedName = "Demo Shop",
        };
        var sandbox = new Uri(metaOptions.Value.GraphBaseUrl, "_sandbox/phone-numbers");
        // The sandbox may still be starting: try for a while.
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var client = httpClientFactory.CreateClient();
                using var response = await client.PostAsJsonAsync(sandbox, registration, stoppingToken);
                response.EnsureSuccessStatusCode();
                // Statuses a person can watch one by one (the sandbox's default is a few hundred milliseconds).
                using var behaviour = await client.PutAsJsonAsync(new Uri(sandbox + $"/{demo.PhoneNumberId}/behaviour"),
                    new { webhookDelaysMs = new { sent = 1000, delivered = 3000, read = 6000 } }, stoppingToken);
                behaviour.EnsureSuccessStatusCode();
                LogReady(logger, demo.TenantId, demo.PhoneNumberId);
                return;
            }
            catch (HttpRequestException e) when (attempt < 60)
            {
                LogWaiting(logger, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Demo tenant '{TenantId}' is ready, sending from sandbox number {PhoneNumberId}")]
    private static partial void LogReady(ILogger logger, string tenantId, string phoneNumberId);

    [LoggerMessage(LogLevel.Information, "Waiting for the Meta sandbox: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);
}
