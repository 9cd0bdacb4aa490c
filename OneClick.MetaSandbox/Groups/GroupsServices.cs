namespace OneClick.MetaSandbox.Groups;

internal static class GroupsServices
{
    public static void AddGroups(IServiceCollection services)
    {
        services.AddSingleton<GroupRegistry>();
        services.AddSingleton<GroupWebhooks>();
        services.AddSingleton<GroupsGraphApi>();
        services.AddSingleton<GroupMessaging>();
    }
}
