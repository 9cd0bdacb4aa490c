using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OneClick.Core.Validation;

namespace OneClick.Core.Templates;

/// <summary>
/// Meta's creation rules (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-management and https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components), checked before anything is sent: name, language, category, one BODY
/// (≤ 1024), optional HEADER (TEXT ≤ 60 with at most one variable, or IMAGE/VIDEO/DOCUMENT with a header_handle
/// example, or LOCATION), FOOTER (≤ 60, no variables), BUTTONS (1–10; ≤ 2 URL, ≤ 1 phone, ≤ 1 copy code; label ≤ 25;
/// URL ≤ 2000 with one variable at the end), variables {{1}}.. without gaps or lower-case names, an example for each.
/// Also FLOW (flow_id, flow_name or flow_json; at most one), CATALOG and MPM buttons (each the only button; MPM needs a
/// TEXT header), LIMITED_TIME_OFFER (MARKETING, text ≤ 16, has_expiration, no FOOTER:
/// https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/limited-time-offer-templates)
/// and CAROUSEL (BODY ≤ 1024 above 2–10 cards, each an IMAGE or VIDEO header, a BODY ≤ 160 and 1–2 QUICK_REPLY, URL or
/// PHONE_NUMBER buttons, the same header format and buttons on every card, no other HEADER, FOOTER or BUTTONS:
/// https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/media-card-carousel-templates).
/// </summary>
public static partial class TemplateCreateValidator
{
    public static readonly string[] Categories = ["MARKETING", "UTILITY", "AUTHENTICATION"];
    private static readonly string[] FlowSources = ["flow_id", "flow_name", "flow_json"];

    public static ValidationErrors Validate(CreateTemplateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new ValidationErrors();
        if (request.Name is null || !NamePattern().IsMatch(request.Name))
            errors.Add("name", "Required: lowercase letters, digits and underscores, at most 512 characters.");
        if (request.Language is null || !LanguagePattern().IsMatch(request.Language))
            errors.Add("language", "Required: a language code such as en_US or es.");
        if (request.Category is null || !Categories.Contains(request.Category.ToUpperInvariant()))
            errors.Add("category", "Required: MARKETING, UTILITY or AUTHENTICATION.");
        var named = string.Equals(request.Format, "named", StringComparison.OrdinalIgnoreCase);
        if (request.Format is not null && !named && !string.Equals(request.Format, "positional", StringComparison.OrdinalIgnoreCase))
            errors.Add("parameterFormat", "'named' or 'positional' (the default).");
        if (request.Components is not { Count: > 0 } components)
        {
            errors.Add("components", "Required: at least a BODY component.");
            return errors;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < components.Count; i++)
        {
            var path = $"components[{i}]";
            if (components[i] is not JsonObject component)
            {
                errors.Add(path, "Must be an object.");
                continue;
            }
            var type = Str(component, "type")?.ToUpperInvariant();
            if (type is not ("HEADER" or "BODY" or "FOOTER" or "BUTTONS" or "CAROUSEL" or "LIMITED_TIME_OFFER"))
            {
                errors.Add(path + ".type", "HEADER, BODY, FOOTER, BUTTONS, CAROUSEL or LIMITED_TIME_OFFER.");
                continue;
            }
            if (!seen.Add(type))
            {
                errors.Add(path + ".type", $"Only one {type} component.");
                continue;
            }
            switch (type)
            {
                case "HEADER": Header(component, path, named, errors); break;
                case "BODY": Body(component, path, named, errors); break;
                case "FOOTER": Footer(component, path, errors); break;
                case "CAROUSEL": Carousel(component, path, named, errors); break;
                case "LIMITED_TIME_OFFER": LimitedTimeOffer(component, path, errors); break;
                default: Buttons(component, path, errors); break;
            }
        }
        if (!seen.Contains("BODY"))
            errors.Add("components", "A template needs a BODY component.");
        Combinations(request, components, seen, errors);
        return errors;
    }

