using System.Globalization;
using System.Text.Json.Nodes;
using OneClick.Core.Validation;
using static OneClick.Core.Messages.Content.MessageContent;

namespace OneClick.Core.Messages.Content;

/// <summary>
/// Contact cards in Meta's shape (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages): each needs name.formatted_name; phones, emails, urls and
/// addresses are arrays of objects; birthday is YYYY-MM-DD. The validated array is passed to Meta as given.
/// </summary>
public static class ContactsContent
{
    public const int MaxCards = 20;

    public static JsonArray? Build(JsonArray? contacts, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (contacts is not { Count: >= 1 and <= MaxCards })
            return Fail<JsonArray>(errors, "contacts", $"A contacts message needs a 'contacts' array of 1 to {MaxCards} contact cards.");
        var ok = true;
        for (var i = 0; i < contacts.Count; i++)
        {
            var path = $"contacts[{i}]";
            if (contacts[i] is not JsonObject card)
            {
                errors.Add(path, "A contact card object.");
                ok = false;
                continue;
            }
            if (card["name"] is not JsonObject name || Str(name, "formatted_name") is not { Length: >= 1 and <= 1024 } formatted || string.IsNullOrWhiteSpace(formatted))
            {
                errors.Add(path + ".name.formatted_name", "Required: the name shown on the card.");
                ok = false;
            }
            foreach (var list in new[] { "phones", "emails", "urls", "addresses" })
            {
                if (card[list] is { } node && (node is not JsonArray array || array.Any(item => item is not JsonObject)))
                {
                    errors.Add($"{path}.{list}", "An array of objects.");
                    ok = false;
                }
            }
            if (card["phones"] is JsonArray phones && phones.OfType<JsonObject>().Any(p => Str(p, "phone") is not { Length: >= 1 and <= 64 }))
            {
                errors.Add(path + ".phones", "Each phone needs a 'phone' of at most 64 characters.");
                ok = false;
            }
            if (card["emails"] is JsonArray emails && emails.OfType<JsonObject>().Any(e => Str(e, "email") is not { Length: >= 3 and <= 320 } email || !email.Contains('@', StringComparison.Ordinal)))
            {
                errors.Add(path + ".emails", "Each email needs an 'email' address.");
                ok = false;
            }
            if (card["birthday"] is { } birthday && (Str(card, "birthday") is not { } text
                || !DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)))
            {
                errors.Add(path + ".birthday", "YYYY-MM-DD.");
                ok = false;
            }
        }
        return ok ? (JsonArray)contacts.DeepClone() : null;
    }
}
