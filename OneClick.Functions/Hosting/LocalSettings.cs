using System.Text.Json.Nodes;

namespace OneClick.Functions.Hosting;

/// <summary>
/// local.settings.json, the file Core Tools reads for `func start`. In standalone mode the app reads the
/// same file itself, so one file configures both ways of running locally.
/// </summary>
public static class LocalSettings
{
    public const string FileName = "local.settings.json";

    public static Dictionary<string, string?> Load()
    {
        var path = new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory }
            .Select(dir => Path.Combine(dir, FileName))
            .FirstOrDefault(File.Exists);
        if (path is null)
            return [];
        var values = JsonNode.Parse(File.ReadAllText(path))?["Values"]?.AsObject() ?? [];
        // App settings use "__" between sections; .NET configuration uses ":".
        return values.ToDictionary(v => v.Key.Replace("__", ":", StringComparison.Ordinal), v => v.Value?.ToString());
    }
}
