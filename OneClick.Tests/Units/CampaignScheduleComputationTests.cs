using OneClick.Core.Campaigns;
using OneClick.Core.Validation;

namespace OneClick.Tests.Units;

/// <summary>Cron occurrences: pure computation over <see cref="CampaignSchedule"/>, no storage.</summary>
[Trait("Category", "Unit")]
public sealed class CampaignScheduleComputationTests
{
    private static readonly DateTimeOffset Launch = new(2026, 3, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_daily_9am_schedule_in_Berlin_stays_at_9_local_across_the_spring_daylight_saving_change()
    {
        var schedule = CampaignSchedule.Parse(new ScheduleSpec { Type = "recurring", Cron = "0 9 * * *", TimeZone = "Europe/Berlin", MaxOccurrences = 5 }, Launch, new ValidationErrors())!;
        var occurrences = schedule.Occurrences(Launch, Launch).ToList();

        // Clocks go forward on Sunday 29 March 2026: 09:00 CET is 08:00 UTC before, 09:00 CEST is 07:00 UTC after.
        Assert.Equal(
        [
            new DateTimeOffset(2026, 3, 26, 8, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 27, 8, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 28, 8, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 29, 7, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 3, 30, 7, 0, 0, TimeSpan.Zero),
        ], occurrences);
        // The maximum counts from the launch, so asking from later does not add any.
        Assert.Equal(occurrences[3..], schedule.Occurrences(Launch, occurrences[2]));
    }

    [Fact]
    public void A_time_skipped_by_spring_forward_runs_once_and_a_repeated_hour_in_autumn_runs_once_and_the_end_date_is_local()
    {
        var start = new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.Zero);
        var spring = CampaignSchedule.Parse(new ScheduleSpec { Type = "recurring", Cron = "30 2 * * *", TimeZone = "Europe/Berlin", EndDate = "2026-03-30T23:00:00" }, start, new ValidationErrors())!;
        var times = spring.Occurrences(start, start).ToList();
        Assert.Equal(3, times.Count); // 28th, 29th (02:30 does not exist: runs once, when the clocks jump, 03:00 CEST = 01:00 UTC), 30th
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), times[1]);

        var autumnStart = new DateTimeOffset(2026, 10, 24, 0, 0, 0, TimeSpan.Zero);
        var autumn = CampaignSchedule.Parse(new ScheduleSpec { Type = "recurring", Cron = "30 2 * * *", TimeZone = "Europe/Berlin", MaxOccurrences = 3 }, autumnStart, new ValidationErrors())!;
        var autumnTimes = autumn.Occurrences(autumnStart, autumnStart).ToList();
        Assert.Equal(3, autumnTimes.Count);
        Assert.Equal(3, autumnTimes.Select(t => t.UtcDateTime.Date).Distinct().Count()); // 25 October's repeated 02:30 runs once

        var at = CampaignSchedule.Parse(new ScheduleSpec { Type = "at", At = "2026-07-01T09:00:00", TimeZone = "America/New_York" }, Launch, new ValidationErrors())!;
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 13, 0, 0, TimeSpan.Zero), at.At);
    }

    [Fact]
    public void Once_and_at_schedules_have_one_occurrence_and_none_once_it_has_passed()
    {
        var now = CampaignSchedule.Parse(new ScheduleSpec { Type = "now" }, Launch, new ValidationErrors())!;
        Assert.Equal([Launch], now.Occurrences(Launch, Launch.AddTicks(-1)));
        Assert.Empty(now.Occurrences(Launch, Launch));

        var at = CampaignSchedule.Parse(new ScheduleSpec { Type = "at", At = "2026-04-01T09:00:00" }, Launch, new ValidationErrors())!;
        var when = new DateTimeOffset(2026, 4, 1, 9, 0, 0, TimeSpan.Zero);
        Assert.Equal(when, at.NextAfter(Launch, Launch));
        Assert.Null(at.NextAfter(Launch, when));
    }

    [Fact]
    public void A_recurring_schedule_without_an_end_or_a_maximum_is_refused()
    {
        var errors = new ValidationErrors();
        Assert.Null(CampaignSchedule.Parse(new ScheduleSpec { Type = "recurring", Cron = "0 9 * * *", TimeZone = "UTC" }, Launch, errors));
        Assert.True(errors.Any);
    }
}
