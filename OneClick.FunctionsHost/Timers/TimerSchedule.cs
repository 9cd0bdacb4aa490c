using System.Globalization;
using Cronos;

namespace OneClick.FunctionsHost.Timers;

/// <summary>A timer trigger's schedule: a 6-field NCRONTAB expression (with seconds), or a TimeSpan interval, in local time as the host uses.</summary>
internal sealed class TimerSchedule
{
    private readonly CronExpression? _cron;
    private readonly TimeSpan? _interval;

    private TimerSchedule(string text, CronExpression? cron, TimeSpan? interval)
    {
        Text = text;
        _cron = cron;
        _interval = interval;
    }

    public string Text { get; }

    public static TimerSchedule Parse(string text)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields == 1 && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
            return new TimerSchedule(text, null, interval);
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            return new TimerSchedule(text, CronExpression.Parse(text, format), null);
        }
        catch (CronFormatException exception)
        {
            throw new InvalidOperationException($"'{text}' is not a valid timer schedule (NCRONTAB with seconds, e.g. '0 */5 * * * *', or a TimeSpan).", exception);
        }
    }

    /// <summary>The first occurrence after <paramref name="after"/>.</summary>
    public DateTimeOffset Next(DateTimeOffset after) => _interval is { } interval
        ? after + interval
        : _cron!.GetNextOccurrence(after, TimeZoneInfo.Local) ?? DateTimeOffset.MaxValue;
}
