using System.Globalization;
using System.Text.Json.Nodes;
using OneClick.Core.Templates;
using OneClick.Core.Validation;
using static OneClick.Core.Messages.Content.MessageContent;

namespace OneClick.Core.Messages.Content;

/// <summary>
/// A template send checked against the synced template, as Meta would at send time (132001, 132000, 132012, 132015,
/// 132016): the template exists, is APPROVED and has the language; the header, body and button parameters match the
/// template's variables in number and kind (positional or named by parameter_name); a media header gets a media
/// parameter of the header's format. Flow buttons may carry an action (flow_token, flow_action_data), catalog buttons a
/// thumbnail, MPM buttons need their sections (1–10, ≤ 30 products); a limited-time offer with an expiration needs
/// expiration_time_ms; a carousel needs one card per template card, each with its media header, body and button
/// parameters (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates).
/// </summary>
public static class TemplateSendValidator
{
    private static readonly string[] BodyKinds = ["text", "currency", "date_time", "group_id"];

    /// <summary>The template sent, or null with errors.</summary>
    public static TemplateEntity? Validate(JsonObject content, IReadOnlyList<TemplateEntity> languages, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(languages);
        ArgumentNullException.ThrowIfNull(errors);
        var name = Str(content, "name")!;
        var language = (content["language"] as JsonObject) is { } l ? Str(l, "code")! : "";
        if (languages.Count == 0)
            return Fail<TemplateEntity>(errors, "template.name", $"No template '{name}' is known for this tenant: create it or run POST /api/templates/sync.");
        var template = languages.FirstOrDefault(t => t.Language == language);
        if (template is null)
            return Fail<TemplateEntity>(errors, "template.language", $"Template '{name}' has no '{language}' translation; it has {string.Join(", ", languages.Select(t => t.Language).Order(StringComparer.Ordinal))}.");
        if (template.Status != TemplateStatuses.Approved)
            return Fail<TemplateEntity>(errors, "template.name", $"Template '{name}' ({language}) is {template.Status}; only APPROVED templates can be sent.");

        var definition = template.Definition;
        var header = new List<JsonObject>();
        var body = new List<JsonObject>();
        var buttons = new Dictionary<int, (int Position, JsonObject Component)>();
        (int Position, JsonObject Component)? carousel = null, offer = null;
        var components = content["components"] as JsonArray ?? [];
        for (var i = 0; i < components.Count; i++)
        {
            var component = (JsonObject)components[i]!;
            var parameters = (component["parameters"] as JsonArray ?? []).Cast<JsonObject>().ToList();
            switch (Str(component, "type"))
            {
                case "header":
                    header.AddRange(parameters);
                    break;
                case "body":
                    body.AddRange(parameters);
                    break;
                case "carousel":
                    carousel = (i, component);
                    break;
                case "limited_time_offer":
                    offer = (i, component);
                    break;
                default:
                    var index = ButtonIndex(component)!.Value;
                    if (!buttons.TryAdd(index, (i, component)))
                        errors.Add($"template.components[{i}].index", $"Button {index} is given twice.");
                    break;
            }
        }

        var before = errors.ToDictionary().Count;
        Header(definition, header, errors);
        Body(definition, body, errors);
        Buttons(definition.Buttons, buttons, "template.components", errors);
        Offer(definition, offer, errors);
        Carousel(definition, carousel, errors);
        return errors.ToDictionary().Count == before ? template : null;
    }

    private static void Header(TemplateDefinition definition, List<JsonObject> sent, ValidationErrors errors)
    {
        const string field = "template.components.header";
        switch (definition.HeaderFormat)
        {
            case null:
                if (sent.Count > 0)
                    errors.Add(field, "This template has no header: send no header parameters.");
                return;
            case "TEXT":
                Count(field, "header", definition.HeaderVariables.Count, sent.Count, errors);
                if (sent.Count == definition.HeaderVariables.Count)
                    Kinds(field, sent, ["text"], errors);
                if (definition.IsNamed && sent.Count == 1 && definition.HeaderVariables.Count == 1 && Str(sent[0], "parameter_name") != definition.HeaderVariables[0])
                    errors.Add(field, $"The header parameter needs parameter_name \"{definition.HeaderVariables[0]}\".");
                return;
            case "LOCATION":
                if (sent.Count != 1 || Str(sent[0], "type") != "location")
                    errors.Add(field, "This template has a LOCATION header: send one header parameter of type location.");
                return;
            default:
                var kind = definition.HeaderFormat.ToLowerInvariant();
                if (sent.Count != 1 || Str(sent[0], "type") != kind)
                {
                    errors.Add(field, $"This template has a{(kind == "image" ? "n" : "")} {definition.HeaderFormat} header: send one header parameter of type {kind} with an id or a link.");
                    return;
                }
                var media = sent[0][kind] as JsonObject;
                MediaObject(field + "." + kind, media is null ? null : Str(media, "id"), media is null ? null : Str(media, "link"), errors);
                return;
        }
    }

