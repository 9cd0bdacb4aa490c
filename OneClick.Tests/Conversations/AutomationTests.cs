using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Automations;
using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Conversations;

[Collection(SharedEnvironment.Name)]
public sealed class AutomationTests(OneClickEnvironment env)
{
    private const string Secret = "automation-signing-secret-1234";

    private static async Task<string> CreateRuleAsync(TestTenant tenant, object rule)
    {
        var reply = await tenant.Post("api/automations", rule);
        reply.AssertStatus(HttpStatusCode.Created);
        return reply.Json["id"]!.GetValue<string>();
    }

    private static async Task<JsonArray> RunsAsync(TestTenant tenant, string ruleId) =>
        (await tenant.GetJsonAsync($"api/automations/{ruleId}/runs"))["items"]!.AsArray();

    private static async Task<JsonArray> WaitForRunsAsync(TestTenant tenant, string ruleId, Func<JsonArray, bool> done)
    {
        JsonArray runs = [];
        await Eventually.Async(async () => done(runs = await RunsAsync(tenant, ruleId)), () => $"Runs never got there: {runs.ToJsonString()}");
        return runs;
    }

    [Fact]
    public async Task Rules_are_created_listed_changed_enabled_disabled_and_deleted_and_their_secrets_stay_hidden()
    {
        var tenant = await env.CreateTenantAsync();
        var create = await tenant.Post("api/automations", new
        {
            name = "Price question",
            trigger = new { type = "keyword", keywords = new[] { "price" } },
            actions = new object[] { new { type = "webhook", url = "https://crm.example.com/hook", secret = Secret } },
        });
        create.AssertStatus(HttpStatusCode.Created);
        var id = create.Json["id"]!.GetValue<string>();
        Assert.True(create.Json["enabled"]!.GetValue<bool>());
        Assert.Equal("***", create.Json["actions"]![0]!["secret"]!.GetValue<string>());
        Assert.DoesNotContain(Secret, create.Body, StringComparison.Ordinal);

        Assert.Equal(id, (await tenant.GetJsonAsync("api/automations"))["items"]![0]!["id"]!.GetValue<string>());
        var put = await tenant.Put($"api/automations/{id}", new
        {
            name = "Price or cost",
            trigger = new { type = "keyword", keywords = new[] { "price", "cost" } },
            actions = new object[] { new { type = "add_tag", tag = "lead" } },
        });
        put.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Price or cost", put.Json["name"]!.GetValue<string>());

        var dryRun = new { @event = new { type = "inbound", text = "what does it cost?" } };
        Assert.Single((await tenant.Post("api/automations/dry-run", dryRun)).Json["rules"]!.AsArray());
        Assert.False((await tenant.Post($"api/automations/{id}/disable", new { })).Json["enabled"]!.GetValue<bool>());
        Assert.Empty((await tenant.Post("api/automations/dry-run", dryRun)).Json["rules"]!.AsArray());
        Assert.True((await tenant.Post($"api/automations/{id}/enable", new { })).Json["enabled"]!.GetValue<bool>());

        var stranger = await env.CreateTenantAsync();
        (await stranger.Get($"api/automations/{id}")).AssertProblem(HttpStatusCode.NotFound);
        (await stranger.Send(HttpMethod.Delete, $"api/automations/{id}", null)).AssertProblem(HttpStatusCode.NotFound);
        Assert.Empty((await stranger.Post("api/automations/dry-run", dryRun)).Json["rules"]!.AsArray());

        (await tenant.Send(HttpMethod.Delete, $"api/automations/{id}", null)).AssertStatus(HttpStatusCode.NoContent);
        (await tenant.Get($"api/automations/{id}")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_rules_and_bad_dry_runs_get_400s_and_nothing_is_stored()
    {
        var tenant = await env.CreateTenantAsync();
        (await tenant.Post("api/automations", new { trigger = new { type = "keyword", keywords = new[] { "x" } }, actions = new[] { new { type = "add_tag", tag = "a" } } })).AssertValidation("name");
        (await tenant.Post("api/automations", new { name = "x", trigger = new { type = "telepathy" }, actions = new[] { new { type = "add_tag", tag = "a" } } })).AssertValidation("trigger.type");
        (await tenant.Post("api/automations", new { name = "x", trigger = new { type = "pattern", pattern = "([a-z" }, actions = new[] { new { type = "add_tag", tag = "a" } } })).AssertValidation("trigger.pattern");
        (await tenant.Post("api/automations", new { name = "x", trigger = new { type = "keyword" }, actions = new[] { new { type = "add_tag", tag = "a" } } })).AssertValidation("trigger.keywords");
        (await tenant.Post("api/automations", new { name = "x", trigger = new { type = "button_reply" }, actions = Array.Empty<object>() })).AssertValidation("trigger.replyId", "actions");
        (await tenant.Post("api/automations", new { name = "x", trigger = new { type = "contact_opted_in" }, actions = new object[]
        {
            new { type = "add_tag", tag = "Not A Tag" },
            new { type = "add_to_list", listId = "nope" },
            new { type = "webhook", url = "ftp://x", secret = "short" },
            new { type = "send_message", message = new { to = "+14155550100", type = "text", text = new { body = "hi" } } },
            new { type = "set_session" },
            new { type = "teleport" },
        } })).AssertValidation("actions[0].tag", "actions[1].listId", "actions[2].url", "actions[2].secret", "actions[3].message", "actions[4].key", "actions[5].type");
        (await tenant.Raw(HttpMethod.Post, "api/automations", "{\"name\": 5}")).AssertUnreadable();
        (await tenant.Post("api/automations/dry-run", new { @event = new { type = "nothing" } })).AssertValidation("event.type");
        (await tenant.Post("api/automations/dry-run", new { })).AssertValidation("event.type");
        (await tenant.Get("api/automations/not-a-rule")).AssertValidation("ruleId");
        (await tenant.Get("api/automations?continuationToken=forged")).AssertValidation("continuationToken");
        Assert.Empty((await tenant.GetJsonAsync("api/automations"))["items"]!.AsArray());
    }

    [Fact]
    public async Task The_dry_run_names_the_rules_each_kind_of_event_would_fire()
    {
        var tenant = await env.CreateTenantAsync();
        var tag = new[] { new { type = "add_tag", tag = "t" } };
        var keyword = await CreateRuleAsync(tenant, new { name = "kw", trigger = new { type = "keyword", keywords = new[] { "menu" } }, actions = tag });
        var pattern = await CreateRuleAsync(tenant, new { name = "re", trigger = new { type = "pattern", pattern = @"order\s*#?\d{4,}" }, actions = tag });
        var button = await CreateRuleAsync(tenant, new { name = "btn", trigger = new { type = "button_reply", replyId = "YES" }, actions = tag });
        var list = await CreateRuleAsync(tenant, new { name = "list", trigger = new { type = "list_reply", replyId = "size-m" }, actions = tag });
        var failed = await CreateRuleAsync(tenant, new { name = "fail", trigger = new { type = "message_failed", errorCode = 131026 }, actions = tag });
        var finished = await CreateRuleAsync(tenant, new { name = "done", trigger = new { type = "campaign_finished", campaignId = "c1" }, actions = tag });
        var optIn = await CreateRuleAsync(tenant, new { name = "in", trigger = new { type = "contact_opted_in" }, actions = tag });
        await CreateRuleAsync(tenant, new { name = "off", enabled = false, trigger = new { type = "keyword", keywords = new[] { "menu" } }, actions = tag });

        async Task<string[]> Fired(object e) =>
            (await tenant.Post("api/automations/dry-run", new { @event = e })).Json["rules"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).Order().ToArray();

        Assert.Equal([keyword], await Fired(new { type = "inbound", text = "Show me the MENU please" }));
        Assert.Empty(await Fired(new { type = "inbound", text = "menus" }));
        Assert.Equal([pattern], await Fired(new { type = "inbound", text = "where is ORDER #12345?" }));
        Assert.Equal([button], await Fired(new { type = "inbound", replyKind = "button_reply", replyId = "YES" }));
        Assert.Equal([button], await Fired(new { type = "inbound", replyKind = "quick_reply", replyId = "YES" }));
        Assert.Equal([list], await Fired(new { type = "inbound", replyKind = "list_reply", replyId = "size-m" }));
        Assert.Empty(await Fired(new { type = "inbound", replyKind = "list_reply", replyId = "YES" }));
        Assert.Equal([failed], await Fired(new { type = "message_failed", errorCode = 131026 }));
        Assert.Empty(await Fired(new { type = "message_failed", errorCode = 131049 }));
        Assert.Equal([finished], await Fired(new { type = "campaign_finished", campaignId = "c1" }));
        Assert.Empty(await Fired(new { type = "campaign_finished", campaignId = "c2" }));
        Assert.Equal([optIn], await Fired(new { type = "contact_opted_in" }));
    }

    [Fact]
    public async Task A_keyword_fires_every_kind_of_action_once_even_when_the_webhook_comes_three_times()
    {
        var tenant = await env.CreateTenantAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        var listId = ListStore.NewId();
        await env.Storage.Table(TableNames.Lists).AddEntityAsync(new ContactListEntity { PartitionKey = tenant.Id, RowKey = ContactListEntity.RowKeyFor(listId), Name = "Leads" });
        var ruleId = await CreateRuleAsync(tenant, new
        {
            name = "Pricing",
            trigger = new { type = "keyword", keywords = new[] { "price" } },
            actions = new object[]
            {
                new { type = "send_message", message = new { type = "text", text = new { body = "Our prices: https://example.com/prices" } } },
                new { type = "add_tag", tag = "pricing-lead" },
                new { type = "add_to_list", listId },
                new { type = "set_session", key = "stage", value = new { step = "prices-sent" } },
                new { type = "webhook", url = hook.Url.ToString(), secret = Secret },
            },
        });

        var customer = new Customer(tenant, "+14155550551");
        var wamid = SignedWebhooks.NewWamid();
        var body = SignedWebhooks.Envelope(tenant, [SignedWebhooks.Change(tenant, messages: [SignedWebhooks.TextMessage(customer.Digits, wamid, "What's the PRICE?")])]);
        await Task.WhenAll(SignedWebhooks.PostAsync(tenant, body), SignedWebhooks.PostAsync(tenant, body), SignedWebhooks.PostAsync(tenant, body));

        var runs = await WaitForRunsAsync(tenant, ruleId, r => r.Count == 5 && r.All(x => x!["status"]!.GetValue<string>() == "succeeded"));
        await Queues.DrainAsync(env);
        runs = await RunsAsync(tenant, ruleId);
        Assert.Equal(5, runs.Count);
        Assert.All(runs, r => Assert.Equal(1, r!["attempts"]!.GetValue<int>()));

        // One message, marked as sent by the automation.
        var contactId = await customer.ContactIdAsync();
        var conversation = await customer.WaitForConversationAsync(i => i.Count == 2);
        var sent = conversation.Single(i => i!["direction"]!.GetValue<string>() == "out")!;
        var message = await tenant.GetJsonAsync($"api/messages/{sent["id"]!.GetValue<string>()}");
        Assert.Equal("automation", message["metadata"]!["origin"]!.GetValue<string>());
        Assert.Equal(ruleId, message["metadata"]!["automationRuleId"]!.GetValue<string>());
        JsonArray atMeta = [];
        await Eventually.Async(async () => (atMeta = await env.SandboxMessagesAsync(tenant)).Count > 0, () => "The automation's message never reached Meta.");
        await Queues.DrainAsync(env);
        Assert.Single(await env.SandboxMessagesAsync(tenant), m => m!.ToJsonString().Contains("Our prices", StringComparison.Ordinal));

        // Tag (contact row and index row), list membership, session value.
        var contacts = env.Storage.Table(TableNames.Contacts);
        var contact = (await contacts.GetEntityAsync<ContactEntity>(tenant.Id, ContactEntity.RowKeyFor(contactId))).Value;
        Assert.Equal(["pricing-lead"], contact.Tags);
        Assert.True((await contacts.GetEntityIfExistsAsync<TableEntity>(tenant.Id, ContactTagEntity.RowKeyFor("pricing-lead", contactId))).HasValue);
        var listRow = (await env.Storage.Table(TableNames.Lists).GetEntityAsync<ContactListEntity>(tenant.Id, ContactListEntity.RowKeyFor(listId))).Value;
        Assert.Equal(1, listRow.MemberCount);
        Assert.True((await env.Storage.Table(TableNames.Lists).GetEntityIfExistsAsync<TableEntity>(tenant.Id, ListMemberEntity.RowKeyFor(listId, contactId))).HasValue);
        var session = await tenant.GetJsonAsync($"api/contacts/{contactId}/session");
        Assert.Equal("prices-sent", session["context"]!["stage"]!["step"]!.GetValue<string>());

        // The external webhook: one delivery, signed with the rule's secret over the exact body.
        var delivery = Assert.Single(hook.Received);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), delivery.Body));
        Assert.Equal(expected, delivery.Headers[AutomationActionRunner.SignatureHeader].ToString());
        Assert.Equal(wamid, JsonNode.Parse(delivery.Text)!["event"]!["eventId"]!.GetValue<string>());

