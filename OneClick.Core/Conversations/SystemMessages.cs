using System.Text.Json;
using Microsoft.Extensions.Logging;
using OneClick.Core.Contacts;

namespace OneClick.Core.Conversations;

/// <summary>
/// WhatsApp's own notices in the messages webhook (type "system"): <c>user_changed_number</c> (the new number in
/// system.wa_id) and <c>user_changed_user_id</c> (the new BSUID in system.user_id). They are not something the customer
/// wrote: they move the contact to its new identity (history kept, no second contact) and are kept in the conversation
/// as a notice, but they open no service window, fire no automation and count as no inbound message.
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/system
/// </summary>
public sealed partial class SystemMessages(ContactStore contacts, ILogger<SystemMessages> logger)
{
    public const string Type = "system";
    public const string ChangedNumber = "user_changed_number";
    public const string ChangedUserId = "user_changed_user_id";

    /// <summary>Applies the notice to the contact the old identity names; returns that contact (null when unknown).</summary>
    public async Task<ContactEntity?> ApplyAsync(string tenantId, InboundMessage message, ContactIdentity oldIdentity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(oldIdentity);
        using var raw = JsonDocument.Parse(message.RawJson);
        var system = raw.RootElement.TryGetProperty("system", out var s) ? s : default;
        var kind = WebhookIdentity.Text(system, "type");
        var newIdentity = kind switch
        {
            ChangedNumber => WebhookIdentity.Of(WebhookIdentity.Text(system, "wa_id"), WebhookIdentity.Text(system, "user_id"), null),
            ChangedUserId => WebhookIdentity.Of(null, WebhookIdentity.Text(system, "user_id"), WebhookIdentity.Text(system, "parent_user_id")),
            _ => new ContactIdentity(),
        };
        var contact = oldIdentity.IsEmpty ? null : await contacts.FindAsync(tenantId, oldIdentity, cancellationToken).ConfigureAwait(false);
        if (contact is null || newIdentity.IsEmpty)
        {
            LogNothingToMove(logger, tenantId, kind ?? "(none)");
            return contact;
        }
        var moved = await contacts.ChangeIdentityAsync(contact, newIdentity, replace: true, cancellationToken).ConfigureAwait(false);
        LogMoved(logger, tenantId, moved.Id, kind!);
        return moved;
    }

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId}: contact {ContactId} moved to its new identity ({Kind})")]
    private static partial void LogMoved(ILogger logger, string tenantId, string contactId, string kind);

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId}: system message {Kind} names no known contact or no new identity; kept as a notice only")]
    private static partial void LogNothingToMove(ILogger logger, string tenantId, string kind);
}
