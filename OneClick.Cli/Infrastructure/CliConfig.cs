using System.Text.Json;

namespace OneClick.Cli.Infrastructure;

/// <summary>
/// The per-user configuration file (~/.config/oneclick/config.json, mode 600 since it holds a key). Options win over
/// the environment (ONECLICK_URL, ONECLICK_API_KEY), which wins over the file. ONECLICK_CONFIG moves the file.
/// </summary>
internal sealed record CliConfig(string? Url, string? Key)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string FilePath =>
        Environment.GetEnvironmentVariable("ONECLICK_CONFIG") is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "oneclick", "config.json");

    public static CliConfig Load()
    {
        if (!File.Exists(FilePath))
            return new CliConfig(null, null);
        return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(FilePath), Json) ?? new CliConfig(null, null);
    }

    public void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(FilePath))!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(FilePath, options))
            JsonSerializer.Serialize(stream, this, Json);
        // UnixCreateMode applies to new files only: tighten one that already existed.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>The URL and key in effect, each with where it came from.</summary>
    public static (Setting Url, Setting Key) Resolve(ApiSettings settings)
    {
        var file = Load();
        return (Pick(settings.Url, "ONECLICK_URL", file.Url), Pick(settings.Key, "ONECLICK_API_KEY", file.Key));
    }

    private static Setting Pick(string? option, string variable, string? fromFile) =>
        !string.IsNullOrWhiteSpace(option) ? new Setting(option, "option")
        : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } env ? new Setting(env, variable)
        : !string.IsNullOrWhiteSpace(fromFile) ? new Setting(fromFile, FilePath)
        : new Setting(null, "not set");

    /// <summary>Shows the start and end of a key only.</summary>
    public static string Mask(string? key) =>
        key is null ? "" : key.Length <= 8 ? new string('*', key.Length) : $"{key[..4]}…{key[^4..]}";
}

internal sealed record Setting(string? Value, string Source);
