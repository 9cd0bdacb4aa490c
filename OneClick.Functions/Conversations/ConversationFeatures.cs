using OneClick.Core.Analytics;
using OneClick.Core.Automations;
using OneClick.Core.Conversations;
using OneClick.Core.Sending;
using OneClick.Core.Sessions;
using OneClick.Core.Webhooks;

namespace OneClick.Functions.Conversations;

/// <summary>Conversations, sessions, automations and analytics: registered from one line in OneClickApp.</summary>
public static class ConversationFeatures
{
    public static void AddConversationFeatures(this IServiceCollection services)
    {
        services.AddSingleton<AnalyticsEvents>();
        services.AddSingleton<OneClick.Core.Sending.IMessageFailureObserver, FailedSendEvents>();
        services.AddSingleton<ConversationStore>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<AutomationSecrets>();
        services.AddSingleton<AutomationStore>();
        services.AddSingleton<AutomationEngine>();
        services.AddSingleton<AutomationTriggers>();
        services.AddSingleton<AutomationActionRunner>();
        services.AddSingleton<SystemMessages>();
        services.AddSingleton<IWebhookChangeHandler, MessagesWebhookHandler>();
        services.AddSingleton<ISendGuard, ServiceWindowGuard>();
        services.AddTransient<MediaDownloader>();
        services.AddHttpClient(AutomationActionRunner.HttpClientName).ConfigurePrimaryHttpMessageHandler(sp =>
            OutboundWebhookHandler.Create(sp.GetRequiredService<IConfiguration>().GetValue<bool>(OutboundWebhookHandler.AllowInternalSetting)));
    }
}
