using System.Net;
using OneClick.Tests.BadInput;

namespace OneClick.Tests.Campaigns;

/// <summary>
/// Never twice, never lost: the send path dies at each step in turn (the invocation fails where a crash would
/// stop it; the queue delivers the work again). At completion every recipient is accounted for and no recipient
/// has two Meta message ids.
/// </summary>
[Collection(CampaignFaultsShared.Name)]
public sealed class CampaignFaultTests(CampaignFaultEnvironment env)
{
    [Theory]
    [InlineData("dispatch.inserted", "read")]
    [InlineData("send.claimed", "unknown")]
    [InlineData("send.called", "read")]
    [InlineData("send.recorded", "read")]
    public async Task A_crash_at_each_step_neither_loses_nor_duplicates_a_recipient(string point, string expectedFinal)
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(12);
        await tenant.OptOutAsync(people[3]);
        env.Faults.Arm(point, campaignId: null);
        var id = (await tenant.CampaignAsync(new { lists = new[] { await tenant.ListAsync(people) } }))["id"]!.GetValue<string>();

        await tenant.WaitForCampaignAsync(id, "completed", TimeSpan.FromSeconds(60));
        Assert.Equal(1, env.Faults.Fired);
        // The crash hits one send batch (the 11 are spread over the occurrence's shards, a batch per shard): its
        // recipients end as expectedFinal, the other batches' as read.
        var stats = await tenant.WaitForStatsAsync(id, s => s.L(expectedFinal) > 0 && s.L(expectedFinal) + (expectedFinal == "read" ? 0 : s.L("read")) == 11, TimeSpan.FromSeconds(30));
        Assert.Equal(12, stats.L("targeted"));
        Assert.Equal(1, stats.L("skipped.total"));
        CampaignTestKit.AssertAccountedFor(stats);

        var byRecipient = await env.AcceptedByRecipientAsync(tenant);
        Assert.All(byRecipient.Values, sends => Assert.Single(sends));
        Assert.Equal(stats.L("read"), byRecipient.Count);
        // Every Meta id a recipient holds is the one message Meta accepted for that number.
        var recipients = await tenant.RecipientsAsync(id, pageSize: 50);
        foreach (var r in recipients.Where(r => r["metaMessageId"] is not null))
            Assert.Equal(byRecipient[r["to"]!.GetValue<string>()][0]["id"]!.GetValue<string>(), r["metaMessageId"]!.GetValue<string>());
        Assert.All(recipients.Where(r => r["status"]!.GetValue<string>() != "skipped"), r => Assert.Contains(r["status"]!.GetValue<string>(), new[] { expectedFinal, "read" }));
    }

    [Fact]
    public async Task Retry_failed_resends_only_retryable_failures_and_not_a_per_user_marketing_limit_within_24_hours()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(4);
        await env.SetBehaviourAsync(tenant, new
        {
            recipientErrors = new Dictionary<string, int> { [people[0].PhoneNumber] = 131000, [people[1].PhoneNumber] = 131026, [people[2].PhoneNumber] = 131049 },
            webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 },
        });
        var id = (await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id) }))["id"]!.GetValue<string>();
        await tenant.WaitForCampaignAsync(id, "completed", TimeSpan.FromSeconds(60));
        var failed = await tenant.WaitForStatsAsync(id, s => s.L("read") == 1);
        Assert.Equal(1, failed.L("failed.byCode.131000")); // retryable, but out of attempts (two here)
        Assert.Equal(1, failed.L("failed.byCode.131026"));
        Assert.Equal(1, failed.L("failed.byCode.131049")); // Meta: retry that user after 24 hours at the earliest

        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });
        var retried = await tenant.Post($"api/campaigns/{id}/retry-failed", new { });
        retried.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(1, retried.Json.L("affected"));

        await tenant.WaitForCampaignAsync(id, "completed");
        var stats = await tenant.WaitForStatsAsync(id, s => s.L("read") == 2);
        Assert.Equal(1, stats.L("failed.byCode.131026"));
        Assert.Equal(0, stats.L("failed.byCode.131000"));
        Assert.Equal(1, stats.L("failed.byCode.131049"));
        CampaignTestKit.AssertAccountedFor(stats);
        var byRecipient = await env.AcceptedByRecipientAsync(tenant);
        Assert.Single(byRecipient[people[0].PhoneNumber]);
        Assert.False(byRecipient.ContainsKey(people[1].PhoneNumber));
        Assert.False(byRecipient.ContainsKey(people[2].PhoneNumber));
    }
}
