using System.Text.Json;
using static OneClick.MetaSandbox.Messages.PayloadChecker;

namespace OneClick.MetaSandbox.Messages;

/// <summary>Checks for the simple message types (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages). Interactive and template have their own classes.</summary>
internal static class ContentValidators
{
    public const int MaxTextBody = 4096;
    public const int MaxCaption = 1024;

    private static readonly string[] PinOperations = ["pin", "unpin"];

    public static void Text(JsonElement text, PayloadChecker check)
    {
        check.String(text, "body", "text['body']", maxLength: MaxTextBody);
        check.Boolean(text, "preview_url", "text['preview_url']");
    }

    /// <summary>image, video, audio, document, sticker: exactly one of id or link; captions only where WhatsApp shows them.</summary>
    public static void Media(string type, JsonElement media, PayloadChecker check)
    {
        var hasId = Has(media, "id");
        var hasLink = Has(media, "link");
        if (hasId && hasLink)
        {
            check.Invalid($"Param {type} must contain exactly one of {type}['id'] or {type}['link'], not both.");
            return;
        }

        if (!hasId && !hasLink)
        {
            check.Missing($"{type}['id'] or {type}['link']");
            return;
        }

        if (hasId)
        {
            // Media ids are not checked against uploads yet; the media feature will plug in here.
            check.String(media, "id", Path(type, "id"));
        }
        else
        {
            check.Url(media, "link", Path(type, "link"));
        }

        if (Has(media, "caption"))
        {
            if (type is "audio" or "sticker")
            {
                check.Invalid($"Param {type}['caption'] is not supported for {type} messages.");
                return;
            }

            check.String(media, "caption", Path(type, "caption"), required: false, maxLength: MaxCaption);
        }

        if (type == "document")
        {
            check.String(media, "filename", "document['filename']", required: false, maxLength: 240);
        }
    }

    public static void Location(JsonElement location, PayloadChecker check)
    {
        var latitude = check.Number(location, "latitude", "location['latitude']");
        var longitude = check.Number(location, "longitude", "location['longitude']");
        if (latitude is < -90 or > 90)
        {
            check.BadValue("Param location['latitude'] must be between -90 and 90.");
        }

        if (longitude is < -180 or > 180)
        {
            check.BadValue("Param location['longitude'] must be between -180 and 180.");
        }

        check.String(location, "name", "location['name']", required: false, maxLength: 1000);
        check.String(location, "address", "location['address']", required: false, maxLength: 1000);
    }

    /// <summary>The "contacts" payload is an array, not an object.</summary>
    public static void Contacts(JsonElement contacts, PayloadChecker check)
    {
        if (contacts.GetArrayLength() == 0)
        {
            check.Missing("contacts[0]");
            return;
        }

        var index = 0;
        foreach (var contact in contacts.EnumerateArray())
        {
            var path = Path("contacts", index++);
            if (contact.ValueKind != JsonValueKind.Object)
            {
                check.Invalid($"Param {path} must be a JSON object.");
                return;
            }

            if (check.Object(contact, "name", Path(path, "name")) is { } name)
            {
                check.String(name, "formatted_name", Path(Path(path, "name"), "formatted_name"));
            }

            check.Array(contact, "phones", Path(path, "phones"), required: false);
            check.Array(contact, "emails", Path(path, "emails"), required: false);
            if (check.Failed)
            {
                return;
            }
        }
    }

    /// <summary>Returns the message reacted to. An empty emoji removes the reaction.</summary>
    public static string? Reaction(JsonElement reaction, PayloadChecker check)
    {
        var messageId = check.String(reaction, "message_id", "reaction['message_id']");
        check.String(reaction, "emoji", "reaction['emoji']", required: false, maxLength: 32);
        return messageId;
    }

    /// <summary>Groups only (checked by the caller). expiration_days 1–30 is required to pin, ignored to unpin.</summary>
    public static string? Pin(JsonElement pin, PayloadChecker check)
    {
        var operation = check.OneOf(pin, "type", "pin['type']", PinOperations);
        var messageId = check.String(pin, "message_id", "pin['message_id']");
        if (operation == "pin")
        {
            var days = check.Number(pin, "expiration_days", "pin['expiration_days']");
            if (days is { } value && (value is < 1 or > 30 || value != Math.Floor(value)))
            {
                check.BadValue("Param pin['expiration_days'] must be a whole number of days between 1 and 30.");
            }
        }

        return messageId;
    }
}
