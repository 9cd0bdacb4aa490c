using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Messages;

/// <summary>
/// The whole chain, for real: HTTP API → tables → queue → send function → Meta sandbox → signed status
/// webhooks → webhook queue → processor → message status.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class SendMessageEndToEndTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_text_message_sent_now_goes_queued_accepted_sent_delivered_read()
    {
        var tenant = await env.CreateTenantAsync();
        // Statuses far enough apart that each is processed before the next arrives.
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 300, delivered = 1000, read = 1700 } });
        var id = await tenant.SendMessageAsync(new { to = "+14155550101", type = "text", text = new { body = "Hello from OneClick 👋" }, metadata = new { orderId = "A-1" } });

        // Processors may still take delivered after read (Meta promises no order); it then joins the history in its place.
        var message = await tenant.PollMessageAsync(id, m => Steps(m).Count == 6, "six steps");

        Assert.Equal(["queued", "sending", "accepted", "sent", "delivered", "read"], Steps(message));
        Assert.Equal("read", message["status"]!.GetValue<string>());
        Assert.StartsWith("wamid.", message["metaMessageId"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("+14155550101", message["to"]!.GetValue<string>());
        Assert.Equal("A-1", message["metadata"]!["orderId"]!.GetValue<string>());
        Assert.Equal("Hello from OneClick 👋", message["payload"]!["text"]!["body"]!.GetValue<string>());

        var accepted = await env.SandboxMessagesAsync(tenant);
        var sent = Assert.Single(accepted);
        Assert.Equal("oc1:" + id, sent!["biz_opaque_callback_data"]?.GetValue<string>() ?? sent["body"]?["biz_opaque_callback_data"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_delivered_status_that_arrives_after_read_joins_the_history_before_read_and_leaves_the_message_read()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { webhookDelaysMs = new { sent = 100, delivered = 900, read = 400 }, outOfOrder = true });
        var id = await tenant.SendMessageAsync(new { to = "+14155550104", type = "text", text = new { body = "Out of order" } });

        var message = await tenant.PollMessageAsync(id, m => Steps(m).Contains("delivered") && Steps(m).Contains("read"), "delivered and read");
        await Queues.WebhooksSettledAsync(env); // a duplicate or a second late status must change nothing
        message = await tenant.GetJsonAsync($"api/messages/{id}");

        Assert.Equal("read", message["status"]!.GetValue<string>());
        Assert.Equal(["queued", "sending", "accepted", "sent", "delivered", "read"], Steps(message));
    }

    private static List<string> Steps(JsonObject message) =>
        message["history"]!.AsArray().Select(h => h!["status"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task A_template_message_reaches_read_and_keeps_the_template_payload()
    {
        var tenant = await env.CreateTenantAsync();
        var id = await tenant.SendMessageAsync(new { to = "+14155550102", type = "template", template = new { name = "hello_world", language = "en_US" } });

        var message = await tenant.WaitForStatusAsync(id, "read");

        Assert.Equal("hello_world", message["payload"]!["template"]!["name"]!.GetValue<string>());
        Assert.Equal("en_US", message["payload"]!["template"]!["language"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_scheduled_message_waits_for_its_time_and_then_goes_out_exactly_once_even_with_overlapping_timer_runs()
    {
        var tenant = await env.CreateTenantAsync();
        var at = DateTimeOffset.UtcNow.AddSeconds(2).ToOffset(TimeSpan.FromHours(5.5));
        var id = await tenant.SendMessageAsync(new { to = "+14155550103", type = "text", text = new { body = "Later" }, scheduleFor = at.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture) });

        var scheduled = await tenant.GetJsonAsync($"api/messages/{id}");
        Assert.Equal("scheduled", scheduled["status"]!.GetValue<string>());
        Assert.Equal(at.UtcDateTime, scheduled["scheduledFor"]!.GetValue<DateTimeOffset>().UtcDateTime, TimeSpan.FromMilliseconds(1));

        // Not due yet: a timer run leaves it alone.
        await env.RunDueSchedulesAsync();
        Assert.Equal("scheduled", (await tenant.GetJsonAsync($"api/messages/{id}"))["status"]!.GetValue<string>());

        // Due (and a little late, as after downtime): several overlapping timer runs, as the host may do.
        await Task.Delay(at - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1)); // the scenario's clock: due, and a little late
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => env.RunDueSchedulesAsync()));

        await tenant.WaitForStatusAsync(id, "read");
        Assert.Single(await env.SandboxMessagesAsync(tenant));
    }

    [Fact]
    public async Task The_functions_host_fires_the_timer_on_its_schedule_and_the_due_message_is_sent()
    {
        var tenant = await env.CreateTenantAsync();
        var id = await tenant.SendMessageAsync(new { to = "+14155550106", type = "text", text = new { body = "On the minute" }, scheduleFor = DateTimeOffset.UtcNow.AddSeconds(1).ToString("O") });

        // Nobody invokes the timer here: the Functions host must, at the next whole minute (schedule 0 */1 * * * *).
        var message = await tenant.WaitForStatusAsync(id, "read", TimeSpan.FromSeconds(75));

        var queuedAt = message["history"]!.AsArray().Single(h => h!["status"]!.GetValue<string>() == "queued")!["at"]!.GetValue<DateTimeOffset>();
        Assert.InRange(queuedAt.Second, 0, 5); // on the minute, give or take a busy machine
        Assert.Single(await env.SandboxMessagesAsync(tenant));
    }

    [Fact]
    public async Task A_terminal_meta_error_fails_the_message_with_metas_code_and_title_without_retrying()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { recipientErrors = new Dictionary<string, int> { ["+14155550104"] = 131026 }, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });

        var id = await tenant.SendMessageAsync(new { to = "+14155550104", type = "text", text = new { body = "Hi" } });
        var message = await tenant.WaitForStatusAsync(id, "failed");

        Assert.Equal(131026, message["error"]!["code"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(message["error"]!["title"]!.GetValue<string>()));
        Assert.Equal(1, message["attempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_failed_status_webhook_fails_the_message_with_the_code_and_title_from_the_webhook()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { asyncFailures = new Dictionary<string, int> { ["+14155550105"] = 131049 }, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });

        var id = await tenant.SendMessageAsync(new { to = "+14155550105", type = "text", text = new { body = "Hi" } });
        var message = await tenant.WaitForStatusAsync(id, "failed");

        Assert.Equal(131049, message["error"]!["code"]!.GetValue<int>());
        Assert.NotNull(message["error"]!["title"]);
    }

    [Fact]
    public async Task Throughput_errors_are_retried_later_through_the_queue_until_every_message_is_accepted_once()
    {
        var tenant = await env.CreateTenantAsync();
        await env.SetBehaviourAsync(tenant, new { maxMessagesPerSecond = 1, webhookDelaysMs = new { sent = 20, delivered = 60, read = 120 } });

        var ids = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            tenant.SendMessageAsync(new { to = $"+1415555011{i}", type = "text", text = new { body = $"Burst {i}" } })));
        var messages = await Task.WhenAll(ids.Select(id => tenant.WaitForStatusAsync(id, "read", TimeSpan.FromSeconds(60))));

        Assert.Contains(messages, m => m["history"]!.AsArray().Any(h => h!["detail"]?.GetValue<string>()?.Contains("130429", StringComparison.Ordinal) == true));
        var accepted = await env.SandboxMessagesAsync(tenant);
        Assert.Equal(4, accepted.Count);
    }

    [Fact]
    public async Task Messages_page_with_continuation_tokens_and_stay_within_the_tenant()
    {
        var tenant = await env.CreateTenantAsync();
        var other = await env.CreateTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add(await tenant.SendMessageAsync(new { to = $"+1415555012{i}", type = "text", text = new { body = "x" }, scheduleFor = DateTimeOffset.UtcNow.AddDays(1).ToString("O") }));

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await tenant.GetJsonAsync("api/messages?pageSize=2" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            Assert.True(page["items"]!.AsArray().Count <= 2);
            seen.AddRange(page["items"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
            token = page["continuationToken"]?.GetValue<string>();
        }
        while (token is not null);
        Assert.Equal(ids, seen);

        using var foreign = await other.GetAsync($"api/messages/{ids[0]}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Empty((await other.GetJsonAsync("api/messages"))["items"]!.AsArray());
    }

}
