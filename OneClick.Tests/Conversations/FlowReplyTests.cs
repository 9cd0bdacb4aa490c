using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Conversations;

/// <summary>A WhatsApp Flow's reply (interactive nfm_reply): its response_json is kept, shown and can fire a flow_reply rule.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class FlowReplyTests(OneClickEnvironment env)
{
    private const string Secret = "automation-signing-secret-1234";

    [Fact]
    public async Task A_flow_reply_keeps_its_answers_on_the_conversation_and_fires_the_rule_for_its_flow_token()
    {
        var tenant = await env.CreateTenantAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        var booking = await CreateRuleAsync(tenant, new
        {
            name = "Booking flow answered",
            trigger = new { type = "flow_reply", replyId = "booking-42" },
            actions = new object[] { new { type = "add_tag", tag = "booked" }, new { type = "webhook", url = hook.Url.ToString(), secret = Secret } },
        });
        var survey = await CreateRuleAsync(tenant, new { name = "Survey", trigger = new { type = "flow_reply", replyId = "survey-1" }, actions = new[] { new { type = "add_tag", tag = "surveyed" } } });
        var anyFlow = await CreateRuleAsync(tenant, new { name = "Any flow", trigger = new { type = "flow_reply" }, actions = new[] { new { type = "add_tag", tag = "flowed" } } });

        var customer = Customer.New(tenant);
        using var sent = await env.Http.PostAsJsonAsync(new Uri(env.SandboxUrl, $"_sandbox/phone-numbers/{tenant.PhoneNumberId}/inbound/message"), new
        {
            from = customer.Phone,
            type = "interactive",
            flowResponse = new { flow_token = "booking-42", date = "2026-12-24", guests = 3 },
        });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);

        var items = await customer.WaitForConversationAsync(i => i.Count == 1);
        var reply = items[0]!;
        Assert.Equal("interactive", reply["type"]!.GetValue<string>());
        Assert.Equal("booking-42", reply["replyId"]!.GetValue<string>());
        Assert.Equal("2026-12-24", reply["flowResponse"]!["date"]!.GetValue<string>());
        Assert.Equal(3, reply["flowResponse"]!["guests"]!.GetValue<int>());

        await WaitForRunsAsync(tenant, booking, 2);
        await WaitForRunsAsync(tenant, anyFlow, 1);
        var hookBody = Assert.Single(hook.Received).Text;
        var @event = JsonNode.Parse(hookBody)!["event"]!;
        Assert.Equal("nfm_reply", @event["replyKind"]!.GetValue<string>());
        Assert.Equal(3, @event["flowResponse"]!["guests"]!.GetValue<int>());
        // Both matching rules have run by now; the one for another flow_token has none.
        Assert.Empty((await tenant.GetJsonAsync($"api/automations/{survey}/runs"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_flow_reply_rule_is_validated_and_the_dry_run_matches_nfm_replies()
    {
        var tenant = await env.CreateTenantAsync();
        (await tenant.Post("api/automations", new { name = "x", trigger = new { type = "flow_reply", replyId = "" }, actions = new[] { new { type = "add_tag", tag = "a" } } }))
            .AssertValidation("trigger.replyId");
        var rule = await CreateRuleAsync(tenant, new { name = "f", trigger = new { type = "flow_reply", replyId = "t1" }, actions = new[] { new { type = "add_tag", tag = "a" } } });

        var fired = await tenant.Post("api/automations/dry-run", new { @event = new { type = "inbound", replyKind = "nfm_reply", replyId = "t1" } });
        Assert.Equal(rule, Assert.Single(fired.Json["rules"]!.AsArray())!["id"]!.GetValue<string>());
        Assert.Empty((await tenant.Post("api/automations/dry-run", new { @event = new { type = "inbound", replyKind = "button_reply", replyId = "t1" } })).Json["rules"]!.AsArray());
    }

    private static async Task<string> CreateRuleAsync(TestTenant tenant, object rule)
    {
        var reply = await tenant.Post("api/automations", rule);
        reply.AssertStatus(HttpStatusCode.Created);
        return reply.Json["id"]!.GetValue<string>();
    }

    private static async Task WaitForRunsAsync(TestTenant tenant, string ruleId, int count)
    {
        JsonArray runs = [];
        await Eventually.Async(async () =>
        {
            runs = (await tenant.GetJsonAsync($"api/automations/{ruleId}/runs"))["items"]!.AsArray();
            return runs.Count == count && runs.All(r => r!["status"]!.GetValue<string>() == "succeeded");
        }, () => $"Runs never got there: {runs.ToJsonString()}");
    }
}
