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
/// parameter of the header's format.
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
        Buttons(definition, buttons, errors);
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

    private static void Buttons(TemplateDefinition definition, Dictionary<int, (int Position, JsonObject Component)> sent, ValidationErrors errors)
    {
        foreach (var (index, (position, component)) in sent)
        {
            var field = $"template.components[{position}]";
            if (index >= definition.Buttons.Count)
            {
                errors.Add(field + ".index", string.Create(CultureInfo.InvariantCulture, $"This template has {definition.Buttons.Count} button(s); there is no button {index}."));
                continue;
            }
            var button = definition.Buttons[index];
            var subType = Str(component, "sub_type");
            var expected = button.Type switch { "URL" => "url", "QUICK_REPLY" => "quick_reply", "COPY_CODE" => "copy_code", _ => null };
            if (subType != expected)
            {
                errors.Add(field + ".sub_type", expected is null
                    ? $"Button {index} is a {button.Type} button, which takes no parameters."
                    : $"Button {index} is a {button.Type} button: sub_type {expected}.");
                continue;
            }
            var parameters = (component["parameters"] as JsonArray ?? []).Cast<JsonObject>().ToList();
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
        foreach (var button in definition.Buttons.Where(b => (b.Type == "COPY_CODE" || b.HasVariable) && !sent.ContainsKey(b.Index)))
            errors.Add("template.components.buttons", string.Create(CultureInfo.InvariantCulture,
                $"Button {button.Index} ({button.Type}) needs a button component with sub_type {(button.Type == "URL" ? "url" : "copy_code")} and index {button.Index}."));
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
