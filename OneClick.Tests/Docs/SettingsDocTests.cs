using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using OneClick.Core.Configuration;
using OneClick.Functions;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Docs;

/// <summary>
/// docs/settings.md lists every setting the app reads, found here by reflection: the options classes (a public
/// const <c>Section</c> and settable properties), <see cref="SettingNames"/>, and the <c>*Setting</c> constants next
/// to the code that reads them. A setting added to the code without a row, or a row left after its setting went,
/// fails the test, and so does a documented default that is not the option's.
/// </summary>
public sealed partial class SettingsDocTests
{
    // Read by the Functions host or the OpenTelemetry SDK, not by OneClick's code; their rows say "*platform*".
    private static readonly string[] PlatformSettings = ["FUNCTIONS_WORKER_RUNTIME", "AZURE_FUNCTIONS_ENVIRONMENT", "OTEL_TRACES_SAMPLER_ARG"];

    private static readonly Assembly[] AppAssemblies = [typeof(SettingNames).Assembly, typeof(OneClickApp).Assembly];

    [Fact]
    public void Every_setting_the_code_reads_has_a_row()
    {
        var documented = DocumentedSettings().Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var missing = SettingsInCode().Keys.Where(name => !documented.Contains(name)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "docs/settings.md has no row for: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_row_names_a_setting_the_code_reads()
    {
        var inCode = SettingsInCode();
        var unknown = DocumentedSettings()
            .Where(r => !inCode.ContainsKey(r.Name) && !PlatformSettings.Contains(r.Name, StringComparer.Ordinal))
            .Select(r => r.Name).ToList();
        Assert.True(unknown.Count == 0, "docs/settings.md names settings the code does not read: " + string.Join(", ", unknown));
        foreach (var platform in DocumentedSettings().Where(r => PlatformSettings.Contains(r.Name, StringComparer.Ordinal)))
            Assert.Contains("*platform*", platform.Meaning, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_row_is_one_setting_once()
    {
        var rows = DocumentedSettings();
        Assert.NotEmpty(rows);
        var duplicates = rows.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "docs/settings.md lists more than once: " + string.Join(", ", duplicates));
    }

    [Fact]
    public void Option_defaults_are_the_documented_ones()
    {
        var rows = DocumentedSettings().ToDictionary(r => r.Name, StringComparer.Ordinal);
        var wrong = new List<string>();
        foreach (var (name, defaultValue) in SettingsInCode())
        {
            if (defaultValue is null || !rows.TryGetValue(name, out var row))
                continue;
            if (!row.Default.Contains($"`{defaultValue}`", StringComparison.Ordinal))
                wrong.Add($"{name}: the code's default is `{defaultValue}`, the table says {row.Default}");
        }
        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    /// <summary>Setting name (as an app setting) → the option's default as written in the table, or null when not an option.</summary>
    internal static Dictionary<string, string?> SettingsInCode()
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var field in typeof(SettingNames).GetFields(BindingFlags.Public | BindingFlags.Static).Where(IsStringConstant))
            settings.TryAdd((string)field.GetRawConstantValue()!, null);

        foreach (var type in AppAssemblies.SelectMany(a => a.GetTypes()))
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(IsStringConstant))
            {
                if (field.Name.EndsWith("Setting", StringComparison.Ordinal))
                    settings.TryAdd(AsAppSetting((string)field.GetRawConstantValue()!), null);
            }

            if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { } section && IsStringConstant(section)
                && type.GetConstructor(Type.EmptyTypes) is not null)
            {
                var instance = Activator.CreateInstance(type)!;
                var prefix = AsAppSetting((string)section.GetRawConstantValue()!);
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
                    settings[prefix + "__" + property.Name] = Format(property.GetValue(instance));
            }
        }
        return settings;
    }

    internal static List<SettingRow> DocumentedSettings()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "settings.md"));
        var rows = new List<SettingRow>();
        foreach (var line in text.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (!line.StartsWith("| `", StringComparison.Ordinal))
                continue;
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            var names = BacktickedName().Matches(cells[0]);
            Assert.True(names.Count == 1 && names[0].Value.Length == cells[0].Length,
                $"A settings row names exactly one setting in its first cell: {line}");
            Assert.True(cells.Length == 4, $"A settings row has four cells (setting, default, local run / Azure, meaning): {line}");
            rows.Add(new SettingRow(names[0].Groups[1].Value, cells[1], cells[3]));
        }
        return rows;
    }

    private static bool IsStringConstant(FieldInfo field) => field.IsLiteral && field.FieldType == typeof(string);

    private static string AsAppSetting(string configurationKey) => configurationKey.Replace(":", "__", StringComparison.Ordinal);

    private static string? Format(object? value) => value switch
    {
        null => null,
        "" => "\"\"",
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    [GeneratedRegex("`([A-Za-z0-9_]+)`")]
    private static partial Regex BacktickedName();

    internal sealed record SettingRow(string Name, string Default, string Meaning);
}
