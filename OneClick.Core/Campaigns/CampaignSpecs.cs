using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cronos;
using OneClick.Core.Messages;
using OneClick.Core.Validation;

namespace OneClick.Core.Campaigns;

/// <summary>What a client posts to /api/campaigns.</summary>
public sealed record CampaignRequest
{
    public string? Name { get; init; }
    public AudienceSpec? Audience { get; init; }
    /// <summary>The message: the same shape as POST /api/messages (type, text, template, …) without the recipient.</summary>
    public SendMessageRequest? Message { get; init; }
    public ScheduleSpec? Schedule { get; init; }
    /// <summary>Launch at once after creating (otherwise the campaign stays a draft until POST …/launch).</summary>
    public bool Launch { get; init; }
}

/// <summary>Union of lists, tags, contacts and groups, minus the exclusion lists. <see cref="FromCampaign"/> is set by re-targeting.</summary>
public sealed record AudienceSpec
{
    public List<string>? Lists { get; init; }
    public List<string>? Tags { get; init; }
    public List<string>? Contacts { get; init; }
    public List<string>? Groups { get; init; }
    public List<string>? ExcludeLists { get; init; }
    public RecipientsOf? FromCampaign { get; init; }

    public const int MaxItems = 1000;
}

/// <summary>The recipients of one occurrence of a campaign that are in <see cref="Status"/>.</summary>
public sealed record RecipientsOf(string CampaignId, string Occurrence, string Status);

/// <summary>
/// When to send: "now"; "at" a local time in an IANA zone; or "recurring" by a 5-field cron in a zone,
/// until <see cref="EndDate"/> (local date-time in the zone) or <see cref="MaxOccurrences"/>.
/// </summary>
public sealed record ScheduleSpec
{
    public string? Type { get; init; }
    /// <summary>Local time, e.g. 2026-12-01T09:00:00 (an offset is accepted too and then wins over the zone).</summary>
    public string? At { get; init; }
    public string? TimeZone { get; init; }
    public string? Cron { get; init; }
    public string? EndDate { get; init; }
    public int? MaxOccurrences { get; init; }
}

/// <summary>A validated schedule: the occurrences it has from a starting point.</summary>
public sealed class CampaignSchedule
{
    public const int MaxOccurrencesLimit = 10_000;
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(366);

    private CampaignSchedule(string type, DateTimeOffset? at, TimeZoneInfo zone, CronExpression? cron, DateTimeOffset? end, int? max)
    {
        Type = type;
        At = at;
        Zone = zone;
        Cron = cron;
        End = end;
        MaxOccurrences = max;
    }

    public string Type { get; }
    public DateTimeOffset? At { get; }
    public TimeZoneInfo Zone { get; }
    public CronExpression? Cron { get; }
    public DateTimeOffset? End { get; }
    public int? MaxOccurrences { get; }

    public bool IsRecurring => Cron is not null;

    /// <summary>
    /// The occurrences due after <paramref name="after"/> (exclusive), counting from <paramref name="launchedAt"/>
    /// for the maximum number. Cronos computes in the zone, so 09:00 stays 09:00 local across DST changes,
    /// a time skipped by a spring-forward runs once at the shifted instant and a repeated hour runs once.
    /// </summary>
    public IEnumerable<DateTimeOffset> Occurrences(DateTimeOffset launchedAt, DateTimeOffset after)
    {
        switch (Type)
        {
            case "now":
                if (launchedAt > after)
                    yield return launchedAt;
                yield break;
            case "at":
                if (At > after)
                    yield return At.Value;
                yield break;
        }
        var number = 0;
        var cursor = launchedAt;
        while (true)
        {
            var next = Cron!.GetNextOccurrence(cursor, Zone);
            if (next is null || (End is not null && next > End) || (MaxOccurrences is not null && number >= MaxOccurrences))
                yield break;
            number++;
            cursor = next.Value;
            if (next > after)
                yield return next.Value;
        }
    }

    public DateTimeOffset? NextAfter(DateTimeOffset launchedAt, DateTimeOffset after) =>
        Occurrences(launchedAt, after).Select(o => (DateTimeOffset?)o).FirstOrDefault();

