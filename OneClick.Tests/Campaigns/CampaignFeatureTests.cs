using System.Net;
using System.Text.Json.Nodes;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

/// <summary>Campaigns with the other features: template checks, personalisation, replies and the analytics they leave.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class CampaignFeatureTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_reply_to_a_campaign_message_counts_once_as_replied_and_in_the_campaigns_analytics()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });
        var people = await tenant.ContactsAsync(3);
        var id = (await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id).ToArray() }))["id"]!.GetValue<string>();
        await tenant.WaitForCampaignAsync(id, "completed");
        await tenant.WaitForStatsAsync(id, s => s.L("read") == 3);

        // The first person answers the campaign message (Meta's context.id is its wamid), twice: Meta redelivers.
        var recipient = (await tenant.RecipientsAsync(id)).Single(r => r["contactId"]!.GetValue<string>() == people[0].Id);
        var wamid = recipient["metaMessageId"]!.GetValue<string>();
        var reply = SignedWebhooks.TextMessage(people[0].PhoneNumber.TrimStart('+'), SignedWebhooks.NewWamid(), "Yes please");
        reply["context"] = new JsonObject { ["from"] = "15550100002", ["id"] = wamid };
        var body = SignedWebhooks.Envelope(tenant, [SignedWebhooks.Change(tenant, messages: [reply])]);
        await SignedWebhooks.PostAsync(tenant, body);
        await SignedWebhooks.PostAsync(tenant, body);

        var stats = await tenant.WaitForStatsAsync(id, s => s.L("replied") >= 1);
        await Queues.DrainAsync(env, QueueNames.WebhookEvents); // the duplicate has been processed: it had its chance to double count
        Assert.Equal(1, (await tenant.WaitForStatsAsync(id, _ => true)).L("replied"));
        CampaignTestKit.AssertAccountedFor(stats);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.Async(async () =>
        {
            var summary = (await tenant.Get($"api/analytics/summary?from={today}&to={today}&campaignId={id}")).Json;
            return summary.ToJsonString().Contains("\"replied\":1", StringComparison.Ordinal)
                && summary.ToJsonString().Contains("\"campaign_finished\":1", StringComparison.Ordinal)
                && summary.ToJsonString().Contains("\"campaign_started\":1", StringComparison.Ordinal);
        }, () => "the campaign's replied, started and finished events were not all in its analytics summary");
    }

    [Fact]
    public async Task Placeholders_are_filled_per_recipient_and_a_recipient_missing_a_value_is_skipped_with_the_reason()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(2);
        (await tenant.Send(HttpMethod.Patch, $"api/contacts/{people[0].Id}", System.Net.Http.Json.JsonContent.Create(new { attributes = new Dictionary<string, string> { ["city"] = "Lisbon" } })))
            .AssertStatus(HttpStatusCode.OK);
        foreach (var person in people)
            await tenant.WroteAtAsync(person, DateTimeOffset.UtcNow); // free-form needs an open window

        var id = (await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id).ToArray() },
            new { type = "text", text = new { body = "Rain in {{contact.attributes.city}} today" } }))["id"]!.GetValue<string>();
        await tenant.WaitForCampaignAsync(id, "completed");

        var stats = await tenant.WaitForStatsAsync(id, s => s.L("skipped.byReason.personalisation_missing_value") == 1);
        CampaignTestKit.AssertAccountedFor(stats);
        var sent = await env.SandboxMessagesAsync(tenant);
        var text = Assert.Single(sent)!.ToJsonString();
        Assert.Contains("Rain in Lisbon today", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_campaign_with_a_template_that_does_not_validate_is_refused_with_the_field()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(1);

        var reply = await tenant.Post("api/campaigns", new
        {
            name = "Wrong parameters",
            audience = new { contacts = new[] { people[0].Id } },
            message = new
            {
                type = "template",
                template = new { name = "hello_world", language = "en_US", components = new[] { new { type = "body", parameters = new[] { new { type = "text", text = "x" } } } } },
            },
        });

        reply.AssertValidation("message.template.components.body");
        Assert.Empty((await tenant.Get("api/campaigns")).Json["items"]!.AsArray());
    }
}
