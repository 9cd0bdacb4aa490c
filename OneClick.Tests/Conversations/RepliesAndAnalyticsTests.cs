using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Conversations;

[Collection(SharedEnvironment.Name)]
public sealed class RepliesAndAnalyticsTests(OneClickEnvironment env)
{
    private static string Today => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_reply_marks_the_message_replied_once_and_counts_for_its_campaign()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        var id = await tenant.SendMessageAsync(new { to = customer.Phone, type = "template", template = new { name = "hello_world", language = "en_US" }, metadata = new { campaignId = "spring-sale" } });
        var wamid = (await tenant.WaitForStatusAsync(id, "read"))["metaMessageId"]!.GetValue<string>();

        await customer.SendAsync("button", new { payload = "YES", text = "Yes!" }, contextMessageId: wamid);
        var items = await customer.WaitForConversationAsync(i => i.Any(x => x!["direction"]!.GetValue<string>() == "in"));
        Assert.Equal(id, items.Single(x => x!["direction"]!.GetValue<string>() == "in")!["replyToMessageId"]!.GetValue<string>());
        JsonNode? outbound = null;
        await Eventually.Async(async () =>
        {
            outbound = (await customer.WaitForConversationAsync(_ => true)).Single(x => x!["direction"]!.GetValue<string>() == "out");
            return outbound!["repliedAt"] is not null;
        }, () => "never marked replied");
        var repliedAt = outbound!["repliedAt"]!.ToJsonString();

        // A second reply changes neither the time nor the count.
        await customer.TextAsync("and again", contextMessageId: wamid, timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        await customer.WaitForConversationAsync(i => i.Count(x => x!["direction"]!.GetValue<string>() == "in") == 2);
        Assert.Equal(repliedAt, (await customer.WaitForConversationAsync(_ => true)).Single(x => x!["direction"]!.GetValue<string>() == "out")!["repliedAt"]!.ToJsonString());

        var summary = await tenant.GetJsonAsync($"api/analytics/summary?from={Today}&to={Today}&campaignId=spring-sale");
        Assert.Equal(1, summary["counts"]!["replied"]!.GetValue<long>());
        Assert.Equal(1.0, summary["rates"]!["reply"]!.GetValue<double>());
    }

    [Fact]
    public async Task The_summary_counts_statuses_once_each_with_rates_failures_by_code_and_a_daily_series()
    {
        var tenant = await env.CreateTenantAsync();
        // Every status webhook twice, and read before delivered: neither may change the counts.
        await env.SetBehaviourAsync(tenant, new
        {
            webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 },
            duplicateWebhooks = true,
            outOfOrder = true,
            asyncFailures = new Dictionary<string, int> { ["+14155550881"] = 131026, ["+14155550882"] = 131026, ["+14155550883"] = 131049 },
        });
        var ok1 = await tenant.SendMessageAsync(new { to = "+14155550871", type = "text", text = new { body = "a" }, metadata = new { campaignId = "c-analytics" } });
        var ok2 = await tenant.SendMessageAsync(new { to = "+14155550872", type = "text", text = new { body = "b" }, metadata = new { campaignId = "c-analytics" } });
        var failed = new List<string>();
        foreach (var to in new[] { "+14155550881", "+14155550882", "+14155550883" })
            failed.Add(await tenant.SendMessageAsync(new { to, type = "text", text = new { body = "c" }, metadata = new { campaignId = "c-analytics" } }));
        var other = await tenant.SendMessageAsync(new { to = "+14155550873", type = "text", text = new { body = "other campaign" }, metadata = new { campaignId = "c-other" } });
        foreach (var id in new[] { ok1, ok2, other })
            await tenant.WaitForStatusAsync(id, "read");
        foreach (var id in failed)
            await tenant.WaitForStatusAsync(id, "failed");
        await Queues.DrainAsync(env);

