using System.Text.Json;
using System.Text.RegularExpressions;

namespace OneClick.Core.Templates;

/// <summary>A template button as the send validation needs it: its position, type and whether its URL takes a variable.</summary>
public sealed record TemplateButton(int Index, string Type, string? Text, bool HasVariable);

/// <summary>One card of a media card carousel: its media header format, body variables and buttons.</summary>
public sealed record TemplateCard(int Index, string? HeaderFormat, IReadOnlyList<string> BodyVariables, IReadOnlyList<TemplateButton> Buttons);

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

    /// <summary>The cards of a CAROUSEL component (empty for other templates).</summary>
    public IReadOnlyList<TemplateCard> Cards { get; init; } = [];

    /// <summary>A LIMITED_TIME_OFFER component's has_expiration; null when the template has none.</summary>
    public bool? OfferHasExpiration { get; init; }

    /// <summary>Reads components tolerantly: whatever Meta returns, unknown parts are skipped.</summary>
    public static TemplateDefinition Parse(string componentsJson, string parameterFormat)
    {
        string? headerFormat = null;
        IReadOnlyList<string> headerVariables = [];
        string? body = null;
        string? footer = null;
        var buttons = new List<TemplateButton>();
        var cards = new List<TemplateCard>();
        bool? offerHasExpiration = null;
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
                    case "BUTTONS":
                        buttons.AddRange(ButtonsOf(component));
                        break;
                    case "LIMITED_TIME_OFFER":
                        offerHasExpiration = component.TryGetProperty("limited_time_offer", out var offer) && offer.ValueKind == JsonValueKind.Object
                            && offer.TryGetProperty("has_expiration", out var expires) && expires.ValueKind == JsonValueKind.True;
                        break;
                    case "CAROUSEL" when component.TryGetProperty("cards", out var list) && list.ValueKind == JsonValueKind.Array:
                        foreach (var card in list.EnumerateArray())
                            cards.Add(CardOf(cards.Count, card));
                        break;
                }
            }
        }

        var format = string.Equals(parameterFormat, Named, StringComparison.OrdinalIgnoreCase) ? Named : Positional;
        return new TemplateDefinition(format, headerFormat, headerVariables, body, Variables(body), footer, buttons)
        {
            Cards = cards,
            OfferHasExpiration = offerHasExpiration,
        };
    }

    private static List<TemplateButton> ButtonsOf(JsonElement component)
    {
        var buttons = new List<TemplateButton>();
        if (!component.TryGetProperty("buttons", out var list) || list.ValueKind != JsonValueKind.Array)
            return buttons;
        foreach (var button in list.EnumerateArray())
        {
            var type = Text(button, "type")?.ToUpperInvariant() ?? "";
            buttons.Add(new TemplateButton(buttons.Count, type, Text(button, "text"), type == "URL" && Variables(Text(button, "url")).Count > 0));
        }
        return buttons;
    }

    private static TemplateCard CardOf(int index, JsonElement card)
    {
        string? header = null;
        IReadOnlyList<string> body = [];
        List<TemplateButton> buttons = [];
        if (card.ValueKind == JsonValueKind.Object && card.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Array)
        {
            foreach (var component in components.EnumerateArray())
            {
                switch (Text(component, "type")?.ToUpperInvariant())
                {
                    case "HEADER":
                        header = Text(component, "format")?.ToUpperInvariant();
                        break;
                    case "BODY":
                        body = Variables(Text(component, "text"));
                        break;
                    case "BUTTONS":
                        buttons = ButtonsOf(component);
                        break;
                }
            }
        }
        return new TemplateCard(index, header, body, buttons);
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
