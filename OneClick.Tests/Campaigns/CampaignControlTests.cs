using System.Net;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

[Collection(SharedEnvironment.Name)]
public sealed class CampaignControlTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Pause_stops_new_sends_within_seconds_and_resume_finishes_the_rest_each_exactly_once()
    {
        var tenant = await env.CreateTenantAsync();
        await tenant.SetMessagesPerSecondAsync(20);
        var people = await tenant.ContactsAsync(130); // two batches
        var id = (await tenant.CampaignAsync(new { lists = new[] { await tenant.ListAsync(people) } }))["id"]!.GetValue<string>();

        await SentAtLeastAsync(tenant, 20);
        (await tenant.Post($"api/campaigns/{id}/pause", new { })).AssertStatus(HttpStatusCode.OK);
        var atPause = await SendsSettledAsync(tenant);
        await Task.Delay(2000); // "nothing more is sent" has no positive signal: a paused campaign just stays quiet
        Assert.Equal(atPause, (await env.SandboxMessagesAsync(tenant)).Count);
        Assert.True(atPause < 130, $"Everything was sent before the pause took effect ({atPause}).");
        var paused = (await tenant.Get($"api/campaigns/{id}")).Json;
        Assert.Equal("paused", paused["status"]!.GetValue<string>());
        Assert.True(paused.L("stats.queued") > 0);

        (await tenant.Post($"api/campaigns/{id}/resume", new { })).AssertStatus(HttpStatusCode.OK);
        await tenant.WaitForCampaignAsync(id, "completed", TimeSpan.FromSeconds(60));
        var stats = await tenant.WaitForStatsAsync(id, s => s.L("read") == 130);
        CampaignTestKit.AssertAccountedFor(stats);
        var byRecipient = await env.AcceptedByRecipientAsync(tenant);
        Assert.Equal(130, byRecipient.Count);
        Assert.All(byRecipient.Values, sends => Assert.Single(sends));
    }

    [Fact]
    public async Task Cancel_marks_the_rest_cancelled_and_everyone_stays_accounted_for()
    {
        var tenant = await env.CreateTenantAsync();
        await tenant.SetMessagesPerSecondAsync(4);
        var people = await tenant.ContactsAsync(20);
        var id = (await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id) }))["id"]!.GetValue<string>();
        await SentAtLeastAsync(tenant, 3);

        var cancelled = await tenant.Post($"api/campaigns/{id}/cancel", new { });
        cancelled.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.Json["campaign"]!["status"]!.GetValue<string>());

        var stats = await tenant.WaitForStatsAsync(id, s => s.L("queued") == 0 && s.L("read") + s.L("cancelled") == 20);
        Assert.True(stats.L("cancelled") >= 10, stats.ToJsonString());
        CampaignTestKit.AssertAccountedFor(stats);
        await Task.Delay(1500); // a send claimed before the cancel may still land; the shared queues cannot say it has not
        var byRecipient = await env.AcceptedByRecipientAsync(tenant);
        Assert.Equal(stats.L("read"), byRecipient.Count);
        Assert.All(byRecipient.Values, sends => Assert.Single(sends));
        Assert.Equal(stats.L("cancelled"), (await tenant.RecipientsAsync(id, "cancelled", 50)).Count);
    }

    [Fact]
    public async Task Retarget_makes_a_new_campaign_from_the_recipients_with_a_given_status()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(4);
        // Delivered but never read, except one number Meta refuses.
        await env.SetBehaviourAsync(tenant, new { recipientErrors = new Dictionary<string, int> { [people[0].PhoneNumber] = 131026 }, webhookDelaysMs = new { sent = 20, delivered = 60, read = (int?)null } });
        var first = (await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id) }))["id"]!.GetValue<string>();
        await tenant.WaitForCampaignAsync(first, "completed");
        await tenant.WaitForStatsAsync(first, s => s.L("delivered") == 3);

        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });
        var retarget = await tenant.Post($"api/campaigns/{first}/retarget", new { status = "delivered", name = "Nudge" });
        retarget.AssertStatus(HttpStatusCode.Created);
        var second = retarget.Json["id"]!.GetValue<string>();
        Assert.Equal("draft", retarget.Json["status"]!.GetValue<string>());
        (await tenant.Post($"api/campaigns/{second}/launch", new { })).AssertStatus(HttpStatusCode.OK);
        await tenant.WaitForCampaignAsync(second, "completed");
        var stats = await tenant.WaitForStatsAsync(second, s => s.L("read") == 3);
        Assert.Equal(3, stats.L("targeted"));
        var reminders = (await env.SandboxMessagesAsync(tenant))
            .Where(m => m!["biz_opaque_callback_data"]!.GetValue<string>().StartsWith($"oc2:{second}:", StringComparison.Ordinal)).Select(m => m!["to"]!.GetValue<string>()).Order();
        Assert.Equal(people[1..].Select(p => p.PhoneNumber).Order(), reminders);
    }

    [Fact]
    public async Task Two_campaigns_of_one_tenant_at_once_stay_within_its_messages_per_second_across_concurrent_batches()
    {
        var tenant = await env.CreateTenantAsync();
        await tenant.SetMessagesPerSecondAsync(5);
        await env.SetBehaviourAsync(tenant, new { maxMessagesPerSecond = 5, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });
        var people = await tenant.ContactsAsync(24);
        var started = DateTimeOffset.UtcNow;
        var ids = await Task.WhenAll(
            tenant.CampaignAsync(new { contacts = people[..12].Select(p => p.Id) }),
            tenant.CampaignAsync(new { contacts = people[12..].Select(p => p.Id) }));
        foreach (var campaign in ids)
            await tenant.WaitForCampaignAsync(campaign["id"]!.GetValue<string>(), "completed", TimeSpan.FromSeconds(60));
        var elapsed = DateTimeOffset.UtcNow - started;

        // Paced across both campaigns' concurrent batches: two uncoordinated campaigns would run at twice the rate.
        // Sends leave on their slots; a loaded machine can still delay a few onto the next ones, and Meta's 130429 for
        // such a bunch is retried, so the assertions allow a second of jitter, not a doubled rate (8 sends a second would put eleven within 1.25 s).
        var accepted = await env.SandboxMessagesAsync(tenant);
        Assert.Equal(24, accepted.Select(m => m!["to"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(24, accepted.Count);
        Assert.True(elapsed >= TimeSpan.FromSeconds(3.5), $"24 sends at 5/s took only {elapsed}.");
        var times = accepted.Select(m => m!["acceptedAt"]!.GetValue<DateTimeOffset>()).Order().ToList();
        for (var i = 10; i < times.Count; i++)
            Assert.True(times[i] - times[i - 10] >= TimeSpan.FromMilliseconds(1500), $"Eleven sends within {times[i] - times[i - 10]}: two campaigns at once were not paced together.");
    }

    /// <summary>
    /// The sandbox's count once it has stood still for 1.5 s (at 20/s, sends come 50 ms apart). Sends claimed before a
    /// pause still land, up to a second's worth after the batch last looked at the campaign, and no signal says the
    /// last one has (the queues are shared with other tests): a fixed 2.5 s wait was too short on a busy machine. A
    /// pause that did not work keeps sending, which the assertions after this catch.
    /// </summary>
    private async Task<int> SendsSettledAsync(TestTenant tenant)
    {
        var (count, since) = (-1, System.Diagnostics.Stopwatch.StartNew());
        return await Eventually.Async(async () =>
        {
            var now = (await env.SandboxMessagesAsync(tenant)).Count;
            if (now != count)
                (count, since) = (now, System.Diagnostics.Stopwatch.StartNew());
            return since.Elapsed >= TimeSpan.FromSeconds(1.5) ? count : -1;
        }, settled => settled >= 0, "the sends to stand still after the pause", timeout: TimeSpan.FromSeconds(20), poll: TimeSpan.FromMilliseconds(100));
    }

    private async Task SentAtLeastAsync(TestTenant tenant, int count) =>
        await Eventually.Async(async () => (await env.SandboxMessagesAsync(tenant)).Count, sent => sent >= count, $"{count} sends at the sandbox", poll: TimeSpan.FromMilliseconds(50));
}
