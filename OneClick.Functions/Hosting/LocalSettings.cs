using System.Text.Json.Nodes;

namespace OneClick.Functions.Hosting;

/// <summary>
/// local.settings.json, the file Core Tools reads for `func start`. In standalone mode the app reads the
/// same file itself (from the working directory or the nearest folder above it), so one file configures
/// both ways of running locally.
/// </summary>
public static class LocalSettings
{
    public const string FileName = "local.settings.json";

    /// <summary>The folder the file was found in; relative local paths in it resolve from here.</summary>
    public static string? Directory { get; private set; }

    public static Dictionary<string, string?> Load()
    {
        var path = Candidates(System.IO.Directory.GetCurrentDirectory()).Append(AppContext.BaseDirectory)
            .Select(dir => Path.Combine(dir, FileName))
            .FirstOrDefault(File.Exists);
        if (path is null)
            return [];
        Directory = Path.GetDirectoryName(path);
        var values = JsonNode.Parse(File.ReadAllText(path))?["Values"]?.AsObject() ?? [];
        // App settings use "__" between sections; .NET configuration uses ":".
        return values.ToDictionary(v => v.Key.Replace("__", ":", StringComparison.Ordinal), v => v.Value?.ToString());
    }

    private static IEnumerable<string> Candidates(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            yield return dir.FullName;
    }
}
