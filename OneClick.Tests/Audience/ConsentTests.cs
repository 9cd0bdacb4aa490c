using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

using OneClick.Tests.Content;

namespace OneClick.Tests.Audience;

/// <summary>
/// Opt-in and opt-out from every source (API, stop keyword in an inbound message, Meta's 131050 both synchronous and in
/// a failed status webhook) and the send guard that keeps marketing templates from opted-out contacts.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class ConsentTests(OneClickEnvironment env)
{
    // Meta's hello_world is a UTILITY template; marketing needs one of its own at the sandbox.
    private const string WeeklyOffer = "weekly_offer";
    private const string WeeklyOfferTemplate = """
        {"name":"weekly_offer","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"This week: 20% off everything."}]}
        """;

    [Fact]
    public async Task An_opted_out_contact_gets_no_marketing_template_but_still_gets_utility_templates_and_replies()
    {
        var tenant = await env.CreateTenantAsync();
        ContentKit.SaveAtMeta(env, tenant, WeeklyOfferTemplate);
        var id = await ContactApiTests.CreateAsync(tenant, "+14155550801", "Out");
        (await tenant.Post($"api/contacts/{id}/opt-in", new { source = "signup_form" })).AssertStatus(HttpStatusCode.OK);
        var optedOut = await tenant.Post($"api/contacts/{id}/opt-out", new { source = "call_center" });
        Assert.Equal("opted_out", optedOut.Json["optInState"]!.GetValue<string>());
        Assert.Equal("signup_form", optedOut.Json["optInSource"]!.GetValue<string>());

        var marketing = await tenant.SendMessageAsync(new { contactId = id, type = "template", template = new { name = WeeklyOffer, language = "en_US" } });
        var utility = await tenant.SendMessageAsync(new { contactId = id, type = "template", template = new { name = "hello_world", language = "en_US" } });
        var reply = await tenant.SendMessageAsync(new { contactId = id, type = "text", text = new { body = "Your question answered" } });

        var skipped = await tenant.WaitForStatusAsync(marketing, "skipped");
        Assert.Equal("opted_out", skipped["skipReason"]!.GetValue<string>());
        await tenant.WaitForStatusAsync(utility, "read");
        await tenant.WaitForStatusAsync(reply, "read");
        var sent = await env.SandboxMessagesAsync(tenant);
        Assert.Equal(2, sent.Count);
        Assert.Single(sent, m => m!.ToJsonString().Contains("hello_world", StringComparison.Ordinal));
        Assert.DoesNotContain(sent, m => m!.ToJsonString().Contains(WeeklyOffer, StringComparison.Ordinal));

        // Opting back in lets marketing through again.
        (await tenant.Post($"api/contacts/{id}/opt-in", new { source = "double_opt_in" })).AssertStatus(HttpStatusCode.OK);
        await tenant.WaitForStatusAsync(await tenant.SendMessageAsync(new { contactId = id, type = "template", template = new { name = WeeklyOffer, language = "en_US" } }), "read");
    }

    [Fact]
    public async Task A_stop_keyword_in_an_inbound_message_opts_the_sender_out_once_and_sends_the_confirmation_once()
    {
        var tenant = await env.CreateTenantAsync();
        var settings = await tenant.Put("api/contacts/stop-keywords", new { keywords = (string[]?)null, confirmationText = "You will get no more offers. Reply START to come back." });
        settings.AssertStatus(HttpStatusCode.OK);
        Assert.True(settings.Json["isDefault"]!.GetValue<bool>());
        Assert.Contains("arret", ContactApiTests.Strings(settings.Json["keywords"]));

        await InboundAsync(tenant, "14155550811", "I don't want to stop hearing from you");
        await InboundAsync(tenant, "14155550813", "stop", groupId: "Y2FwaV9ncm91cDoxNTU1MDEwMDAwMg");
        await InboundAsync(tenant, "14155550811", "  Stop!! ");
        var contact = await WaitForContactAsync(tenant, "+14155550811", c => c["optInState"]!.GetValue<string>() == "opted_out");
        Assert.Equal("stop_keyword", contact["optOutSource"]!.GetValue<string>());
        Assert.Equal("Customer 0811", contact["name"]!.GetValue<string>());
        await WaitForSandboxMessagesAsync(tenant, 1);

        // A second stop (or Meta redelivering the first) changes nothing and sends nothing.
        await InboundAsync(tenant, "14155550811", "ARRÊT");
        await InboundAsync(tenant, "14155550812", "Arrêter");
        await WaitForContactAsync(tenant, "+14155550812", c => c["optInState"]!.GetValue<string>() == "opted_out");
        var sent = await WaitForSandboxMessagesAsync(tenant, 2);
        Assert.Equal(["+14155550811", "+14155550812"], sent.Select(m => "+" + (m!["to"] ?? m["body"]!["to"])!.GetValue<string>().TrimStart('+')).Order());
        Assert.All(sent, m => Assert.Contains("no more offers", m!.ToJsonString(), StringComparison.Ordinal));
        // "stop" said in a group chat opts nobody out.
        Assert.Empty((await tenant.Get("api/contacts?search=4155550813")).Json["items"]!.AsArray());
    }

    [Fact]
    public async Task A_tenants_own_stop_keywords_replace_the_defaults_and_no_confirmation_is_sent_without_a_text()
    {
        var tenant = await env.CreateTenantAsync();
        var other = await env.CreateTenantAsync();
        var put = await tenant.Put("api/contacts/stop-keywords", new { keywords = new[] { "Halt", "no más" } });
        put.AssertStatus(HttpStatusCode.OK);
        Assert.False(put.Json["isDefault"]!.GetValue<bool>());
        Assert.True((await other.Get("api/contacts/stop-keywords")).Json["isDefault"]!.GetValue<bool>());

        var known = await ContactApiTests.CreateAsync(tenant, "+14155550821", "Known");
        await InboundAsync(tenant, "14155550821", "stop");
        await InboundAsync(tenant, "14155550822", "NO MAS");
        await InboundAsync(tenant, "14155550821", "halt");
        var stopped = await WaitForContactAsync(tenant, "+14155550822", c => c["optInState"]!.GetValue<string>() == "opted_out");
        Assert.Equal("stop_keyword", stopped["optOutSource"]!.GetValue<string>());
        var halted = await WaitForContactAsync(tenant, "+14155550821", c => c["optInState"]!.GetValue<string>() == "opted_out");
        Assert.Equal(known, halted["id"]!.GetValue<string>());
        Assert.Equal("Known", halted["name"]!.GetValue<string>());
        Assert.Empty(await env.SandboxMessagesAsync(tenant));

        // "stop" alone, no longer a keyword here, opted nobody out in the other tenant either.
        await InboundAsync(other, "14155550823", "stop");
        await WaitForContactAsync(other, "+14155550823", c => c["optInState"]!.GetValue<string>() == "opted_out");
        Assert.Empty((await tenant.Get("api/contacts?search=4155550823")).Json["items"]!.AsArray());
    }

    [Fact]
    public async Task Metas_131050_in_a_synchronous_error_opts_the_contact_out_and_later_marketing_is_skipped()
    {
        var tenant = await env.CreateTenantAsync();
        ContentKit.SaveAtMeta(env, tenant, WeeklyOfferTemplate);
        await env.SetBehaviourAsync(tenant, new { recipientErrors = new Dictionary<string, int> { ["+14155550831"] = 131050 }, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });

        var first = await tenant.SendMessageAsync(new { to = "+14155550831", type = "template", template = new { name = WeeklyOffer, language = "en_US" } });
        var failed = await tenant.WaitForStatusAsync(first, "failed");
        Assert.Equal(131050, failed["error"]!["code"]!.GetValue<int>());

        var contact = await WaitForContactAsync(tenant, "+14155550831", c => c["optInState"]!.GetValue<string>() == "opted_out");
        Assert.Equal("meta_131050", contact["optOutSource"]!.GetValue<string>());
        var second = await tenant.SendMessageAsync(new { to = "+14155550831", type = "template", template = new { name = WeeklyOffer, language = "en_US" } });
        Assert.Equal("opted_out", (await tenant.WaitForStatusAsync(second, "skipped"))["skipReason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Metas_131050_in_a_failed_status_webhook_opts_the_contact_out()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { asyncFailures = new Dictionary<string, int> { ["+14155550841"] = 131050 }, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });

        var id = await tenant.SendMessageAsync(new { to = "+14155550841", type = "template", template = new { name = "hello_world", language = "en_US" } });
        await tenant.WaitForStatusAsync(id, "failed");

        var contact = await WaitForContactAsync(tenant, "+14155550841", c => c["optInState"]!.GetValue<string>() == "opted_out");
        Assert.Equal("meta_131050", contact["optOutSource"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_stop_keyword_settings_are_400_and_change_nothing()
    {
        var tenant = await env.CreateBareTenantAsync();
        (await tenant.Put("api/contacts/stop-keywords", new { keywords = new[] { "halt" }, confirmationText = "Bye" })).AssertStatus(HttpStatusCode.OK);

        (await tenant.Put("api/contacts/stop-keywords", new { keywords = Array.Empty<string>() })).AssertValidation("keywords");
        (await tenant.Put("api/contacts/stop-keywords", new { keywords = new[] { "!!!" } })).AssertValidation("keywords");
        (await tenant.Put("api/contacts/stop-keywords", new { keywords = new[] { new string('s', 65) } })).AssertValidation("keywords");
        (await tenant.Put("api/contacts/stop-keywords", new { keywords = Enumerable.Range(0, 51).Select(i => $"k{i}") })).AssertValidation("keywords");
        (await tenant.Put("api/contacts/stop-keywords", new { confirmationText = new string('c', 1025) })).AssertValidation("confirmationText");
        (await tenant.Raw(HttpMethod.Put, "api/contacts/stop-keywords", "{\"keywords\": \"stop\"}")).AssertUnreadable();

        var now = (await tenant.Get("api/contacts/stop-keywords")).Json;
        Assert.Equal(["halt"], ContactApiTests.Strings(now["keywords"]));
        Assert.Equal("Bye", now["confirmationText"]!.GetValue<string>());
    }

    [Fact]
    public async Task Metas_user_preferences_webhook_opts_a_contact_out_of_marketing_and_back_in()
    {
        var tenant = await env.CreateTenantAsync();
        var id = await ContactApiTests.CreateAsync(tenant, "+14155550851", "Prefs");

        await UserPreferenceAsync(tenant, "14155550851", "stop");
        await WaitForContactAsync(tenant, "+14155550851", c => c["optInState"]!.GetValue<string>() == "opted_out");
        await UserPreferenceAsync(tenant, "14155550851", "resume");
        var resumed = await WaitForContactAsync(tenant, "+14155550851", c => c["optInState"]!.GetValue<string>() == "opted_in");

        Assert.Equal(id, resumed["id"]!.GetValue<string>());
        Assert.Equal("meta_user_preferences", resumed["optInSource"]!.GetValue<string>());
        Assert.Equal("meta_user_preferences", resumed["optOutSource"]!.GetValue<string>());
    }

    private async Task UserPreferenceAsync(TestTenant tenant, string waId, string value)
    {
        var body = new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = tenant.WabaId,
                ["changes"] = new JsonArray(new JsonObject
                {
                    ["field"] = "user_preferences",
                    ["value"] = new JsonObject
                    {
                        ["messaging_product"] = "whatsapp",
                        ["user_preferences"] = new JsonArray(new JsonObject
                        {
                            ["wa_id"] = waId, ["detail"] = "User requested", ["category"] = "marketing_messages", ["value"] = value,
                            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                        }),
                    },
                }),
            }),
        }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.AppUrl, $"api/webhooks/meta/{tenant.Id}"))
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Hub-Signature-256", OneClick.Core.Meta.WebhookSignature.Compute(System.Text.Encoding.UTF8.GetBytes(body), tenant.AppSecret));
        using var response = await env.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task InboundAsync(TestTenant tenant, string from, string text, string? groupId = null)
    {
        using var response = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/inbound"),
            new { from, name = "Customer " + from[^4..], text, groupId });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<JsonObject> WaitForContactAsync(TestTenant tenant, string number, Func<JsonObject, bool> done)
    {
        var found = await Eventually.Async(
            async () => (await tenant.Get("api/contacts?search=" + Uri.EscapeDataString(number[2..]))).Json["items"]!.AsArray(),
            found => found.Count == 1 && done(found[0]!.AsObject()),
            $"contact {number} to reach the expected state");
        return found[0]!.AsObject();
    }

    private async Task<JsonArray> WaitForSandboxMessagesAsync(TestTenant tenant, int count)
    {
        await Eventually.Async(() => env.SandboxMessagesAsync(tenant), sent => sent.Count >= count, $"{count} sandbox messages");
        // Everything that could send a duplicate has run before counting.
        await Queues.DrainAsync(env, QueueNames.WebhookEvents, QueueNames.AutomationActions, QueueNames.OutboundMessages);
        var sent = await env.SandboxMessagesAsync(tenant);
        Assert.Equal(count, sent.Count);
        return sent;
    }
}
