using System.Net;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Campaigns;

/// <summary>A send-now campaign through the whole chain: API → dispatch queue → send batches → sandbox → signed webhooks → stats.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class CampaignEndToEndTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_campaign_reaches_the_union_of_lists_tags_and_contacts_minus_exclusions_and_opt_outs_once_each_with_exact_stats_despite_duplicate_and_out_of_order_webhooks()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { duplicateWebhooks = true, outOfOrder = true, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });
        var people = await tenant.ContactsAsync(14);
        var listA = await tenant.ListAsync(people[..6]);                 // 0-5
        await tenant.TagAsync("vip", people[4..9]);                      // 4-8 (4 and 5 also in the list)
        var excluded = await tenant.ListAsync([people[8], people[12]]);  // 8 excluded; 12 is not in the audience anyway
        await tenant.OptOutAsync(people[1]);
        var explicitContacts = new[] { people[9].Id, people[10].Id, people[0].Id }; // 0 again: deduplicated

        var created = await tenant.CampaignAsync(new { lists = new[] { listA }, tags = new[] { "VIP" }, contacts = explicitContacts, excludeLists = new[] { excluded } });
        var id = created["id"]!.GetValue<string>();

        await tenant.WaitForCampaignAsync(id, "completed");
        // Targeted: 0-7, 9, 10 = 10 recipients; 1 opted out → skipped; 9 reach Meta and are read.
        var stats = await tenant.WaitForStatsAsync(id, s => s.L("read") == 9);
        Assert.Equal(10, stats.L("targeted"));
        Assert.Equal(1, stats.L("skipped.byReason.opted_out"));
        Assert.Equal(9, stats.L("reached"));
        Assert.Equal(9, stats.L("deliveredOrRead"));
        Assert.Equal(0, stats.L("delivered"));
        Assert.Equal(0, stats.L("sent"));
        CampaignTestKit.AssertAccountedFor(stats);

        var byRecipient = await env.AcceptedByRecipientAsync(tenant);
        Assert.Equal(9, byRecipient.Count);
        Assert.All(byRecipient.Values, sends => Assert.Single(sends));
        var expected = new[] { 0, 2, 3, 4, 5, 6, 7, 9, 10 }.Select(i => people[i].PhoneNumber).Order();
        Assert.Equal(expected, byRecipient.Keys.Order());
        var callback = byRecipient[people[0].PhoneNumber][0]["biz_opaque_callback_data"]!.GetValue<string>();
        Assert.Equal($"oc2:{id}:{created["latestOccurrence"]!.GetValue<string>()}:{people[0].Id}", callback);
        Assert.Equal("hello_world", byRecipient[people[0].PhoneNumber][0]["body"]!["template"]!["name"]!.GetValue<string>());

        // Per-recipient results, paged and filtered.
        var all = await tenant.RecipientsAsync(id);
        Assert.Equal(10, all.Count);
        var read = await tenant.RecipientsAsync(id, "read", pageSize: 4);
        Assert.Equal(9, read.Count);
        Assert.All(read, r => Assert.StartsWith("wamid.", r["metaMessageId"]!.GetValue<string>(), StringComparison.Ordinal));
        var skipped = Assert.Single(await tenant.RecipientsAsync(id, "skipped"));
        Assert.Equal(people[1].Id, skipped["contactId"]!.GetValue<string>());
        Assert.Equal("opted_out", skipped["skipReason"]!.GetValue<string>());

        // A webhook replayed long after changes nothing.
        var again = (await tenant.Get($"api/campaigns/{id}/stats")).Json;
        Assert.Equal(stats.ToJsonString(), again.ToJsonString());
    }

    [Fact]
    public async Task The_csv_export_streams_every_recipient_with_its_status_and_filters_by_status()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { recipientErrors = new Dictionary<string, int> { ["placeholder"] = 131026 }, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });
        var people = await tenant.ContactsAsync(5);
        await env.SetBehaviourAsync(tenant, new { recipientErrors = new Dictionary<string, int> { [people[2].PhoneNumber] = 131026 }, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });
        var id = (await tenant.CampaignAsync(new { contacts = people.Select(p => p.Id) }))["id"]!.GetValue<string>();
        await tenant.WaitForCampaignAsync(id, "completed");
        var stats = await tenant.WaitForStatsAsync(id, s => s.L("read") == 4);
        Assert.Equal(1, stats.L("failed.byCode.131026"));

        using var response = await tenant.GetAsync($"api/campaigns/{id}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("recipient,contact_id,to,", lines[0], StringComparison.Ordinal);
        Assert.Equal(6, lines.Length);
        var failedLine = Assert.Single(lines, l => l.Contains(",failed,", StringComparison.Ordinal));
        Assert.Contains(people[2].Id, failedLine, StringComparison.Ordinal);
        Assert.Contains("131026", failedLine, StringComparison.Ordinal);

        using var onlyFailed = await tenant.GetAsync($"api/campaigns/{id}/export?status=failed");
        Assert.Equal(2, (await onlyFailed.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task A_free_form_campaign_says_up_front_how_many_are_outside_the_24_hour_window_and_skips_them_with_that_reason()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(4);
        await tenant.WroteAtAsync(people[0], DateTimeOffset.UtcNow.AddHours(-2));
        await tenant.WroteAtAsync(people[1], DateTimeOffset.UtcNow.AddHours(-30));
        await tenant.OptOutAsync(people[3]);
        var list = await tenant.ListAsync(people);
        var text = new { type = "text", text = new { body = "Your order is ready" } };

        var preview = await tenant.Post("api/campaigns/preview", new { audience = new { lists = new[] { list } }, message = text });
        preview.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(1, preview.Json.L("recipients"));
        Assert.Equal(2, preview.Json.L("outsideWindow"));
        Assert.Equal(1, preview.Json.L("optedOut"));

        var id = (await tenant.CampaignAsync(new { lists = new[] { list } }, text))["id"]!.GetValue<string>();
        await tenant.WaitForCampaignAsync(id, "completed");
        var stats = await tenant.WaitForStatsAsync(id, s => s.L("read") == 1);
        Assert.Equal(2, stats.L("skipped.byReason.outside_window"));
        Assert.Equal(1, stats.L("skipped.byReason.opted_out"));
        CampaignTestKit.AssertAccountedFor(stats);
        Assert.Equal([people[0].PhoneNumber], (await env.AcceptedByRecipientAsync(tenant)).Keys);
    }

    [Fact]
    public async Task Group_recipients_are_sent_as_group_messages()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(1);
        var id = (await tenant.CampaignAsync(new { contacts = new[] { people[0].Id }, groups = new[] { "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM0MjdAZy51cw" } }))["id"]!.GetValue<string>();
        await tenant.WaitForCampaignAsync(id, "completed");
        var requests = await env.SandboxRequestsAsync(tenant);
        Assert.Equal(2, requests.Count);
        var recipients = await tenant.RecipientsAsync(id);
        var group = Assert.Single(recipients, r => r["recipientType"]!.GetValue<string>() == "group");
        Assert.Equal("Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM0MjdAZy51cw", group["to"]!.GetValue<string>());
    }
}
