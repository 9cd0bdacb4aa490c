using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using OneClick.Tests.BadInput;
using OneClick.Tests.Campaigns;
using OneClick.Tests.Conversations;
using OneClick.Tests.Groups;
using OneClick.Tests.Identity;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hardening;

/// <summary>
/// Issue 15 item 4: after DELETE /api/contacts/{id} no table and no blob container of the storage account holds the
/// person's number (with or without "+") or name. The person first goes through everything that stores them: the
/// contact, an inbound message (conversation, session, automation run), a parked (oversized) webhook body, an outbound
/// message and a personalised campaign to a list. Tables and containers are enumerated, not listed by hand, so a new
/// table is searched too. The same for a group member (the group's participants, the member's group messages and
/// statuses) and for a person known only by business-scoped user id. The suite shares one Azurite: the numbers, ids and
/// names are unique to these tests.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class CompleteErasureTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Erasing_a_contact_leaves_its_number_and_name_in_no_table_and_no_blob()
    {
        var tenant = await env.CreateTenantAsync();
        var phone = "+1628" + Random.Shared.Next(2_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);
        var name = "Erin Q" + Guid.NewGuid().ToString("N")[..10];
        var person = new Customer(tenant, phone, name);

        var rule = await tenant.Post("api/automations", new
        {
            name = "Greeting",
            trigger = new { type = "keyword", keywords = new[] { "hello" } },
            actions = new object[] { new { type = "add_tag", tag = "greeted" } },
        });
        rule.AssertStatus(HttpStatusCode.Created);
        var ruleId = rule.Json["id"]!.GetValue<string>();
        var create = await tenant.Post("api/contacts", new { phoneNumber = phone, name });
        create.AssertStatus(HttpStatusCode.Created);
        var contactId = create.Json["id"]!.GetValue<string>();
        var list = (await tenant.Post("api/lists", new { name = "Erasure" })).Json["id"]!.GetValue<string>();
        (await tenant.Post($"api/lists/{list}/members", new { contactIds = new[] { contactId } })).AssertStatus(HttpStatusCode.OK);

        await person.TextAsync($"hello, this is {name}");
        await Eventually.Async(async () => (await tenant.GetJsonAsync($"api/automations/{ruleId}/runs"))["items"]!.AsArray()
            .Any(r => r!["status"]!.GetValue<string>() == "succeeded"), () => "the automation run never succeeded");
        // A body over the queue's limit is parked as a blob (claim-check); the padding is a field the handler ignores.
        var change = SignedWebhooks.Change(tenant, messages: [SignedWebhooks.TextMessage(person.Digits, SignedWebhooks.NewWamid(), $"again, {name}")],
            contacts: [new JsonObject { ["wa_id"] = person.Digits, ["profile"] = new JsonObject { ["name"] = name } }]);
        change["value"]!["padding"] = new string('x', 41 * 1024);
        await SignedWebhooks.PostAsync(tenant, SignedWebhooks.Envelope(tenant, [change]));
        await person.WaitForConversationAsync(items => items.Count == 2, contactId);

        var messageId = await tenant.SendMessageAsync(new { contactId, type = "text", text = new { body = $"Hi {name}" } });
        await tenant.WaitForStatusAsync(messageId, "read");
        var campaign = (await tenant.CampaignAsync(new { lists = new[] { list } }, new { type = "text", text = new { body = "Hi {{contact.name}}" } }))["id"]!.GetValue<string>();
        await tenant.WaitForCampaignAsync(campaign, "completed");
        await tenant.WaitForStatsAsync(campaign, s => s.L("read") == 1);
        await Queues.WebhooksSettledAsync(env);

        // The search must be able to find the person: before erasure they are in many places.
        var before = await FindAsync(person.Digits, name);
        foreach (var place in new[] { "table conversations", "table campaignrecipients", "table automationruns", "blob webhook-payloads" })
            Assert.Contains(before, hit => hit.StartsWith(place + " ", StringComparison.Ordinal));

        (await tenant.Send(HttpMethod.Delete, $"api/contacts/{contactId}", null)).AssertStatus(HttpStatusCode.NoContent);
        await Queues.WebhooksSettledAsync(env);

        var after = await FindAsync(person.Digits, name);
        Assert.True(after.Count == 0, string.Join("\n", after));
        (await tenant.Send(HttpMethod.Delete, $"api/contacts/{contactId}", null)).AssertProblem(HttpStatusCode.NotFound);
        // Delivery history stays as counts.
        var stats = await tenant.WaitForStatsAsync(campaign, s => s.L("read") == 1);
        Assert.Equal(1, stats.L("read"));
        Assert.Equal("read", (await tenant.GetJsonAsync($"api/messages/{messageId}"))["status"]!.GetValue<string>());
        Assert.All((await tenant.GetJsonAsync($"api/automations/{ruleId}/runs"))["items"]!.AsArray(),
            r => Assert.Equal("succeeded", r!["status"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Erasing_a_group_member_and_a_person_known_only_by_bsuid_leaves_neither_and_keeps_the_other_members()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetGroupBehaviourAsync(tenant, new { });
        var member = (Phone: NewPhone(), Name: "Gus Q" + Guid.NewGuid().ToString("N")[..10]);
        var otherPhone = NewPhone();
        var created = await tenant.Post("api/contacts", new { phoneNumber = member.Phone, name = member.Name });
        created.AssertStatus(HttpStatusCode.Created);
        var memberId = created.Json["id"]!.GetValue<string>();

        // The member joins a group with someone else, writes in it and gets a group message (per-participant statuses).
        var group = await env.JoinAllAsync(tenant, await tenant.CreateActiveGroupAsync(), member.Phone, otherPhone);
        await env.SandboxPostAsync($"_sandbox/phone-numbers/{tenant.PhoneNumberId}/groups/{group.MetaId()}/inbound",
            new { from = member.Phone, name = member.Name, text = $"count me in, {member.Name}" });
        var groupMessage = await tenant.SendMessageAsync(new { groupId = group.Id(), type = "text", text = new { body = "Doors open at 9" } });
        await Eventually.Async(async () => (await tenant.Get($"api/groups/{group.Id()}/messages/{groupMessage}")).Json,
            d => d["group"]!["read"]!.GetValue<int>() == 2, "the group message read by both");
        await Eventually.Async(async () => (await tenant.Get($"api/groups/{group.Id()}/messages")).Json["items"]!.AsArray(),
            items => items.Count == 2, "the member's group message stored");

        // A username user: no phone number anywhere, only the BSUID, its parent, the username and the profile name.
        var (userId, parentId) = (IdentityKit.NewUserId(), IdentityKit.NewParentUserId());
        var (username, bsuidName) = ("u" + Guid.NewGuid().ToString("N")[..12], "Bea Q" + Guid.NewGuid().ToString("N")[..10]);
        await IdentityKit.InboundAsync(env, tenant, "text", new { body = $"hi, {bsuidName} here" }, fromUserId: userId, fromParentUserId: parentId, username: username, name: bsuidName);
        var bsuidId = (await IdentityKit.WaitForContactAsync(tenant, "userId=" + userId))["id"]!.GetValue<string>();
        await tenant.WaitForStatusAsync(await tenant.SendMessageAsync(new { contactId = bsuidId, type = "text", text = new { body = $"Hello {bsuidName}" } }), "read");
        await Queues.WebhooksSettledAsync(env);

        string[] memberTraces = [Digits(member.Phone), member.Name];
        string[] bsuidTraces = [userId, parentId, username, bsuidName];
        var before = await FindAsync(memberTraces);
        foreach (var place in new[] { "table groups", "table groupmessages" })
            Assert.Contains(before, hit => hit.StartsWith(place + " ", StringComparison.Ordinal));
        Assert.Contains(await FindAsync(bsuidTraces), hit => hit.StartsWith("table conversations ", StringComparison.Ordinal));

        (await tenant.Send(HttpMethod.Delete, $"api/contacts/{memberId}", null)).AssertStatus(HttpStatusCode.NoContent);
        (await tenant.Send(HttpMethod.Delete, $"api/contacts/{bsuidId}", null)).AssertStatus(HttpStatusCode.NoContent);
        await Queues.WebhooksSettledAsync(env);

        var after = await FindAsync([.. memberTraces, .. bsuidTraces]);
        Assert.True(after.Count == 0, string.Join("\n", after));
        // The group keeps its other member, and the group message its delivery to them.
        var left = await tenant.GetJsonAsync($"api/groups/{group.Id()}");
        Assert.Equal([Digits(otherPhone)], left.Members());
        var detail = await tenant.GetJsonAsync($"api/groups/{group.Id()}/messages/{groupMessage}");
        Assert.Contains(detail["group"]!["perParticipant"]!.AsArray(), p => p!["waId"]!.GetValue<string>() == Digits(otherPhone));

        static string NewPhone() => "+1628" + Random.Shared.Next(2_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);
        static string Digits(string phone) => phone.TrimStart('+');
    }

    /// <summary>Every place ("table NAME key" / "blob CONTAINER NAME") in the account that holds any of the traces
    /// (identifiers exactly, names in any case).</summary>
    private async Task<List<string>> FindAsync(params string[] traces)
    {
        bool Holds(string? s) => s is not null && traces.Any(t => s.Contains(t, StringComparison.OrdinalIgnoreCase));
        var hits = new List<string>();
        await foreach (var table in env.Storage.Tables.QueryAsync())
        {
            await foreach (var row in env.Storage.Table(table.Name).QueryAsync<TableEntity>())
            {
                var columns = row.Where(p => p.Value is string s && Holds(s)).Select(p => $"{p.Key}={p.Value}").ToList();
                if (columns.Count > 0)
                    hits.Add($"table {table.Name} {row.PartitionKey}/{row.RowKey}: {string.Join(", ", columns)}");
            }
        }
        await foreach (var container in env.Storage.Blobs.GetBlobContainersAsync())
        {
            var client = env.Storage.Blobs.GetBlobContainerClient(container.Name);
            await foreach (var blob in client.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, CancellationToken.None))
            {
                var content = (await client.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString();
                if (Holds(content) || Holds(blob.Name))
                    hits.Add($"blob {container.Name} {blob.Name}");
            }
        }
        return hits;
    }
}
