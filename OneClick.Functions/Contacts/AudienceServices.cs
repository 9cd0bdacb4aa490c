using OneClick.Core.ContactImports;
using OneClick.Core.Contacts;
using OneClick.Core.Sending;
using OneClick.Core.Webhooks;

namespace OneClick.Functions.Contacts;

/// <summary>The audience feature's services: contacts, lists, imports and consent (webhooks and the send guard).</summary>
public static class AudienceServices
{
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<ContactSearch>();
        services.AddSingleton<PersonalDataSweep>();
        services.AddSingleton<ContactEraser>();
        services.AddSingleton<ContactBulkWriter>();
        services.AddSingleton<ContactImportService>();
        services.AddSingleton<ISendGuard, ConsentSendGuard>();
        services.AddSingleton<IMessageFailureObserver, OptOutOnStoppedMarketing>();
        services.AddSingleton<IWebhookChangeHandler, ConsentWebhookHandler>();
    }
}
