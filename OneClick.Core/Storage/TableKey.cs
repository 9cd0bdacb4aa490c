using System.Text;

namespace OneClick.Core.Storage;

/// <summary>
/// Table Storage forbids '/', '\', '#', '?' and control characters in PartitionKey and RowKey.
/// Ids we do not control (Meta's wamids are base64 and may hold '/') go through <see cref="Escape"/>.
/// </summary>
public static class TableKey
{
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (IsForbidden(c) || c == '%')
                builder.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else
                builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>True when <paramref name="value"/> can be used as a key as it is.</summary>
    public static bool IsValid(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 512 && !value.Any(IsForbidden);

    private static bool IsForbidden(char c) =>
        c is '/' or '\\' or '#' or '?' || char.IsControl(c);

    /// <summary>Fixed-width, sortable text for a point in time (RowKey ranges sort as strings).</summary>
    public static string Sortable(DateTimeOffset time) =>
        time.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
}