    /// <summary>Rules across components: what a carousel, a limited-time offer or a catalog/MPM button allows beside it.</summary>
    private static void Combinations(CreateTemplateRequest request, JsonArray components, HashSet<string> seen, ValidationErrors errors)
    {
        if (seen.Contains("CAROUSEL") && (seen.Contains("HEADER") || seen.Contains("FOOTER") || seen.Contains("BUTTONS")))
            errors.Add("components", "A CAROUSEL template has a BODY and the cards only: no HEADER, FOOTER or BUTTONS outside the cards.");
        if (seen.Contains("LIMITED_TIME_OFFER"))
        {
            if (!string.Equals(request.Category, "MARKETING", StringComparison.OrdinalIgnoreCase))
                errors.Add("category", "A LIMITED_TIME_OFFER template is a MARKETING template.");
            if (seen.Contains("FOOTER"))
                errors.Add("components", "A LIMITED_TIME_OFFER template has no FOOTER.");
        }
        var buttonTypes = components.OfType<JsonObject>()
            .Where(c => Str(c, "type")?.ToUpperInvariant() == "BUTTONS")
            .SelectMany(c => c["buttons"] as JsonArray ?? [])
            .Select(b => b is JsonObject o ? Str(o, "type")?.ToUpperInvariant() : null)
            .ToList();
        if (buttonTypes.Contains("MPM"))
        {
            var header = components.OfType<JsonObject>().FirstOrDefault(c => Str(c, "type")?.ToUpperInvariant() == "HEADER");
            if (header is null || Str(header, "format")?.ToUpperInvariant() != "TEXT")
                errors.Add("components", "A template with an MPM button needs a TEXT header.");
        }
    }

