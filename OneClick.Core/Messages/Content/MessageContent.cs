using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OneClick.Core.Validation;

namespace OneClick.Core.Messages.Content;

/// <summary>
/// Turns the API's content for each message type into the object Meta expects next to "type" (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages),
/// refusing what Meta would refuse (its length and size limits) with an error per field, so a bad message is a 400 here and
/// never a failure from Meta later. Template sends are checked again against the synced template (TemplateSendValidator).
/// </summary>
public static partial class MessageContent
{
    public static readonly string[] Types =
        ["text", "template", "image", "video", "audio", "document", "sticker", "location", "contacts", "interactive", "reaction", "read"];

    public const int MaxTextLength = 4096;
    public const int MaxCaptionLength = 1024;
    public const int MaxFilenameLength = 240;
    public const int MaxUrlLength = 2000;

    /// <summary>The content for <c>request.Type</c>, or null with <paramref name="errors"/> filled.</summary>
    public static JsonNode? Build(SendMessageRequest request, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        if (request.ReplyTo is not null && (request.Type == "reaction" || !IsWamid(request.ReplyTo)))
            errors.Add("replyTo", request.Type == "reaction" ? "A reaction cannot quote a message." : "A WhatsApp message id (wamid....) to quote.");
        switch (request.Type)
        {
            case "text":
                return Text(request.Text, errors);
            case "template":
                return Template(request.Template, errors);
            case "image" or "video" or "audio" or "document" or "sticker":
                return Media(request.Type, request.Type switch
                {
                    "image" => request.Image,
                    "video" => request.Video,
                    "audio" => request.Audio,
                    "document" => request.Document,
                    _ => request.Sticker,
                }, errors);
            case "location":
                return Location(request.Location, errors);
            case "contacts":
                return ContactsContent.Build(request.Contacts, errors);
            case "interactive":
                return InteractiveContent.Build(request.Interactive, errors);
            case "reaction":
                return Reaction(request.Reaction, errors);
            case null:
                errors.Add("type", $"A message type is required: one of {string.Join(", ", Types)}.");
                return null;
            default:
                errors.Add("type", $"Unsupported message type '{request.Type}': use one of {string.Join(", ", Types)}.");
                return null;
        }
    }

    private static JsonObject? Text(TextContent? text, ValidationErrors errors)
    {
        if (text?.Body is not { Length: > 0 } body || string.IsNullOrWhiteSpace(body))
            return Fail(errors, "text.body", "A text message needs a body.");
        if (body.Length > MaxTextLength)
            return Fail(errors, "text.body", $"A text body has at most {MaxTextLength} characters (Meta's limit); this one has {body.Length}.");
        return new JsonObject { ["body"] = body, ["preview_url"] = text.PreviewUrl };
    }

    private static JsonObject? Template(TemplateContent? template, ValidationErrors errors)
    {
        var ok = true;
        void Add(string field, string problem)
        {
            errors.Add(field, problem);
            ok = false;
        }

        if (template?.Name is null || !TemplateName().IsMatch(template.Name))
            Add("template.name", "A template name is required: lowercase letters, digits and underscores, at most 512 characters.");
        if (template?.Language is null || !LanguageCode().IsMatch(template.Language))
            Add("template.language", "A template language code is required, e.g. en_US.");
        var components = template?.Components;
        for (var i = 0; components is not null && i < components.Count; i++)
        {
            var path = $"template.components[{i}]";
            if (components[i] is not JsonObject component)
            {
                Add(path, "Each component is an object with a type (header, body or button) and parameters.");
                continue;
            }
            var type = Str(component, "type");
            if (type is not ("header" or "body" or "button" or "carousel" or "limited_time_offer"))
                Add(path + ".type", "header, body, button, carousel or limited_time_offer.");
            if (type == "carousel" && (component["cards"] is not JsonArray cards || cards.Any(c => c is not JsonObject o || o["components"] is not JsonArray)))
                Add(path + ".cards", "An array of cards, each {\"card_index\": n, \"components\": [...]}.");
            if (type == "button")
            {
                if (Str(component, "sub_type") is not ("quick_reply" or "url" or "copy_code" or "flow" or "catalog" or "mpm"))
                    Add(path + ".sub_type", "quick_reply, url, copy_code, flow, catalog or mpm.");
                if (ButtonIndex(component) is null)
                    Add(path + ".index", "The zero-based position of the button in the template (0–9).");
            }
            if (component["parameters"] is { } parameters && (parameters is not JsonArray list || list.Any(p => p is not JsonObject o || Str(o, "type") is null)))
                Add(path + ".parameters", "An array of parameters, each an object with a type.");
        }
        if (!ok || template is null)
            return null;
        var content = new JsonObject { ["name"] = template.Name, ["language"] = new JsonObject { ["code"] = template.Language } };
        if (components is { Count: > 0 })
            content["components"] = components.DeepClone();
        return content;
    }