    private static void Body(TemplateDefinition definition, List<JsonObject> sent, ValidationErrors errors)
    {
        const string field = "template.components.body";
        var expected = definition.BodyVariables;
        if (!Count(field, "body", expected.Count, sent.Count, errors))
            return;
        Kinds(field, sent, BodyKinds, errors);
        if (definition.IsNamed)
        {
            var names = sent.Select(p => Str(p, "parameter_name")).ToList();
            var missing = expected.Where(v => !names.Contains(v)).ToList();
            if (missing.Count > 0)
                errors.Add(field, $"This template uses named parameters: give parameter_name for {string.Join(", ", missing)}.");
        }
        else if (sent.Any(p => p["parameter_name"] is not null))
        {
            errors.Add(field, "This template uses positional parameters ({{1}}, {{2}}, ...): leave out parameter_name.");
        }
    }

    private static void Buttons(IReadOnlyList<TemplateButton> defined, Dictionary<int, (int Position, JsonObject Component)> sent, string path, ValidationErrors errors)
    {
        foreach (var (index, (position, component)) in sent)
        {
            var field = $"{path}[{position}]";
            if (index >= defined.Count)
            {
                errors.Add(field + ".index", string.Create(CultureInfo.InvariantCulture, $"This template has {defined.Count} button(s); there is no button {index}."));
                continue;
            }
            var button = defined[index];
            var subType = Str(component, "sub_type");
            var expected = SubTypeOf(button.Type);
            if (subType != expected)
            {
                errors.Add(field + ".sub_type", expected is null
                    ? $"Button {index} is a {button.Type} button, which takes no parameters."
                    : $"Button {index} is a {button.Type} button: sub_type {expected}.");
                continue;
            }
            var parameters = (component["parameters"] as JsonArray ?? []).Cast<JsonObject>().ToList();
            if (button.Type is "FLOW" or "CATALOG" or "MPM")
            {
                ActionParameter(button, parameters, field + ".parameters", errors);
                continue;
            }
            var (kind, needed) = button.Type switch
            {
                "URL" => ("text", button.HasVariable ? 1 : 0),
                "QUICK_REPLY" => ("payload", 1),
                _ => ("coupon_code", 1),
            };
            if (parameters.Count != needed || parameters.Any(p => Str(p, "type") != kind || Str(p, kind) is not { Length: > 0 }))
                errors.Add(field + ".parameters", needed == 0
                    ? $"Button {index}'s URL has no variable: send no parameters."
                    : $"Button {index} takes one parameter of type {kind} with a non-empty \"{kind}\".");
        }
        foreach (var button in defined.Where(b => (b.Type is "COPY_CODE" or "MPM" || b.HasVariable) && !sent.ContainsKey(b.Index)))
            errors.Add(path + ".buttons", string.Create(CultureInfo.InvariantCulture,
                $"Button {button.Index} ({button.Type}) needs a button component with sub_type {SubTypeOf(button.Type)} and index {button.Index}."));
    }

    private static string? SubTypeOf(string buttonType) => buttonType switch
    {
        "URL" => "url",
        "QUICK_REPLY" => "quick_reply",
        "COPY_CODE" => "copy_code",
        "FLOW" => "flow",
        "CATALOG" => "catalog",
        "MPM" => "mpm",
        _ => null,
    };

