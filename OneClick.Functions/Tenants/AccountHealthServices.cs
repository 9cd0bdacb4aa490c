using OneClick.Core.Health;
using OneClick.Core.Sending;
using OneClick.Core.Webhooks;

namespace OneClick.Functions.Tenants;

/// <summary>Account and number health (issue 13, item 5): Meta's account webhooks, the send hold and campaign holds.</summary>
public static class AccountHealthServices
{
    public static void AddAccountHealth(this IServiceCollection services)
    {
        services.AddSingleton<CampaignHolds>();
        services.AddSingleton<IWebhookChangeHandler, AccountHealthWebhookHandler>();
        services.AddSingleton<ISendGuard, AccountHealthSendGuard>();
    }
}
