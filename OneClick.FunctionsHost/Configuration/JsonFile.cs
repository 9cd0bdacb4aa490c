using System.Text.Json;

namespace OneClick.FunctionsHost.Configuration;

/// <summary>Reading the app's JSON files the lenient way the host does (comments, trailing commas, any key case).</summary>
internal static class JsonFile
{
    public static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static JsonElement Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), Lenient);
        return document.RootElement.Clone();
    }

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json, Lenient);
        return document.RootElement.Clone();
    }

    /// <summary>A property by name, ignoring case, or null.</summary>
    public static JsonElement? Get(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return null;
        foreach (var property in element.EnumerateObject())
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                return property.Value;
        return null;
    }

    /// <summary>A property's value as text (strings as they are, numbers and booleans as written), or null.</summary>
    public static string? GetText(this JsonElement element, string name) => element.Get(name) switch
    {
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } value => value.GetRawText(),
        _ => null,
    };
}