    public static CampaignSchedule? Parse(ScheduleSpec? spec, DateTimeOffset now, ValidationErrors errors, bool requireFuture = true)
    {
        ArgumentNullException.ThrowIfNull(errors);
        spec ??= new ScheduleSpec { Type = "now" };
        var zone = TimeZoneInfo.Utc;
        if (spec.TimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(spec.TimeZone, out zone!))
        {
            errors.Add("schedule.timeZone", $"Unknown time zone '{spec.TimeZone}': use an IANA zone such as Europe/Berlin.");
            return null;
        }
        switch (spec.Type)
        {
            case null or "now":
                return new CampaignSchedule("now", null, zone, null, null, null);
            case "at":
                var at = LocalTime(spec.At, zone, "schedule.at", errors);
                if (at is null)
                    return null;
                if (!requireFuture)
                    return new CampaignSchedule("at", at, zone, null, null, null);
                if (at < now - TimeSpan.FromMinutes(1))
                    errors.Add("schedule.at", $"{spec.At} is in the past.");
                else if (at > now + MaxAhead)
                    errors.Add("schedule.at", "At most a year ahead.");
                return errors.Any ? null : new CampaignSchedule("at", at, zone, null, null, null);
            case "recurring":
                CronExpression? cron = null;
                try
                {
                    cron = spec.Cron is null ? null : CronExpression.Parse(spec.Cron, CronFormat.Standard);
                }
                catch (CronFormatException e)
                {
                    errors.Add("schedule.cron", $"Not a valid cron expression: {e.Message}");
                    return null;
                }
                if (cron is null)
                {
                    errors.Add("schedule.cron", "A recurring schedule needs a cron expression (5 fields: minute hour day month weekday).");
                    return null;
                }
                DateTimeOffset? end = spec.EndDate is null ? null : LocalTime(spec.EndDate, zone, "schedule.endDate", errors);
                if (spec.MaxOccurrences is < 1 or > MaxOccurrencesLimit)
                    errors.Add("schedule.maxOccurrences", $"Between 1 and {MaxOccurrencesLimit}.");
                if (end is null && spec.MaxOccurrences is null && !errors.Any)
                    errors.Add("schedule", "A recurring schedule needs an endDate or maxOccurrences.");
                if (errors.Any)
                    return null;
                var schedule = new CampaignSchedule("recurring", null, zone, cron, end, spec.MaxOccurrences);
                if (requireFuture && schedule.NextAfter(now, now) is null)
                    errors.Add("schedule", "This schedule has no occurrence in the future.");
                return errors.Any ? null : schedule;
            default:
                errors.Add("schedule.type", $"Unknown schedule type '{spec.Type}': use now, at or recurring.");
                return null;
        }
    }

    private static DateTimeOffset? LocalTime(string? text, TimeZoneInfo zone, string field, ValidationErrors errors)
    {
        if (text is null)
        {
            errors.Add(field, "A time is required, e.g. 2026-12-01T09:00:00 (local time in schedule.timeZone).");
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset) &&
            (text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > 10))
            return withOffset.ToUniversalTime();
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            errors.Add(field, $"'{text}' is not a date-time: use ISO 8601, e.g. 2026-12-01T09:00:00.");
            return null;
        }
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        // A local time that does not exist (spring-forward gap) is moved forward by the gap, as Cronos does.
        if (zone.IsInvalidTime(local))
            local = local.AddHours(1);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>A stored (once validated) schedule.</summary>
    public static CampaignSchedule Load(string json) =>
        Parse(CampaignJson.Read<ScheduleSpec>(json), DateTimeOffset.MinValue, new ValidationErrors(), requireFuture: false)
        ?? throw new InvalidOperationException("A stored schedule no longer parses.");

    public static string ToJson(ScheduleSpec? spec) => JsonSerializer.Serialize(spec ?? new ScheduleSpec { Type = "now" }, CampaignJson.Options);
}

public static class CampaignJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static T Read<T>(string json) where T : new() => JsonSerializer.Deserialize<T>(json, Options) ?? new T();

    public static JsonNode? Node(string json) => JsonNode.Parse(json);
}