    private static JsonObject? Media(string type, MediaContent? media, ValidationErrors errors)
    {
        if (media is null)
            return Fail(errors, type, $"A {type} message needs a '{type}' object with an id (from POST /api/media) or a link.");
        var content = MediaObject(type, media.Id, media.Link, errors);
        if (media.Caption is not null)
        {
            if (type is "audio" or "sticker")
                errors.Add($"{type}.caption", $"{Capitalized(type)} messages take no caption.");
            else if (media.Caption.Length > MaxCaptionLength)
                errors.Add($"{type}.caption", $"A caption has at most {MaxCaptionLength} characters; this one has {media.Caption.Length}.");
            else if (content is not null)
                content["caption"] = media.Caption;
        }
        if (media.Filename is not null)
        {
            if (type != "document")
                errors.Add($"{type}.filename", "Only documents take a filename.");
            else if (media.Filename.Length is 0 or > MaxFilenameLength || media.Filename.Any(c => char.IsControl(c) || c is '/' or '\\'))
                errors.Add("document.filename", $"A file name of 1 to {MaxFilenameLength} characters, without path separators.");
            else if (content is not null)
                content["filename"] = media.Filename;
        }
        return content;
    }

    /// <summary>{id} or {link}: exactly one. Media ids are numeric strings (https://developers.facebook.com/documentation/business-messaging/whatsapp/about-the-platform).</summary>
    public static JsonObject? MediaObject(string path, string? id, string? link, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if ((id is null) == (link is null))
            return Fail(errors, path, $"Give exactly one of {path}.id (an uploaded media id) or {path}.link.");
        if (id is not null)
            return id.Length is >= 1 and <= 64 && id.All(char.IsAsciiDigit) ? new JsonObject { ["id"] = id } : Fail(errors, path + ".id", "A media id from POST /api/media (digits).");
        return IsHttpUrl(link) ? new JsonObject { ["link"] = link } : Fail(errors, path + ".link", $"An absolute http(s) URL of at most {MaxUrlLength} characters.");
    }

    private static JsonObject? Location(LocationContent? location, ValidationErrors errors)
    {
        if (location is null)
            return Fail(errors, "location", "A location message needs a 'location' object with latitude and longitude.");
        if (location.Latitude is not (>= -90 and <= 90))
            errors.Add("location.latitude", "Required, between -90 and 90.");
        if (location.Longitude is not (>= -180 and <= 180))
            errors.Add("location.longitude", "Required, between -180 and 180.");
        if (location.Name is { Length: > 1000 })
            errors.Add("location.name", "At most 1000 characters.");
        if (location.Address is { Length: > 1000 })
            errors.Add("location.address", "At most 1000 characters.");
        if (location.Latitude is not (>= -90 and <= 90) || location.Longitude is not (>= -180 and <= 180) || location.Name is { Length: > 1000 } || location.Address is { Length: > 1000 })
            return null;
        var content = new JsonObject { ["latitude"] = location.Latitude, ["longitude"] = location.Longitude };
        if (location.Name is not null)
            content["name"] = location.Name;
        if (location.Address is not null)
            content["address"] = location.Address;
        return content;
    }

    private static JsonObject? Reaction(ReactionContent? reaction, ValidationErrors errors)
    {
        if (reaction is null)
            return Fail(errors, "reaction", "A reaction needs a 'reaction' object with messageId and emoji.");
        if (!IsWamid(reaction.MessageId))
            errors.Add("reaction.messageId", "The WhatsApp id (wamid....) of the received message to react to.");
        var emoji = reaction.Emoji ?? "";
        // One emoji (one grapheme, possibly several code points), or empty to remove the reaction.
        var emojiOk = emoji.Length == 0 || (new StringInfo(emoji).LengthInTextElements == 1 && !emoji.Any(char.IsAsciiLetterOrDigit) && emoji.Length <= 32 && !char.IsWhiteSpace(emoji[0]));
        if (!emojiOk)
            errors.Add("reaction.emoji", "Exactly one emoji, or an empty string to remove the reaction.");
        if (!IsWamid(reaction.MessageId) || !emojiOk)
            return null;
        return new JsonObject { ["message_id"] = reaction.MessageId, ["emoji"] = emoji };
    }

    /// <summary>Meta's message ids start with "wamid."; at most 256 characters here.</summary>
    public static bool IsWamid(string? id) => id is { Length: > 6 and <= 256 } && id.StartsWith("wamid.", StringComparison.Ordinal) && !id.Any(char.IsControl);

    public static bool IsHttpUrl(string? url) =>
        url is { Length: > 0 and <= MaxUrlLength } && Uri.TryCreate(url, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https";

    public static int? ButtonIndex(JsonObject component)
    {
        ArgumentNullException.ThrowIfNull(component);
        var index = component["index"];
        if (index is JsonValue value && value.TryGetValue<int>(out var number))
            return number is >= 0 and <= 9 ? number : null;
        return index is JsonValue text && text.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 0 and <= 9
            ? parsed
            : null;
    }

    internal static string? Str(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Capitalized(string type) => char.ToUpperInvariant(type[0]) + type[1..];

    internal static T? Fail<T>(ValidationErrors errors, string field, string problem) where T : class
    {
        errors.Add(field, problem);
        return null;
    }

    private static JsonObject? Fail(ValidationErrors errors, string field, string problem) => Fail<JsonObject>(errors, field, problem);

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex TemplateName();

    [GeneratedRegex("^[a-z]{2,3}(_[A-Za-z]{2,4})?$")]
    private static partial Regex LanguageCode();
}
