using OneClick.Tests.BadInput;
using OneClick.Tests.Campaigns;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Messages;

/// <summary>A transient code in a failed status webhook is retried like a synchronous one: a new send of the same message.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class TransientFailureTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_transient_failure_in_a_status_webhook_is_sent_again_once_and_then_delivered()
    {
        var tenant = await env.CreateTenantAsync();
        var to = CampaignTestKit.NewPhone();
        // The first send is accepted, then Meta reports it failed with 131000 (something went wrong); the second goes through.
        await env.SetBehaviourAsync(tenant, new
        {
            asyncFailuresOnce = new Dictionary<string, int> { [to] = 131000 },
            webhookDelaysMs = new { sent = 20, delivered = 150, read = (int?)null },
        });

        var id = await tenant.SendMessageAsync(new { to, type = "text", text = new { body = "Your order has shipped" } });
        var message = await tenant.WaitForStatusAsync(id, "delivered", TimeSpan.FromSeconds(60));

        Assert.Equal(2, message["attempts"]!.GetValue<int>());
        var steps = message["history"]!.AsArray().Select(h => h!["status"]!.GetValue<string>()).ToList();
        Assert.Contains("failed", steps);
        Assert.True(steps.LastIndexOf("failed") < steps.LastIndexOf("accepted"), string.Join(", ", steps));
        Assert.Contains(message["history"]!.AsArray(), h => h!["detail"]?.GetValue<string>()?.Contains("131000", StringComparison.Ordinal) == true);
        Assert.Null(message["error"]);
        var sends = await env.SandboxMessagesAsync(tenant);
        Assert.Equal(2, sends.Count);
        Assert.NotEqual(sends[0]!["id"]?.ToString(), sends[1]!["id"]?.ToString());
        Assert.Equal(sends.Last()!["id"]?.ToString() ?? message["metaMessageId"]!.GetValue<string>(), message["metaMessageId"]!.GetValue<string>());

        // The failed send's statuses arriving again change nothing, and no third send is made: once every webhook is
        // applied, a resend would show on the message (it goes back to queued before it is sent again).
        await Queues.WebhooksSettledAsync(env);
        Assert.Equal(2, (await env.SandboxMessagesAsync(tenant)).Count);
        var settled = await tenant.GetJsonAsync($"api/messages/{id}");
        Assert.Equal("delivered", settled["status"]!.GetValue<string>());
        Assert.Equal(2, settled["attempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_campaign_recipient_whose_send_fails_transiently_in_a_status_webhook_is_sent_again_and_read()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(3);
        await env.SetBehaviourAsync(tenant, new
        {
            asyncFailuresOnce = new Dictionary<string, int> { [people[1].PhoneNumber] = 131000 },
            webhookDelaysMs = new { sent = 20, delivered = 150, read = 300 },
        });
        var id = (await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id) }))["id"]!.GetValue<string>();

        var stats = await tenant.WaitForStatsAsync(id, s => s.L("read") == 3, TimeSpan.FromSeconds(60));
        await tenant.WaitForCampaignAsync(id, "completed");
        Assert.Equal(0, stats.L("failed.total"));
        CampaignTestKit.AssertAccountedFor(stats);
        var byRecipient = await env.AcceptedByRecipientAsync(tenant);
        Assert.Equal(2, byRecipient[people[1].PhoneNumber].Count);
        Assert.Single(byRecipient[people[0].PhoneNumber]);
        Assert.Single(byRecipient[people[2].PhoneNumber]);
        var retried = Assert.Single(await tenant.RecipientsAsync(id), r => r["contactId"]?.GetValue<string>() == people[1].Id);
        Assert.Equal("read", retried["status"]!.GetValue<string>());

        // The failed send's statuses arriving again change nothing: once every webhook is applied, a resend would show
        // in the stats (the recipient goes back to queued before it is sent again).
        await Queues.WebhooksSettledAsync(env);
        Assert.Equal(4, (await env.SandboxMessagesAsync(tenant)).Count);
        var settled = (await tenant.Get($"api/campaigns/{id}/stats")).Json;
        Assert.Equal(3, settled.L("read"));
        Assert.Equal(0, settled.L("queued"));
    }

    [Fact]
    public async Task A_permanent_failure_in_a_status_webhook_is_not_sent_again()
    {
        var tenant = await env.CreateTenantAsync();
        var to = CampaignTestKit.NewPhone();
        await env.SetBehaviourAsync(tenant, new { asyncFailures = new Dictionary<string, int> { [to] = 131026 }, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });

        var id = await tenant.SendMessageAsync(new { to, type = "text", text = new { body = "Hi" } });
        var message = await tenant.WaitForStatusAsync(id, "failed");
        Assert.Equal(131026, message["error"]!["code"]!.GetValue<int>());
        await Queues.WebhooksSettledAsync(env); // every status applied: a resend would have put the message back to queued
        Assert.Single(await env.SandboxMessagesAsync(tenant));
        Assert.Equal("failed", (await tenant.GetJsonAsync($"api/messages/{id}"))["status"]!.GetValue<string>());
    }
}
