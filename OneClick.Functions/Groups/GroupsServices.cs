using OneClick.Core.Groups;
using OneClick.Core.Sending;
using OneClick.Core.Webhooks;

namespace OneClick.Functions.Groups;

public static class GroupsServices
{
    /// <summary>Everything the groups feature registers (one call from OneClickApp).</summary>
    public static void AddGroups(this IServiceCollection services)
    {
        services.AddSingleton<GroupStore>();
        services.AddSingleton<GroupEventApplier>();
        services.AddSingleton<GroupService>();
        services.AddSingleton<GroupMessaging>();
        services.AddTransient<GroupsGraphClient>();
        services.AddSingleton<IWebhookChangeHandler, GroupWebhookHandler>();
        services.AddSingleton<ISendGuard, GroupSendGuard>();
    }
}
