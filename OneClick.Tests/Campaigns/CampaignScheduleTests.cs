using System.Net;
using System.Net.Http.Json;
using OneClick.Core.Campaigns;
using OneClick.Core.Scheduling;
using OneClick.Core.Storage;
using OneClick.Core.Validation;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

[Collection(SharedEnvironment.Name)]
public sealed class CampaignScheduleTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_scheduled_campaign_waits_then_goes_out_exactly_once_even_with_overlapping_timer_runs_and_lists_in_api_schedules()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(5);
        var at = DateTimeOffset.UtcNow.AddSeconds(3);
        var created = await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id) },
            schedule: new { type = "at", at = at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture), timeZone = "UTC" });
        var id = created["id"]!.GetValue<string>();
        Assert.Equal("scheduled", created["status"]!.GetValue<string>());

        var pending = (await tenant.Get("api/schedules")).Json["items"]!.AsArray();
        var item = Assert.Single(pending);
        Assert.Equal("campaign", item!["kind"]!.GetValue<string>());
        Assert.Equal(id, item["campaignId"]!.GetValue<string>());
        var occurrences = (await tenant.Get($"api/campaigns/{id}/occurrences")).Json;
        Assert.Single(occurrences["upcoming"]!.AsArray());

        await env.RunDueSchedulesAsync(); // not due yet
        Assert.Equal("scheduled", (await tenant.Get($"api/campaigns/{id}")).Json["status"]!.GetValue<string>());
        await Task.Delay(at - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500)); // the scenario's clock: until it is due
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => env.RunDueSchedulesAsync()));

        await tenant.WaitForCampaignAsync(id, "completed");
        var byRecipient = await env.AcceptedByRecipientAsync(tenant);
        Assert.Equal(5, byRecipient.Count);
        Assert.All(byRecipient.Values, sends => Assert.Single(sends));
        var past = (await tenant.Get($"api/campaigns/{id}/occurrences")).Json["past"]!.AsArray();
        Assert.Equal("completed", Assert.Single(past)!["status"]!.GetValue<string>());
        Assert.Empty((await tenant.Get("api/schedules")).Json["items"]!.AsArray());
    }

    [Fact]
    public async Task A_recurring_campaign_lists_its_upcoming_occurrences_in_its_zone_and_cancelling_its_schedule_cancels_it()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(1);
        var created = await tenant.CampaignAsync(new { contacts = new[] { people[0].Id } },
            schedule: new { type = "recurring", cron = "0 9 * * MON", timeZone = "Europe/Berlin", maxOccurrences = 4 });
        var id = created["id"]!.GetValue<string>();
        var upcoming = (await tenant.Get($"api/campaigns/{id}/occurrences?upcoming=10")).Json["upcoming"]!.AsArray();
        Assert.Equal(4, upcoming.Count);
        Assert.All(upcoming, o =>
        {
            var local = TimeZoneInfo.ConvertTime(o!["dueAt"]!.GetValue<DateTimeOffset>(), TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
            Assert.Equal((DayOfWeek.Monday, 9, 0), (local.DayOfWeek, local.Hour, local.Minute));
        });

        var schedule = Assert.Single((await tenant.Get("api/schedules")).Json["items"]!.AsArray());
        (await tenant.Send(HttpMethod.Delete, $"api/schedules/{schedule!["id"]!.GetValue<string>()}", null)).AssertStatus(HttpStatusCode.NoContent);
        Assert.Equal("cancelled", (await tenant.Get($"api/campaigns/{id}")).Json["status"]!.GetValue<string>());
        Assert.Empty((await tenant.Get("api/schedules")).Json["items"]!.AsArray());
    }

    [Fact]
    public async Task An_occurrence_found_later_than_the_maximum_lateness_is_recorded_as_missed_not_sent_and_the_next_one_is_scheduled()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(1);
        var created = await tenant.CampaignAsync(new { contacts = new[] { people[0].Id } },
            schedule: new { type = "recurring", cron = "0 9 * * *", timeZone = "Asia/Tokyo", maxOccurrences = 30 });
        var id = created["id"]!.GetValue<string>();
        // As after a long downtime: a row for an occurrence two hours ago (beyond the default one-hour lateness).
        var schedules = new DueScheduleStore(env.Storage);
        var due = DateTimeOffset.UtcNow.AddHours(-2);
        await schedules.AddAsync(due, tenant.Id, "", "test", CancellationToken.None, id);

        await env.RunDueSchedulesAsync();

        var past = (await tenant.Get($"api/campaigns/{id}/occurrences")).Json["past"]!.AsArray();
        Assert.Equal("missed", Assert.Single(past)!["status"]!.GetValue<string>());
        Assert.Empty(await env.SandboxMessagesAsync(tenant));
        var campaign = (await tenant.Get($"api/campaigns/{id}")).Json;
        Assert.Contains("missed", campaign["statusReason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(campaign["nextDueAt"]);
        (await tenant.Post($"api/campaigns/{id}/cancel", new { })).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Scheduled_single_messages_are_listed_and_cancelled_through_api_schedules()
    {
        var tenant = await env.CreateTenantAsync();
        var messageId = await tenant.SendMessageAsync(new { to = CampaignTestKit.NewPhone(), type = "text", text = new { body = "later" }, scheduleFor = DateTimeOffset.UtcNow.AddDays(1).ToString("O") });
        var item = Assert.Single((await tenant.Get("api/schedules")).Json["items"]!.AsArray());
        Assert.Equal(messageId, item!["messageId"]!.GetValue<string>());
        (await tenant.Send(HttpMethod.Delete, $"api/schedules/{item["id"]!.GetValue<string>()}", null)).AssertStatus(HttpStatusCode.NoContent);
        Assert.Equal("cancelled", (await tenant.GetJsonAsync($"api/messages/{messageId}"))["status"]!.GetValue<string>());
        Assert.Empty((await tenant.Get("api/schedules")).Json["items"]!.AsArray());
    }

}
