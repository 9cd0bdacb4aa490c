using System.Text.Json.Nodes;
using OneClick.Core.Contacts;

namespace OneClick.Core.Messages;

/// <summary>
/// How a person is addressed in Meta's send payload. Meta recommends the phone number when it is known ("to"); a
/// person known only by a business-scoped user id is addressed with "recipient" (a BSUID or parent BSUID). If both
/// were given "to" would win, so exactly one is written. Some messages (e.g. one-tap, zero-tap and copy-code
/// authentication templates) cannot go to a BSUID: Meta answers 131062.
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
/// </summary>
public static class MetaRecipient
{
    /// <summary>Meta's "BSUID recipients are not supported for this message".</summary>
    public const int NotSupportedForUserIdCode = 131062;

    /// <summary>The phone number (E.164) when the contact has one, else its BSUID, else its parent BSUID.</summary>
    public static string AddressOf(ContactEntity contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        return contact.PhoneNumber.Length > 0 ? contact.PhoneNumber : contact.UserId ?? contact.ParentUserId ?? "";
    }

    /// <summary>True for an address that is a BSUID (written as "recipient"), false for a phone number or a group id.</summary>
    public static bool IsUserId(string? address) => UserIds.IsAny(address);

    /// <summary>Sets "to" or "recipient" on a payload for an individual.</summary>
    public static JsonObject Address(JsonObject payload, string address)
    {
        ArgumentNullException.ThrowIfNull(payload);
        payload[IsUserId(address) ? "recipient" : "to"] = address;
        return payload;
    }
}