    /// <summary>
    /// Flow, catalog and MPM buttons take one "action" parameter: flow_token / flow_action_data (optional), a
    /// catalog's thumbnail_product_retailer_id (optional), an MPM's thumbnail and sections (required).
    /// </summary>
    private static void ActionParameter(TemplateButton button, List<JsonObject> parameters, string field, ValidationErrors errors)
    {
        if (parameters.Count == 0 && button.Type != "MPM")
            return;
        if (parameters.Count != 1 || Str(parameters[0], "type") != "action" || parameters[0]["action"] is not JsonObject action)
        {
            errors.Add(field, $"Button {button.Index} ({button.Type}) takes one parameter {{\"type\": \"action\", \"action\": {{...}}}}.");
            return;
        }
        switch (button.Type)
        {
            case "FLOW":
                if (action["flow_token"] is not null && Str(action, "flow_token") is not { Length: > 0 })
                    errors.Add(field + ".action.flow_token", "A non-empty string (it comes back in the flow's reply).");
                if (action["flow_action_data"] is { } data && data is not JsonObject)
                    errors.Add(field + ".action.flow_action_data", "An object: the data for the flow's first screen.");
                break;
            case "CATALOG":
                if (Str(action, "thumbnail_product_retailer_id") is not { Length: > 0 })
                    errors.Add(field + ".action.thumbnail_product_retailer_id", "The retailer id (SKU) of the product shown as the thumbnail.");
                break;
            default:
                if (Str(action, "thumbnail_product_retailer_id") is not { Length: > 0 })
                    errors.Add(field + ".action.thumbnail_product_retailer_id", "The retailer id (SKU) of the product shown as the thumbnail.");
                if (action["sections"] is not JsonArray { Count: >= 1 and <= 10 } sections)
                {
                    errors.Add(field + ".action.sections", "Between 1 and 10 sections.");
                    break;
                }
                var products = 0;
                for (var s = 0; s < sections.Count; s++)
                {
                    var section = sections[s] as JsonObject;
                    if (section is null || Str(section, "title") is not { Length: >= 1 and <= 24 })
                        errors.Add(string.Create(CultureInfo.InvariantCulture, $"{field}.action.sections[{s}].title"), "1 to 24 characters.");
                    if (section?["product_items"] is not JsonArray { Count: >= 1 } items || items.Any(i => i is not JsonObject o || Str(o, "product_retailer_id") is not { Length: > 0 }))
                        errors.Add(string.Create(CultureInfo.InvariantCulture, $"{field}.action.sections[{s}].product_items"), "At least one product, each with a product_retailer_id.");
                    else
                        products += items.Count;
                }
                if (products > 30)
                    errors.Add(field + ".action.sections", string.Create(CultureInfo.InvariantCulture, $"At most 30 products in all sections together; these have {products}."));
                break;
        }
    }

    /// <summary>A limited-time offer with has_expiration needs expiration_time_ms (Unix milliseconds); one without takes none.</summary>
    private static void Offer(TemplateDefinition definition, (int Position, JsonObject Component)? sent, ValidationErrors errors)
    {
        const string field = "template.components.limited_time_offer";
        if (definition.OfferHasExpiration != true)
        {
            if (sent is not null)
                errors.Add(field, definition.OfferHasExpiration is null
                    ? "This template has no limited-time offer: send no limited_time_offer component."
                    : "This template's offer has no expiration: send no limited_time_offer component.");
            return;
        }
        var parameters = sent?.Component["parameters"] as JsonArray;
        if (parameters is not [JsonObject parameter] || Str(parameter, "type") != "limited_time_offer"
            || parameter["limited_time_offer"] is not JsonObject offer || offer["expiration_time_ms"] is not JsonValue ms
            || !ms.TryGetValue<long>(out var expires) || expires <= 0)
            errors.Add(field, "This template's offer expires: send a limited_time_offer component with one parameter {\"type\": \"limited_time_offer\", \"limited_time_offer\": {\"expiration_time_ms\": <Unix ms>}}.");
    }

