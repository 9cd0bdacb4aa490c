using System.Text.RegularExpressions;

namespace OneClick.MetaSandbox.Templates;

/// <summary>
/// A message template as the sandbox needs it to validate sends: identity, status, category and the texts whose
/// variables ({{1}} or {{name}}) decide how many parameters a send must carry. Templates created through the
/// management API also keep the components exactly as posted (<see cref="ComponentsJson"/>), which the list
/// and node endpoints return.
/// </summary>
internal sealed partial record MessageTemplate(
    string Id,
    string Name,
    string Language,
    string Category,
    string Status,
    string ParameterFormat,
    TemplateHeader? Header,
    string BodyText,
    string? FooterText = null,
    string? ComponentsJson = null,
    string QualityScore = "UNKNOWN",
    string? RejectedReason = null)
{
    public const string Positional = "POSITIONAL";
    public const string Named = "NAMED";

    /// <summary>The variables in the body, in order of first appearance, without duplicates.</summary>
    public IReadOnlyList<string> BodyVariables => Variables(BodyText);

    public IReadOnlyList<string> HeaderVariables =>
        Header is { Format: "TEXT", Text: { } text } ? Variables(text) : [];

    private static string[] Variables(string text) =>
        [.. VariablePattern().Matches(text).Select(match => match.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex VariablePattern();
}

/// <summary>Header format is TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION; Text only for TEXT headers.</summary>
internal sealed record TemplateHeader(string Format, string? Text = null);