        var summary = await tenant.GetJsonAsync($"api/analytics/summary?from={Today}&to={Today}&campaignId=c-analytics");
        Assert.Equal(5, summary["messages"]!.GetValue<long>());
        var counts = summary["counts"]!;
        Assert.Equal(5, counts["message_sent"]!.GetValue<long>());
        Assert.Equal(2, counts["message_delivered"]!.GetValue<long>());
        Assert.Equal(2, counts["message_read"]!.GetValue<long>());
        Assert.Equal(3, counts["message_failed"]!.GetValue<long>());
        Assert.Equal(0.4, summary["rates"]!["delivery"]!.GetValue<double>());
        Assert.Equal(0.6, summary["rates"]!["failure"]!.GetValue<double>());
        Assert.Equal(2, summary["failuresByCode"]!["131026"]!.GetValue<long>());
        Assert.Equal(1, summary["failuresByCode"]!["131049"]!.GetValue<long>());
        var day = Assert.Single(summary["daily"]!.AsArray());
        Assert.Equal(Today, day!["day"]!.GetValue<string>());
        Assert.Equal(3, day["counts"]!["message_failed"]!.GetValue<long>());

        var all = await tenant.GetJsonAsync($"api/analytics/summary?from={Today}&to={Today}");
        Assert.Equal(6, all["messages"]!.GetValue<long>());
        var week = await tenant.GetJsonAsync("api/analytics/summary");
        Assert.Equal(7, week["daily"]!.AsArray().Count);

        // Another tenant sees none of it.
        var stranger = await env.CreateTenantAsync();
        Assert.Equal(0, (await stranger.GetJsonAsync($"api/analytics/summary?from={Today}&to={Today}"))["messages"]!.GetValue<long>());
    }

    [Fact]
    public async Task The_export_streams_raw_events_as_ndjson()
    {
        var tenant = await env.CreateTenantAsync();
        var id = await tenant.SendMessageAsync(new { to = "+14155550891", type = "text", text = new { body = "export me" }, metadata = new { campaignId = "c-export" } });
        await tenant.WaitForStatusAsync(id, "read");
        var customer = new Customer(tenant, "+14155550891");
        await customer.TextAsync("thanks");
        await customer.WaitForConversationAsync(i => i.Count == 2);
        await Queues.DrainAsync(env);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(env.AppUrl, $"api/analytics/export?from={Today}&to={Today}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        using var response = await env.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = lines.Select(l => JsonNode.Parse(l)!).ToList();
        var types = events.Select(e => e["type"]!.GetValue<string>()).ToList();
        Assert.Equal(1, types.Count(t => t == "message_read"));
        Assert.Equal(1, types.Count(t => t == "inbound_received"));
        Assert.All(events, e => Assert.Equal(tenant.Id, e["tenantId"]!.GetValue<string>()));
        Assert.Equal("c-export", events.First(e => e["type"]!.GetValue<string>() == "message_sent")["campaignId"]!.GetValue<string>());

        var onlyRead = await tenant.Get($"api/analytics/export?from={Today}&to={Today}&type=message_read");
        Assert.Single(onlyRead.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task An_opt_out_is_counted_once_from_the_contacts_own_fields()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        await customer.TextAsync("hello");
        await customer.WaitForConversationAsync(i => i.Count == 1);
        var contactId = await customer.ContactIdAsync();
        var contacts = env.App.Services.GetRequiredService<OneClick.Core.Contacts.ContactStore>();
        await contacts.SetOptInAsync(tenant.Id, contactId, optedIn: false, "stop_keyword", DateTimeOffset.UtcNow, CancellationToken.None);

        await customer.TextAsync("STOP");
        await customer.TextAsync("really, stop", timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        await customer.WaitForConversationAsync(i => i.Count == 3);
        await Queues.DrainAsync(env);
        var summary = await tenant.GetJsonAsync($"api/analytics/summary?from={Today}&to={Today}");
        Assert.Equal(1, summary["counts"]!["opted_out"]!.GetValue<long>());
    }

    [Fact]
    public async Task Bad_analytics_requests_get_400s()
    {
        var tenant = await env.CreateTenantAsync();
        (await tenant.Get("api/analytics/summary?from=yesterday")).AssertValidation("from");
        (await tenant.Get("api/analytics/summary?from=2026-02-10&to=2026-02-01")).AssertValidation("from");
        (await tenant.Get("api/analytics/summary?from=2025-01-01&to=2026-01-01")).AssertValidation("to");
        (await tenant.Get("api/analytics/summary?campaignId=")).AssertProblem(HttpStatusCode.BadRequest);
        (await tenant.Get("api/analytics/export?to=2026-13-01")).AssertValidation("to");
        (await tenant.Get("api/analytics/export?type=DROP%20TABLE")).AssertValidation("type");
        (await Api.SendAsync(env, HttpMethod.Get, "api/analytics/summary", apiKey: null)).AssertStatus(HttpStatusCode.Unauthorized);
    }
}
