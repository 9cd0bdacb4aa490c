using System.Text.Json;

namespace OneClick.Core.Contacts;

/// <summary>
/// Reads who a webhook is about. A messages webhook names the sender in messages[] (from, from_user_id,
/// from_parent_user_id) and again in contacts[] (wa_id, user_id, parent_user_id, profile.name, profile.username);
/// either may lack the phone number for a user with a username.
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
/// </summary>
public static class WebhookIdentity
{
    /// <summary>The identity of a person from raw webhook ids; malformed ones are left out.</summary>
    public static ContactIdentity Of(string? phoneDigits, string? userId, string? parentUserId, string? username = null, string defaultRegion = "US") => new(
        string.IsNullOrEmpty(phoneDigits) ? null : E164.TryNormalize("+" + phoneDigits.TrimStart('+'), defaultRegion, out _),
        UserIds.IsUserId(userId) ? userId : null,
        UserIds.IsParentUserId(parentUserId) ? parentUserId : null,
        username is { Length: > 0 and <= 64 } ? username : null);

    /// <summary>The sender of an inbound message, completed from its contacts[] entry; and the profile name.</summary>
    public static (ContactIdentity Identity, string? ProfileName) Sender(JsonElement value, string? from, string? fromUserId, string? fromParentUserId)
    {
        var entry = ContactEntry(value, from, fromUserId);
        var profile = entry is { } e && e.TryGetProperty("profile", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var identity = Of(
            string.IsNullOrEmpty(from) ? Text(entry, "wa_id") : from,
            fromUserId ?? Text(entry, "user_id"),
            fromParentUserId ?? Text(entry, "parent_user_id"),
            Text(profile, "username"));
        return (identity, Text(profile, "name") is { Length: > 0 and <= 256 } name ? name : null);
    }

    /// <summary>The contacts[] entry for this sender (by wa_id or user_id), or the only entry there is.</summary>
    private static JsonElement? ContactEntry(JsonElement value, string? from, string? fromUserId)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("contacts", out var list) || list.ValueKind != JsonValueKind.Array)
            return null;
        JsonElement? only = list.GetArrayLength() == 1 ? list[0] : null;
        foreach (var c in list.EnumerateArray())
        {
            if ((!string.IsNullOrEmpty(from) && Text(c, "wa_id") == from) || (fromUserId is not null && Text(c, "user_id") == fromUserId))
                return c;
        }
        return only is { ValueKind: JsonValueKind.Object } o && (string.IsNullOrEmpty(from) || Text(o, "wa_id") is null) ? o : null;
    }

    public static string? Text(JsonElement? element, string property) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
