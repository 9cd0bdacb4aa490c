using System.Text.Json;
using System.Text.RegularExpressions;

namespace OneClick.Core.Templates;

/// <summary>A template button as the send validation needs it: its position, type and whether its URL takes a variable.</summary>
public sealed record TemplateButton(int Index, string Type, string? Text, bool HasVariable);

/// <summary>
/// What a template's components (Meta's shape) require of a send: the header format and variables, the body
/// variables (positional {{1}} or named {{first_name}}, in order of first appearance) and the buttons.
/// </summary>
public sealed partial record TemplateDefinition(
    string ParameterFormat,
    string? HeaderFormat,
    IReadOnlyList<string> HeaderVariables,
    string? BodyText,
    IReadOnlyList<string> BodyVariables,
    string? FooterText,
    IReadOnlyList<TemplateButton> Buttons)
{
    public const string Positional = "POSITIONAL";
    public const string Named = "NAMED";

    public bool IsNamed => ParameterFormat == Named;

    /// <summary>Reads components tolerantly: whatever Meta returns, unknown parts are skipped.</summary>
    public static TemplateDefinition Parse(string componentsJson, string parameterFormat)
    {
        string? headerFormat = null;
        IReadOnlyList<string> headerVariables = [];
        string? body = null;
        string? footer = null;
        var buttons = new List<TemplateButton>();
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(componentsJson) ? "[]" : componentsJson);
        if (document.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var component in document.RootElement.EnumerateArray())
            {
                switch (Text(component, "type")?.ToUpperInvariant())
                {
                    case "HEADER":
                        headerFormat = Text(component, "format")?.ToUpperInvariant() ?? "TEXT";
                        headerVariables = headerFormat == "TEXT" ? Variables(Text(component, "text")) : [];
                        break;
                    case "BODY":
                        body = Text(component, "text");
                        break;
                    case "FOOTER":
                        footer = Text(component, "text");
                        break;
                    case "BUTTONS" when component.TryGetProperty("buttons", out var list) && list.ValueKind == JsonValueKind.Array:
                        foreach (var button in list.EnumerateArray())
                        {
                            var type = Text(button, "type")?.ToUpperInvariant() ?? "";
                            buttons.Add(new TemplateButton(buttons.Count, type, Text(button, "text"), type == "URL" && Variables(Text(button, "url")).Count > 0));
                        }

                        break;
                }
            }
        }

        var format = string.Equals(parameterFormat, Named, StringComparison.OrdinalIgnoreCase) ? Named : Positional;
        return new TemplateDefinition(format, headerFormat, headerVariables, body, Variables(body), footer, buttons);
    }

    public static IReadOnlyList<string> Variables(string? text) =>
        text is null ? [] : [.. VariablePattern().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex VariablePattern();
}
