using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OneClick.Core.Contacts;

namespace OneClick.Core.Messages.Content;

/// <summary>The outcome for one recipient: the content to send, or why this recipient must be skipped.</summary>
/// <param name="Content">The personalised content (a copy; the input is never changed), null when skipped.</param>
/// <param name="SkipReason">"personalisation_missing_value" or "personalisation_invalid", null when resolved.</param>
/// <param name="Problems">Field → what is wrong, e.g. "text.body" → "contact.attributes.city has no value and no default".</param>
public sealed record PersonalizationResult(JsonNode? Content, string? SkipReason, IReadOnlyDictionary<string, string> Problems)
{
    public bool Resolved => SkipReason is null;

    /// <summary>One line for a skip detail.</summary>
    public string Detail => string.Join("; ", Problems.Select(p => $"{p.Key}: {p.Value}"));
}

/// <summary>
/// Fills contact placeholders in a message's texts, per recipient, at submit time:
/// <c>{{contact.name}}</c>, <c>{{contact.phone}}</c> (E.164) and <c>{{contact.attributes.KEY}}</c>, each optionally
/// with a default: <c>{{contact.attributes.city | default: "there"}}</c> (double or single quotes). Placeholders are
/// resolved in text bodies, media captions, the interactive body and template text and payload parameters; Meta's own
/// template variables ({{1}}, {{first_name}}) are not touched. An empty value counts as missing. A missing value
/// without a default makes a single send a 400 and a campaign recipient a skip.
/// </summary>
public static partial class Personalizer
{
    public const string MissingValue = "personalisation_missing_value";
    public const string Invalid = "personalisation_invalid";

    /// <summary>True when <paramref name="text"/> has at least one contact placeholder.</summary>
    public static bool HasPlaceholders(string? text) => text is not null && AnyContactPlaceholder().IsMatch(text);

    /// <summary>
    /// Resolves the content of a message of <paramref name="type"/> (the object that goes next to "type" in Meta's
    /// payload) for <paramref name="contact"/>. Campaign engines call this once per recipient.
    /// </summary>
    public static PersonalizationResult Resolve(string type, JsonNode? content, ContactEntity contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (content is null)
            return new PersonalizationResult(null, null, new Dictionary<string, string>());
        var copy = content.DeepClone();
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = false;
        var attributes = JsonSerializer.Deserialize<Dictionary<string, string>>(string.IsNullOrEmpty(contact.AttributesJson) ? "{}" : contact.AttributesJson) ?? [];

        void Fill(JsonObject? owner, string member, string field, int? maxLength, bool singleLine)
        {
            if (owner?[member] is not JsonValue value || !value.TryGetValue<string>(out var text) || !HasPlaceholders(text))
                return;
            var fieldProblems = new List<string>();
            var resolved = Placeholder().Replace(text, match =>
            {
                var name = match.Groups["field"].Value;
                var fallback = match.Groups["dq"].Success ? match.Groups["dq"].Value : match.Groups["sq"].Success ? match.Groups["sq"].Value : null;
                string? found;
                if (name == "name")
                    found = contact.Name;
                else if (name is "phone" or "phoneNumber")
                    found = contact.PhoneNumber;
                else if (name.StartsWith("attributes.", StringComparison.Ordinal))
                    found = attributes.GetValueOrDefault(name["attributes.".Length..]);
                else
                {
                    fieldProblems.Add($"contact.{name} is not a contact field: use contact.name, contact.phone or contact.attributes.KEY.");
                    return match.Value;
                }
                if (!string.IsNullOrEmpty(found))
                    return found;
                if (fallback is not null)
                    return fallback;
                missing = true;
                fieldProblems.Add($"contact.{name} has no value for this contact and the placeholder has no default (add | default: \"...\").");
                return match.Value;
            });
            if (fieldProblems.Count == 0 && AnyContactPlaceholder().IsMatch(resolved))
                fieldProblems.Add("A contact placeholder is malformed: write {{contact.name}} or {{contact.attributes.city | default: \"there\"}}.");
            if (fieldProblems.Count == 0 && maxLength is int max && resolved.Length > max)
                fieldProblems.Add($"Personalised, this text has {resolved.Length} characters; at most {max}.");
            if (fieldProblems.Count == 0 && singleLine && (resolved.Contains('\n', StringComparison.Ordinal) || resolved.Contains('\t', StringComparison.Ordinal) || resolved.Contains("     ", StringComparison.Ordinal)))
                fieldProblems.Add("Personalised, this template parameter has a new line, a tab or more than 4 spaces in a row, which Meta refuses.");
            if (fieldProblems.Count > 0)
                problems[field] = string.Join(" ", fieldProblems);
            else
                owner[member] = resolved;
        }

        switch (type)
        {
            case "text":
                Fill(copy as JsonObject, "body", "text.body", MessageContent.MaxTextLength, false);
                break;
            case "image" or "video" or "document":
                Fill(copy as JsonObject, "caption", $"{type}.caption", MessageContent.MaxCaptionLength, false);
                break;
            case "interactive":
                Fill(copy["body"] as JsonObject, "text", "interactive.body.text", 4096, false);
                break;
            case "template" when copy["components"] is JsonArray components:
                for (var c = 0; c < components.Count; c++)
                {
                    if (components[c]?["parameters"] is not JsonArray parameters)
                        continue;
                    var isBody = (components[c] as JsonObject)?["type"]?.GetValue<string>() == "body";
                    for (var p = 0; p < parameters.Count; p++)
                    {
                        var parameter = parameters[p] as JsonObject;
                        var path = $"template.components[{c}].parameters[{p}]";
                        Fill(parameter, "text", path + ".text", 1024, isBody);
                        Fill(parameter, "payload", path + ".payload", 1024, false);
                    }
                }
                break;
        }

        if (problems.Count == 0)
            return new PersonalizationResult(copy, null, problems);
        return new PersonalizationResult(null, missing ? MissingValue : Invalid, problems);
    }

    [GeneratedRegex(@"\{\{\s*contact\.(?<field>[A-Za-z0-9_.\-]+)\s*(\|\s*default\s*:\s*(""(?<dq>[^""]*)""|'(?<sq>[^']*)'))?\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\{\{\s*contact\.")]
    private static partial Regex AnyContactPlaceholder();
}