        var day = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(1, (await tenant.GetJsonAsync($"api/analytics/summary?from={day}&to={day}"))["counts"]!["automation_fired"]!.GetValue<long>());
    }

    [Fact]
    public async Task Two_rules_that_answer_failures_with_messages_that_fail_do_not_run_away()
    {
        var tenant = await env.CreateTenantAsync();
        const string phone = "+14155550552";
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 }, asyncFailures = new Dictionary<string, int> { [phone] = 131026 } });
        var ruleA = await CreateRuleAsync(tenant, new { name = "A", trigger = new { type = "message_failed" }, actions = new[] { new { type = "send_message", message = new { type = "text", text = new { body = "sorry (A)" } } } } });
        var ruleB = await CreateRuleAsync(tenant, new { name = "B", trigger = new { type = "message_failed" }, actions = new[] { new { type = "send_message", message = new { type = "text", text = new { body = "sorry (B)" } } } } });

        var first = await tenant.SendMessageAsync(new { to = phone, type = "text", text = new { body = "promo" } });
        await tenant.WaitForStatusAsync(first, "failed");
        var customer = new Customer(tenant, phone);
        var conversation = await customer.WaitForConversationAsync(i => i.Count == 3 && i.All(m => m!["status"]!.GetValue<string>() == "failed"));
        // Every webhook delivered and every rule it fired run: a runaway reply would be in the conversation by now.
        await Queues.WebhooksSettledAsync(env);
        await Queues.DrainAsync(env);
        conversation = await customer.WaitForConversationAsync(_ => true);
        Assert.Equal(3, conversation.Count);
        Assert.Single(await RunsAsync(tenant, ruleA));
        Assert.Single(await RunsAsync(tenant, ruleB));
    }

    [Fact]
    public async Task A_failing_webhook_is_retried_through_the_queue_and_finally_reported_and_a_flaky_one_succeeds()
    {
        var tenant = await env.CreateTenantAsync();
        await using var down = await WebhookReceiver.StartAsync(_ => 503);
        await using var flaky = await WebhookReceiver.StartAsync(n => n == 1 ? 500 : 200);
        var ruleId = await CreateRuleAsync(tenant, new
        {
            name = "Notify CRM",
            trigger = new { type = "keyword", keywords = new[] { "help" } },
            actions = new object[]
            {
                new { type = "webhook", url = down.Url.ToString(), secret = Secret },
                new { type = "webhook", url = flaky.Url.ToString(), secret = Secret },
            },
        });
        var customer = Customer.New(tenant);
        await customer.TextAsync("help!");

        var runs = await WaitForRunsAsync(tenant, ruleId, r => r.Count == 2 && r.All(x => x!["status"]!.GetValue<string>() is "failed" or "succeeded"));
        var failed = runs.Single(r => r!["actionIndex"]!.GetValue<int>() == 0)!;
        Assert.Equal("failed", failed["status"]!.GetValue<string>());
        Assert.Equal(AutomationActionRunner.MaxAttempts, failed["attempts"]!.GetValue<int>());
        Assert.Contains("503", failed["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(AutomationActionRunner.MaxAttempts, down.Attempts.Count);
        Assert.Single(down.Attempts.Select(r => r.Headers[AutomationActionRunner.DeliveryHeader].ToString()).Distinct());

        var succeeded = runs.Single(r => r!["actionIndex"]!.GetValue<int>() == 1)!;
        Assert.Equal("succeeded", succeeded["status"]!.GetValue<string>());
        Assert.Equal(2, succeeded["attempts"]!.GetValue<int>());

        var day = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var export = await tenant.Get($"api/analytics/export?from={day}&to={day}&type=automation_action_failed");
        Assert.Contains(ruleId, Assert.Single(export.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_features_raise_opt_in_and_campaign_finished_through_the_public_triggers_once_per_event()
    {
        var tenant = await env.CreateTenantAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        var finished = await CreateRuleAsync(tenant, new { name = "Report", trigger = new { type = "campaign_finished", campaignId = "camp-1" }, actions = new[] { new { type = "webhook", url = hook.Url.ToString(), secret = Secret } } });
        var welcome = await CreateRuleAsync(tenant, new { name = "Welcome", trigger = new { type = "contact_opted_in" }, actions = new[] { new { type = "add_tag", tag = "subscriber" } } });
        var contactId = (await tenant.Post("api/contacts", new { phoneNumber = "+14155550553" })).Json["id"]!.GetValue<string>();

        var triggers = env.App.Services.GetRequiredService<AutomationTriggers>();
        Assert.Equal(1, await triggers.CampaignFinishedAsync(tenant.Id, "camp-1"));
        Assert.Equal(1, await triggers.CampaignFinishedAsync(tenant.Id, "camp-1"));
        Assert.Equal(0, await triggers.CampaignFinishedAsync(tenant.Id, "camp-2"));
        await triggers.ContactOptedInAsync(tenant.Id, contactId, $"optin|{contactId}|1");
        // Caused by an automation: fires nothing.
        Assert.Equal(0, await triggers.ContactOptedInAsync(tenant.Id, contactId, $"optin|{contactId}|2", origin: EventOrigins.Automation));

        await WaitForRunsAsync(tenant, finished, r => r.Count == 1 && r[0]!["status"]!.GetValue<string>() == "succeeded");
        await WaitForRunsAsync(tenant, welcome, r => r.Count == 1 && r[0]!["status"]!.GetValue<string>() == "succeeded");
        await Queues.DrainAsync(env);
        Assert.Single(hook.Received);
        var contacts = env.Storage.Table(TableNames.Contacts);
        var contact = (await contacts.GetEntityAsync<ContactEntity>(tenant.Id, ContactEntity.RowKeyFor(contactId))).Value;
        Assert.Equal(["subscriber"], contact.Tags);
        Assert.True((await contacts.GetEntityIfExistsAsync<TableEntity>(tenant.Id, ContactTagEntity.RowKeyFor("subscriber", contactId))).HasValue);

        // And off again: remove_tag clears the tag and its index row.
        var goodbye = await CreateRuleAsync(tenant, new { name = "Goodbye", trigger = new { type = "keyword", keywords = new[] { "bye" } }, actions = new[] { new { type = "remove_tag", tag = "subscriber" } } });
        await new Customer(tenant, "+14155550553").TextAsync("bye bye");
        await WaitForRunsAsync(tenant, goodbye, r => r.Count == 1 && r[0]!["status"]!.GetValue<string>() == "succeeded");
        contact = (await contacts.GetEntityAsync<ContactEntity>(tenant.Id, ContactEntity.RowKeyFor(contactId))).Value;
        Assert.Empty(contact.Tags);
        Assert.False((await contacts.GetEntityIfExistsAsync<TableEntity>(tenant.Id, ContactTagEntity.RowKeyFor("subscriber", contactId))).HasValue);
    }
}
