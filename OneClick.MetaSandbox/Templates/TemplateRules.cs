using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OneClick.MetaSandbox.Messages;

namespace OneClick.MetaSandbox.Templates;

/// <summary>
/// Meta's checks on POST /{waba-id}/message_templates (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-management and https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components), first error wins: name, language,
/// category, parameter_format, then the components (one BODY; HEADER format; FOOTER; BUTTONS counts and lengths),
/// the variables ({{1}}.. in order, or lower-case names) and an example for every variable.
/// </summary>
internal static partial class TemplateRules
{
    public static readonly string[] Categories = ["MARKETING", "UTILITY", "AUTHENTICATION"];
    private static readonly string[] ComponentTypes = ["HEADER", "BODY", "FOOTER", "BUTTONS", "CAROUSEL", "LIMITED_TIME_OFFER"];
    private static readonly string[] HeaderFormats = ["TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION"];
    private static readonly string[] ButtonTypes = ["QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "FLOW", "CATALOG", "MPM"];

    /// <summary>The parsed template, or the Graph error details (code 100).</summary>
    public static (MessageTemplate? Template, string? Error) Parse(JsonElement root, string id)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "The request body must be a JSON object.");
        }

        var check = new PayloadChecker();
        var name = check.String(root, "name", "name", maxLength: 512);
        if (name is not null && !NamePattern().IsMatch(name))
        {
            return (null, "Param name must contain only lowercase letters, digits and underscores.");
        }

        var language = check.String(root, "language", "language");
        if (language is not null && !LanguagePattern().IsMatch(language))
        {
            return (null, $"Param language '{language}' is not a supported language code, e.g. en_US.");
        }

        var category = check.String(root, "category", "category")?.ToUpperInvariant();
        if (category is not null && !Categories.Contains(category))
        {
            return (null, $"Param category must be one of {string.Join(", ", Categories)}.");
        }

        var format = (check.String(root, "parameter_format", "parameter_format", required: false) ?? "positional").ToUpperInvariant();
        if (format is not (MessageTemplate.Positional or MessageTemplate.Named))
        {
            return (null, "Param parameter_format must be 'named' or 'positional'.");
        }

        var components = check.Array(root, "components", "components");
        if (check.Failed)
        {
            return (null, check.Error!.Details);
        }

        TemplateHeader? header = null;
        string? body = null;
        string? footer = null;
        var index = 0;
        foreach (var component in components!.Value.EnumerateArray())
        {
            var path = $"components[{index++}]";
            var type = check.String(component, "type", path + "['type']")?.ToUpperInvariant();
            if (type is null || !ComponentTypes.Contains(type))
            {
                return (null, check.Error?.Details ?? $"Param {path}['type'] must be one of {string.Join(", ", ComponentTypes)}.");
            }

            var error = type switch
            {
                "HEADER" => Header(component, path, format, check, out header),
                "BODY" => Body(component, path, format, check, out body),
                "FOOTER" => Footer(component, path, check, out footer),
                "CAROUSEL" => Carousel(component, path, check),
                "LIMITED_TIME_OFFER" => LimitedTimeOffer(component, path, category, check),
                _ => Buttons(component, path, check),
            };
            if (error is not null)
            {
                return (null, error);
            }
        }

        if (body is null)
        {
            return (null, "A template needs exactly one BODY component.");
        }

        return (new MessageTemplate(id, name!, language!, category!, "PENDING", format, header, body, footer,
            ComponentsJson: components.Value.GetRawText()), null);
    }

    private static string? Header(JsonElement component, string path, string format, PayloadChecker check, out TemplateHeader? header)
    {
        header = null;
        var headerFormat = check.String(component, "format", path + "['format']")?.ToUpperInvariant();
        if (headerFormat is null || !HeaderFormats.Contains(headerFormat))
        {
            return check.Error?.Details ?? $"Param {path}['format'] must be one of {string.Join(", ", HeaderFormats)}.";
        }

        if (headerFormat == "TEXT")
        {
            var text = check.String(component, "text", path + "['text']", maxLength: 60);
            if (text is null)
            {
                return check.Error!.Details;
            }

            var variables = Variables(text);
            if (variables.Count > 1)
            {
                return "A TEXT header can have at most one variable.";
            }

            if (CheckVariables(variables, format) is { } bad)
            {
                return bad;
            }

            if (variables.Count == 1 && !HasExample(component, format == MessageTemplate.Named ? "header_text_named_params" : "header_text"))
            {
                return $"Param {path}['example'] is required: the header has a variable.";
            }

            header = new TemplateHeader("TEXT", text);
            return null;
        }

        if (headerFormat != "LOCATION" && !HasExample(component, "header_handle"))
        {
            return $"Param {path}['example']['header_handle'] is required for a {headerFormat} header (a Resumable Upload API handle).";
        }

        header = new TemplateHeader(headerFormat);
        return null;
    }

    private static string? Body(JsonElement component, string path, string format, PayloadChecker check, out string? body)
    {
        body = check.String(component, "text", path + "['text']", maxLength: 1024);
        if (body is null)
        {
            return check.Error!.Details;
        }

        var variables = Variables(body);
        if (CheckVariables(variables, format) is { } bad)
        {
            return bad;
        }

        if (variables.Count == 0)
        {
            return null;
        }

        // Positional: example.body_text = [["v1","v2"]]; named: example.body_text_named_params = [{param_name, example}].
        if (format == MessageTemplate.Positional)
        {
            if (!component.TryGetProperty("example", out var example) || example.ValueKind != JsonValueKind.Object
                || !example.TryGetProperty("body_text", out var rows) || rows.ValueKind != JsonValueKind.Array
                || rows.GetArrayLength() == 0 || rows[0].ValueKind != JsonValueKind.Array)
            {
                return $"Param {path}['example']['body_text'] is required: the body has {variables.Count} variable(s).";
            }

            if (rows[0].GetArrayLength() != variables.Count)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"Param {path}['example']['body_text'][0] has {rows[0].GetArrayLength()} values; the body has {variables.Count} variables.");
            }

            return null;
        }

        if (!component.TryGetProperty("example", out var named) || named.ValueKind != JsonValueKind.Object
            || !named.TryGetProperty("body_text_named_params", out var parameters) || parameters.ValueKind != JsonValueKind.Array)
        {
            return $"Param {path}['example']['body_text_named_params'] is required: the body has named variables.";
        }

        var given = parameters.EnumerateArray()
            .Select(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("param_name", out var n) ? n.GetString() : null)
            .ToHashSet(StringComparer.Ordinal);
        var missing = variables.Where(v => !given.Contains(v)).ToList();
        return missing.Count > 0 ? $"Param {path}['example']['body_text_named_params'] has no example for {string.Join(", ", missing)}." : null;
    }

    private static string? Footer(JsonElement component, string path, PayloadChecker check, out string? footer)
    {
        footer = check.String(component, "text", path + "['text']", maxLength: 60);
        if (footer is null)
        {
            return check.Error!.Details;
        }

        return Variables(footer).Count > 0 ? "A FOOTER cannot have variables." : null;
    }

    /// <summary>Media card carousel (https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates/media-card-carousel-templates): 2–10 cards, IMAGE or VIDEO header, body ≤ 160, 1–2 buttons, all cards alike.</summary>
    private static string? Carousel(JsonElement component, string path, PayloadChecker check)
    {
        var cards = check.Array(component, "cards", path + "['cards']");
        if (cards is null)
        {
            return check.Error!.Details;
        }

        if (cards.Value.GetArrayLength() is < 2 or > 10)
        {
            return $"Param {path}['cards'] must have between 2 and 10 cards.";
        }

        string? first = null;
        var index = 0;
        foreach (var card in cards.Value.EnumerateArray())
        {
            var cardPath = $"{path}['cards'][{index++}]";
            var parts = check.Array(card, "components", cardPath + "['components']");
            if (parts is null)
            {
                return check.Error!.Details;
            }

            string? header = null, buttons = null;
            foreach (var part in parts.Value.EnumerateArray())
            {
                switch (check.String(part, "type", cardPath + "['components'][]['type']")?.ToUpperInvariant())
                {
                    case "HEADER":
                        header = check.String(part, "format", cardPath + "['header']['format']")?.ToUpperInvariant();
                        if (header is not ("IMAGE" or "VIDEO"))
                        {
                            return $"Param {cardPath} header format must be IMAGE or VIDEO.";
                        }

                        break;
                    case "BODY":
                        if (check.String(part, "text", cardPath + "['body']['text']", maxLength: 160) is null)
                        {
                            return check.Error!.Details;
                        }

                        break;
                    case "BUTTONS":
                        var list = check.Array(part, "buttons", cardPath + "['buttons']");
                        if (list is null || list.Value.GetArrayLength() is < 1 or > 2)
                        {
                            return $"Param {cardPath}['buttons'] must have 1 or 2 buttons.";
                        }

                        buttons = string.Join(",", list.Value.EnumerateArray().Select(b => b.TryGetProperty("type", out var t) ? t.GetString()?.ToUpperInvariant() : null));
                        break;
                    default:
                        return check.Error?.Details ?? $"Param {cardPath} components must be HEADER, BODY and BUTTONS.";
                }
            }

            if (header is null || buttons is null)
            {
                return $"Param {cardPath} needs a HEADER and BUTTONS.";
            }

            first ??= header + "|" + buttons;
            if (first != header + "|" + buttons)
            {
                return "All carousel cards must have the same header format and the same buttons.";
            }
        }

        return null;
    }

    /// <summary>limited_time_offer {text ≤ 16, has_expiration}: MARKETING templates only.</summary>
    private static string? LimitedTimeOffer(JsonElement component, string path, string? category, PayloadChecker check)
    {
        if (category != "MARKETING")
        {
            return "A LIMITED_TIME_OFFER template must be in category MARKETING.";
        }

        var offer = check.Object(component, "limited_time_offer", path + "['limited_time_offer']");
        return offer is null || check.String(offer.Value, "text", path + "['limited_time_offer']['text']", maxLength: 16) is null
            ? check.Error!.Details
            : null;
    }

    private static string? Buttons(JsonElement component, string path, PayloadChecker check)
    {
        var buttons = check.Array(component, "buttons", path + "['buttons']");
        if (buttons is null)
        {
            return check.Error!.Details;
        }

        var count = buttons.Value.GetArrayLength();
        if (count is < 1 or > 10)
        {
            return $"Param {path}['buttons'] must have between 1 and 10 buttons.";
        }

        var byType = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var button in buttons.Value.EnumerateArray())
        {
            var buttonPath = $"{path}['buttons'][{index++}]";
            var type = check.String(button, "type", buttonPath + "['type']")?.ToUpperInvariant();
            if (type is null || !ButtonTypes.Contains(type))
            {
                return check.Error?.Details ?? $"Param {buttonPath}['type'] must be one of {string.Join(", ", ButtonTypes)}.";
            }

            byType[type] = byType.GetValueOrDefault(type) + 1;
            if (type != "COPY_CODE" && check.String(button, "text", buttonPath + "['text']", maxLength: 25) is null)
            {
                return check.Error!.Details;
            }

            if (type == "URL")
            {
                var url = check.String(button, "url", buttonPath + "['url']", maxLength: 2000);
                if (url is null)
                {
                    return check.Error!.Details;
                }

                var variables = Variables(url);
                if (variables.Count > 1 || (variables.Count == 1 && !url.TrimEnd().EndsWith("}}", StringComparison.Ordinal)))
                {
                    return $"Param {buttonPath}['url'] may have one variable, at the end.";
                }

                if (variables.Count == 1 && !HasExample(button, null))
                {
                    return $"Param {buttonPath}['example'] is required: the URL has a variable.";
                }
            }
            else if (type == "PHONE_NUMBER" && check.String(button, "phone_number", buttonPath + "['phone_number']", maxLength: 20) is null)
            {
                return check.Error!.Details;
            }
        }

        if (byType.GetValueOrDefault("URL") > 2 || byType.GetValueOrDefault("PHONE_NUMBER") > 1 || byType.GetValueOrDefault("COPY_CODE") > 1)
        {
            return "A template can have at most 2 URL buttons, 1 phone number button and 1 copy code button.";
        }

        return null;
    }

    /// <summary>Positional variables must be {{1}}, {{2}}, ... with no gaps; named ones lower-case letters, digits and underscores.</summary>
    private static string? CheckVariables(IReadOnlyList<string> variables, string format)
    {
        if (format == MessageTemplate.Positional)
        {
            var numbers = variables.Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToList();
            if (numbers.Any(n => n < 1))
            {
                return "Positional templates use variables {{1}}, {{2}}, ...; use parameter_format 'named' for names.";
            }

            var sorted = numbers.Order().ToList();
            return sorted.Where((n, i) => n != i + 1).Any() ? "Variables must be numbered {{1}}, {{2}}, ... without gaps." : null;
        }

        return variables.Any(v => !NamedVariable().IsMatch(v)) ? "Named variables must be lower-case letters, digits and underscores, starting with a letter." : null;
    }

    private static bool HasExample(JsonElement component, string? member)
    {
        if (!component.TryGetProperty("example", out var example) || example.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return false;
        }

        if (member is null)
        {
            return example.ValueKind is JsonValueKind.Array && example.GetArrayLength() > 0;
        }

        return example.ValueKind == JsonValueKind.Object && example.TryGetProperty(member, out var value)
            && value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0;
    }

    public static IReadOnlyList<string> Variables(string text) =>
        [.. VariablePattern().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    [GeneratedRegex("^[a-z0-9_]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z]{2,3}(_[A-Za-z]{2,4})?$")]
    private static partial Regex LanguagePattern();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex NamedVariable();

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex VariablePattern();
}
