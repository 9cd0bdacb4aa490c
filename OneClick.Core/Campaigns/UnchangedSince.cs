using System.Globalization;

namespace OneClick.Core.Campaigns;

/// <summary>
/// "{count}:{since, UTC ticks}": since when a count has stayed the same, carried from one queue message to the next
/// (the completion watch uses it to notice a stall, dispatch to notice a surplus that does not drain).
/// </summary>
public static class UnchangedSince
{
    /// <summary>When <paramref name="count"/> was first seen, if <paramref name="marker"/> saw the same count; else now.</summary>
    public static DateTimeOffset Since(string? marker, long count, DateTimeOffset now) =>
        marker?.Split(':') is [var seen, var ticks] && seen == count.ToString(CultureInfo.InvariantCulture)
            && long.TryParse(ticks, CultureInfo.InvariantCulture, out var t)
            ? new DateTimeOffset(t, TimeSpan.Zero)
            : now;

    public static string Marker(long count, DateTimeOffset since) =>
        $"{count.ToString(CultureInfo.InvariantCulture)}:{since.UtcTicks.ToString(CultureInfo.InvariantCulture)}";
}