    private static void LimitedTimeOffer(JsonObject component, string path, ValidationErrors errors)
    {
        if (component["limited_time_offer"] is not JsonObject offer)
        {
            errors.Add(path + ".limited_time_offer", "Required: {\"text\": \"...\", \"has_expiration\": true|false}.");
            return;
        }
        if (Str(offer, "text") is not { Length: >= 1 and <= 16 } text || string.IsNullOrWhiteSpace(text))
            errors.Add(path + ".limited_time_offer.text", "The offer's headline: 1 to 16 characters.");
        else if (TemplateDefinition.Variables(text).Count > 0)
            errors.Add(path + ".limited_time_offer.text", "The offer's headline cannot have variables.");
        if (offer["has_expiration"] is not null && offer["has_expiration"]!.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
            errors.Add(path + ".limited_time_offer.has_expiration", "true or false.");
    }

    private static void Carousel(JsonObject component, string path, bool named, ValidationErrors errors)
    {
        if (component["cards"] is not JsonArray { Count: >= 2 and <= 10 } cards)
        {
            errors.Add(path + ".cards", "Between 2 and 10 cards.");
            return;
        }
        string? firstShape = null;
        for (var c = 0; c < cards.Count; c++)
        {
            var cardPath = $"{path}.cards[{c}]";
            if (cards[c] is not JsonObject card || card["components"] is not JsonArray parts)
            {
                errors.Add(cardPath + ".components", "Each card has components: HEADER, BODY and BUTTONS.");
                continue;
            }
            string? headerFormat = null, buttons = null;
            var hasBody = false;
            for (var p = 0; p < parts.Count; p++)
            {
                var partPath = $"{cardPath}.components[{p}]";
                if (parts[p] is not JsonObject part)
                {
                    errors.Add(partPath, "Must be an object.");
                    continue;
                }
                switch (Str(part, "type")?.ToUpperInvariant())
                {
                    case "HEADER":
                        headerFormat = Str(part, "format")?.ToUpperInvariant();
                        if (headerFormat is not ("IMAGE" or "VIDEO"))
                            errors.Add(partPath + ".format", "A card's header is IMAGE or VIDEO.");
                        else if (!HasArray(part["example"], "header_handle"))
                            errors.Add(partPath + ".example", $"A {headerFormat} header needs example.header_handle (a Resumable Upload API handle of a sample file).");
                        break;
                    case "BODY":
                        hasBody = true;
                        if (Str(part, "text") is { Length: > 160 })
                            errors.Add(partPath + ".text", "A card's body has at most 160 characters.");
                        else
                            Body(part, partPath, named, errors);
                        break;
                    case "BUTTONS":
                        if (part["buttons"] is not JsonArray { Count: >= 1 and <= 2 } list)
                        {
                            errors.Add(partPath + ".buttons", "A card has 1 or 2 buttons.");
                            break;
                        }
                        var types = list.Select(b => b is JsonObject o ? Str(o, "type")?.ToUpperInvariant() : null).ToList();
                        if (types.Any(t => t is not ("QUICK_REPLY" or "URL" or "PHONE_NUMBER")))
                            errors.Add(partPath + ".buttons", "A card's buttons are QUICK_REPLY, URL or PHONE_NUMBER.");
                        else
                            Buttons(part, partPath, errors);
                        buttons = string.Join(",", types);
                        break;
                    default:
                        errors.Add(partPath + ".type", "A card has HEADER, BODY and BUTTONS.");
                        break;
                }
            }
            if (headerFormat is null)
                errors.Add(cardPath + ".components", "Each card needs an IMAGE or VIDEO HEADER.");
            if (!hasBody)
                errors.Add(cardPath + ".components", "Each card needs a BODY.");
            if (buttons is null)
                errors.Add(cardPath + ".components", "Each card needs BUTTONS (1 or 2).");
            var shape = $"{headerFormat}|{buttons}";
            firstShape ??= shape;
            if (shape != firstShape)
                errors.Add(cardPath, "Every card has the same header format and the same buttons, in the same order, as the first card.");
        }
    }

    private static void Header(JsonObject component, string path, bool named, ValidationErrors errors)
    {
        var format = Str(component, "format")?.ToUpperInvariant();
        switch (format)
        {
            case "TEXT":
                var text = Str(component, "text");
                if (string.IsNullOrWhiteSpace(text) || text.Length > 60)
                {
                    errors.Add(path + ".text", "A TEXT header needs text of at most 60 characters.");
                    return;
                }
                var variables = TemplateDefinition.Variables(text);
                if (variables.Count > 1)
                    errors.Add(path + ".text", "A TEXT header can have at most one variable.");
                else if (CheckVariables(variables, named) is { } bad)
                    errors.Add(path + ".text", bad);
                else if (variables.Count == 1 && !HasArray(component["example"], named ? "header_text_named_params" : "header_text"))
                    errors.Add(path + ".example", $"An example is required for the header variable: example.{(named ? "header_text_named_params" : "header_text")}.");
                break;
            case "IMAGE" or "VIDEO" or "DOCUMENT":
                if (!HasArray(component["example"], "header_handle"))
                    errors.Add(path + ".example", $"A {format} header needs example.header_handle (a Resumable Upload API handle of a sample file).");
                break;
            case "LOCATION":
                break;
            default:
                errors.Add(path + ".format", "TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.");
                break;
        }
    }

    private static void Body(JsonObject component, string path, bool named, ValidationErrors errors)
    {
        var text = Str(component, "text");
        if (string.IsNullOrWhiteSpace(text) || text.Length > 1024)
        {
            errors.Add(path + ".text", "The body needs text of at most 1024 characters.");
            return;
        }
        var variables = TemplateDefinition.Variables(text);
        if (CheckVariables(variables, named) is { } bad)
        {
            errors.Add(path + ".text", bad);
            return;
        }
        if (variables.Count == 0)
            return;
        var example = component["example"] as JsonObject;
        if (!named)
        {
            if (example?["body_text"] is not JsonArray { Count: > 0 } rows || rows[0] is not JsonArray first)
                errors.Add(path + ".example", $"The body has {variables.Count} variable(s): give example.body_text = [[\"value\", ...]].");
            else if (first.Count != variables.Count)
                errors.Add(path + ".example", string.Create(CultureInfo.InvariantCulture, $"example.body_text[0] has {first.Count} values; the body has {variables.Count} variables."));
            return;
        }
        var given = (example?["body_text_named_params"] as JsonArray ?? [])
            .Select(p => (p as JsonObject)?["param_name"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? p!["param_name"]!.GetValue<string>() : null)
            .ToHashSet(StringComparer.Ordinal);
        var missing = variables.Where(v => !given.Contains(v)).ToList();
        if (missing.Count > 0)
            errors.Add(path + ".example", $"example.body_text_named_params has no example for {string.Join(", ", missing)}.");
    }

    private static void Footer(JsonObject component, string path, ValidationErrors errors)
    {
        var text = Str(component, "text");
        if (string.IsNullOrWhiteSpace(text) || text.Length > 60)
            errors.Add(path + ".text", "The footer needs text of at most 60 characters.");
        else if (TemplateDefinition.Variables(text).Count > 0)
            errors.Add(path + ".text", "A footer cannot have variables.");
    }

    private static void Buttons(JsonObject component, string path, ValidationErrors errors)
    {
        if (component["buttons"] is not JsonArray { Count: >= 1 and <= 10 } buttons)
        {
            errors.Add(path + ".buttons", "Between 1 and 10 buttons.");
            return;
        }
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < buttons.Count; i++)
        {
            var buttonPath = $"{path}.buttons[{i}]";
            var button = buttons[i] as JsonObject;
            var type = button is null ? null : Str(button, "type")?.ToUpperInvariant();
            if (type is not ("QUICK_REPLY" or "URL" or "PHONE_NUMBER" or "COPY_CODE" or "FLOW" or "CATALOG" or "MPM"))
            {
                errors.Add(buttonPath + ".type", "QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, FLOW, CATALOG or MPM.");
                continue;
            }
            if (type == "FLOW")
                FlowButton(button!, buttonPath, errors);
            counts[type] = counts.GetValueOrDefault(type) + 1;
            if (type != "COPY_CODE" && Str(button!, "text") is not { Length: >= 1 and <= 25 })
                errors.Add(buttonPath + ".text", "A button label of 1 to 25 characters.");
            if (type == "URL")
            {
                var url = Str(button!, "url");
                var variables = TemplateDefinition.Variables(url);
                if (url is null || url.Length > 2000 || !Uri.TryCreate(VariablePattern().Replace(url, "x"), UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
                    errors.Add(buttonPath + ".url", "An http(s) URL of at most 2000 characters.");
                else if (variables.Count > 1 || (variables.Count == 1 && !url.TrimEnd().EndsWith("}}", StringComparison.Ordinal)))
                    errors.Add(buttonPath + ".url", "A URL may have one variable, at the end.");
                else if (variables.Count == 1 && button!["example"] is not JsonArray { Count: > 0 })
                    errors.Add(buttonPath + ".example", "The URL has a variable: give example = [\"https://...full example URL\"].");
            }
            if (type == "PHONE_NUMBER" && Str(button!, "phone_number") is not { Length: >= 1 and <= 20 })
                errors.Add(buttonPath + ".phone_number", "A phone number of at most 20 characters.");
        }
        if (counts.GetValueOrDefault("URL") > 2 || counts.GetValueOrDefault("PHONE_NUMBER") > 1 || counts.GetValueOrDefault("COPY_CODE") > 1
            || counts.GetValueOrDefault("FLOW") > 1)
            errors.Add(path + ".buttons", "At most 2 URL buttons, 1 phone number button, 1 copy code button and 1 flow button.");
        if ((counts.ContainsKey("CATALOG") || counts.ContainsKey("MPM")) && buttons.Count > 1)
            errors.Add(path + ".buttons", "A CATALOG or MPM button is the template's only button.");
    }

    /// <summary>A FLOW button opens a Flow given by exactly one of flow_id, flow_name or flow_json.</summary>
    private static void FlowButton(JsonObject button, string path, ValidationErrors errors)
    {
        var given = FlowSources.Count(m => Str(button, m) is { Length: > 0 });
        if (given != 1)
            errors.Add(path + ".flow_id", "Give exactly one of flow_id, flow_name and flow_json.");
        if (button["flow_action"] is not null && Str(button, "flow_action")?.ToLowerInvariant() is not ("navigate" or "data_exchange"))
            errors.Add(path + ".flow_action", "navigate (the default) or data_exchange.");
        if (button["navigate_screen"] is not null && Str(button, "navigate_screen") is not { Length: > 0 })
            errors.Add(path + ".navigate_screen", "The id of the Flow's first screen.");
    }

    private static string? CheckVariables(IReadOnlyList<string> variables, bool named)
    {
        if (named)
            return variables.Any(v => !NamedVariable().IsMatch(v)) ? "Named variables are lower-case letters, digits and underscores, starting with a letter." : null;
        var numbers = variables.Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).Order().ToList();
        if (numbers.Any(n => n < 1))
            return "Positional templates use {{1}}, {{2}}, ...; set parameterFormat 'named' for named variables.";
        return numbers.Where((n, i) => n != i + 1).Any() ? "Variables must be numbered {{1}}, {{2}}, ... without gaps." : null;
    }

    private static bool HasArray(JsonNode? example, string member) =>
        example is JsonObject o && o[member] is JsonArray { Count: > 0 };

    private static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z]{2,3}(_[A-Za-z]{2,4})?$")]
    private static partial Regex LanguagePattern();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex NamedVariable();

    [GeneratedRegex(@"\{\{\s*[A-Za-z0-9_]+\s*\}\}")]
    private static partial Regex VariablePattern();
}
