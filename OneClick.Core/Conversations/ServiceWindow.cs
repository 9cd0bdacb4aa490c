using Microsoft.Extensions.Configuration;
using OneClick.Core.Configuration;
using OneClick.Core.Contacts;
using OneClick.Core.Messages;
using OneClick.Core.Sending;
using OneClick.Core.Storage;

namespace OneClick.Core.Conversations;

/// <summary>
/// Meta's 24-hour customer-service window (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages): it opens, or restarts, with each message the customer
/// sends; outside it only templates may be sent (Meta answers a free-form message with 131047).
/// </summary>
public static class ServiceWindow
{
    public static readonly TimeSpan Length = TimeSpan.FromHours(24);

    public static DateTimeOffset? ClosesAt(ContactEntity contact) => contact?.LastInboundAt + Length;

    public static bool IsOpen(ContactEntity contact, DateTimeOffset now) => ClosesAt(contact) is { } closes && closes > now;

    /// <summary>Moves the contact's LastInboundAt forward to <paramref name="at"/>; an older (late, duplicate) message changes nothing.</summary>
    /// <returns>The contact as last read or written (null when it does not exist).</returns>
    public static Task<ContactEntity?> ExtendAsync(StorageAccount storage, string tenantId, string contactId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return storage.Table(TableNames.Contacts).UpdateWithRetryAsync<ContactEntity>(tenantId, ContactEntity.RowKeyFor(contactId), c =>
        {
            if (c.LastInboundAt is { } last && last >= at)
                return false;
            c.LastInboundAt = at;
            return true;
        }, cancellationToken);
    }
}

/// <summary>
/// Skips a free-form (non-template) message to an individual whose window is closed, with reason "outside_window",
/// instead of letting Meta fail it with 131047. Off with OneClick__Conversations__EnforceServiceWindow=false
/// (the sandbox does not enforce the window, so local demos may turn it off).
/// </summary>
public sealed class ServiceWindowGuard(ContactStore contacts, IConfiguration configuration, TimeProvider clock) : ISendGuard
{
    public const string Reason = "outside_window";

    private bool Enforced => configuration.GetValue(SettingNames.ConfigKey(SettingNames.EnforceServiceWindow), true);

    public async Task<SkipReason?> SkipReasonAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Enforced || message.Type == "template" || message.RecipientType != "individual" || string.IsNullOrEmpty(message.ContactId))
            return null;
        var contact = await contacts.GetAsync(message.TenantId, message.ContactId, cancellationToken).ConfigureAwait(false);
        if (contact is null || ServiceWindow.IsOpen(contact, clock.GetUtcNow()))
            return null;
        return new SkipReason(Reason, contact.LastInboundAt is { } last
            ? $"The customer last wrote at {last:O}; the 24-hour window closed at {last + ServiceWindow.Length:O}. Send a template instead."
            : "The customer has never written: only a template can open the conversation.");
    }
}