    /// <summary>A carousel template: one card per template card (card_index 0..n-1), each with its header, body and button parameters.</summary>
    private static void Carousel(TemplateDefinition definition, (int Position, JsonObject Component)? sent, ValidationErrors errors)
    {
        const string field = "template.components.carousel";
        if (definition.Cards.Count == 0)
        {
            if (sent is not null)
                errors.Add(field, "This template has no carousel: send no carousel component.");
            return;
        }
        var cards = sent?.Component["cards"] as JsonArray ?? [];
        if (cards.Count != definition.Cards.Count)
        {
            errors.Add(field, string.Create(CultureInfo.InvariantCulture, $"The template has {definition.Cards.Count} cards; send a carousel component with {definition.Cards.Count} cards ({cards.Count} given)."));
            return;
        }
        var seen = new HashSet<int>();
        for (var c = 0; c < cards.Count; c++)
        {
            var cardField = string.Create(CultureInfo.InvariantCulture, $"template.components[{sent!.Value.Position}].cards[{c}]");
            var card = (JsonObject)cards[c]!;
            var index = card["card_index"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : -1;
            if (index < 0 || index >= definition.Cards.Count || !seen.Add(index))
            {
                errors.Add(cardField + ".card_index", string.Create(CultureInfo.InvariantCulture, $"Each card once, card_index 0 to {definition.Cards.Count - 1}."));
                continue;
            }
            var defined = definition.Cards[index];
            var parts = (card["components"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var header = parts.Where(p => Str(p, "type") == "header").SelectMany(p => (p["parameters"] as JsonArray ?? []).OfType<JsonObject>()).ToList();
            var body = parts.Where(p => Str(p, "type") == "body").SelectMany(p => (p["parameters"] as JsonArray ?? []).OfType<JsonObject>()).ToList();
            var kind = defined.HeaderFormat?.ToLowerInvariant();
            if (header.Count != 1 || kind is null || Str(header[0], "type") != kind)
                errors.Add(cardField + ".header", $"Card {index} has an {defined.HeaderFormat} header: send one header parameter of type {kind} with an id or a link.");
            else
            {
                var media = header[0][kind] as JsonObject;
                MediaObject(cardField + ".header." + kind, media is null ? null : Str(media, "id"), media is null ? null : Str(media, "link"), errors);
            }
            if (Count(cardField + ".body", "card body", defined.BodyVariables.Count, body.Count, errors))
                Kinds(cardField + ".body", body, BodyKinds, errors);
            var buttons = new Dictionary<int, (int Position, JsonObject Component)>();
            for (var p = 0; p < parts.Count; p++)
            {
                if (Str(parts[p], "type") == "button" && ButtonIndex(parts[p]) is int b && !buttons.TryAdd(b, (p, parts[p])))
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"{cardField}.components[{p}].index"), $"Button {b} is given twice.");
            }
            Buttons(defined.Buttons, buttons, cardField + ".components", errors);
        }
    }

    private static bool Count(string field, string component, int expected, int received, ValidationErrors errors)
    {
        if (expected == received)
            return true;
        errors.Add(field, string.Create(CultureInfo.InvariantCulture, $"The template's {component} has {expected} variable(s); {received} parameter(s) were given."));
        return false;
    }

    private static void Kinds(string field, List<JsonObject> parameters, string[] kinds, ValidationErrors errors)
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            var kind = Str(parameters[i], "type");
            if (kind is null || !kinds.Contains(kind))
            {
                errors.Add(field, string.Create(CultureInfo.InvariantCulture, $"Parameter {i + 1} has type '{kind}'; here use {string.Join(", ", kinds)}."));
                continue;
            }
            var ok = kind switch
            {
                "text" => Str(parameters[i], "text") is { Length: > 0 } text && !string.IsNullOrWhiteSpace(text),
                "currency" => parameters[i]["currency"] is JsonObject c && Str(c, "fallback_value") is { Length: > 0 } && Str(c, "code") is { Length: 3 } && c["amount_1000"] is JsonValue,
                "date_time" => parameters[i]["date_time"] is JsonObject d && Str(d, "fallback_value") is { Length: > 0 },
                _ => Str(parameters[i], kind) is { Length: > 0 },
            };
            if (!ok)
                errors.Add(field, string.Create(CultureInfo.InvariantCulture, $"Parameter {i + 1} ({kind}) has no value."));
            else if (kind == "text" && field.EndsWith("body", StringComparison.Ordinal) && Str(parameters[i], "text") is { } t
                && (t.Contains('\n', StringComparison.Ordinal) || t.Contains('\t', StringComparison.Ordinal) || t.Contains("     ", StringComparison.Ordinal)))
                errors.Add(field, string.Create(CultureInfo.InvariantCulture, $"Parameter {i + 1}: Meta refuses new lines, tabs and more than 4 spaces in a row in body parameters."));
        }
    }
}
