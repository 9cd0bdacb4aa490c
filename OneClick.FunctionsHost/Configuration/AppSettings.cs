using System.Collections;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OneClick.FunctionsHost.Configuration;

/// <summary>
/// The app settings as the host sees them: local.settings.json Values, under the real environment,
/// under the settings given in code.
/// </summary>
internal sealed partial class AppSettings
{
    private readonly Dictionary<string, string> _values;

    /// <summary>The settings that are not already environment variables of this process: what a worker must be given.</summary>
    public IReadOnlyDictionary<string, string> ForWorker { get; }

    private AppSettings(Dictionary<string, string> values, Dictionary<string, string> forWorker)
    {
        _values = values;
        ForWorker = forWorker;
    }

    public static AppSettings Load(string? localSettingsPath, IDictionary<string, string?> fromCode)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var forWorker = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        foreach (var (name, value) in LocalSettingsValues(localSettingsPath))
        {
            values[name] = value;
            if (Environment.GetEnvironmentVariable(name) is null)
                forWorker[name] = value;
        }
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            values[(string)variable.Key] = (string?)variable.Value ?? "";
        foreach (var (name, value) in fromCode)
        {
            if (value is null)
                continue;
            values[name] = value;
            forWorker[name] = value;
        }
        return new AppSettings(values, forWorker);
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    /// <summary>The settings whose names start with <paramref name="prefix"/> (any case), with the prefix removed.</summary>
    public IEnumerable<KeyValuePair<string, string>> StartingWith(string prefix) =>
        _values.Where(v => v.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(v => KeyValuePair.Create(v.Key[prefix.Length..], v.Value));

    /// <summary>Replaces %Name% with the setting's value, as the host resolves binding expressions in names and schedules.</summary>
    public string Resolve(string text) => Placeholder().Replace(text, match =>
        Get(match.Groups[1].Value) ?? throw new InvalidOperationException($"The setting '{match.Groups[1].Value}' (used in '{text}') is not defined."));

    private static IEnumerable<KeyValuePair<string, string>> LocalSettingsValues(string? path)
    {
        if (path is null || !File.Exists(path))
            return [];
        var root = JsonFile.Read(path);
        if (root.Get("IsEncrypted") is { ValueKind: JsonValueKind.True })
            throw new InvalidOperationException($"{path} is encrypted (IsEncrypted: true); the local host reads only plain local.settings.json files.");
        if (root.Get("Values") is not { ValueKind: JsonValueKind.Object } valuesElement)
            return [];
        return valuesElement.EnumerateObject()
            .Select(p => KeyValuePair.Create(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.GetRawText()));
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex Placeholder();
}
