using System.Net;
using System.Text;
using System.Text.Json;
using OneClick.MetaSandbox.Faults;
using OneClick.MetaSandbox.Webhooks;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Sandbox;

/// <summary>Status and inbound webhooks: shapes, signatures, timing options and fault injection.</summary>
public sealed class SandboxWebhookTests : IAsyncLifetime
{
    private const string PhoneId = "1098765432";
    private const string GroupId = "Y2FwaV9ncm91cDoxOTUwNTU1MDA3OToxMjAzNjMzOTQzMjAdOTY0MTUZD";
    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private SandboxHarness _sandbox = null!;

    private WebhookReceiver Receiver => _sandbox.Receiver;

    public async Task InitializeAsync()
    {
        // Three tries, so a failing endpoint is given up within the test (the default retries for minutes, as Meta does for days).
        _sandbox = await SandboxHarness.StartAsync("--Sandbox:Webhooks:MaxAttempts=3");
        await _sandbox.RegisterAsync(PhoneId);
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Statuses_arrive_signed_in_order_with_callback_data_and_pricing()
    {
        var answer = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+1 555 000 1111", "hi", callbackData: "campaign-7/recipient-42"));
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var wamid = answer.MessageId;

        var received = await Receiver.WaitForStatusesAsync(wamid, 3);

        Assert.Equal(new[] { "sent", "delivered", "read" }, received.Select(w => w.StatusName));
        foreach (var webhook in received)
        {
            Assert.True(webhook.HasValidSignature(SandboxHarness.AppSecret), "X-Hub-Signature-256 must verify over the raw body");
            Assert.StartsWith("application/json", webhook.ContentType, StringComparison.Ordinal);
            var json = webhook.Json;
            Assert.Equal("whatsapp_business_account", json.GetProperty("object").GetString());
            var entry = json.GetProperty("entry")[0];
            Assert.Equal(SandboxHarness.WabaId, entry.GetProperty("id").GetString());
            Assert.Equal("messages", entry.GetProperty("changes")[0].GetProperty("field").GetString());
            Assert.Equal("whatsapp", webhook.Value.GetProperty("messaging_product").GetString());
            Assert.Equal(PhoneId, webhook.Value.GetProperty("metadata").GetProperty("phone_number_id").GetString());
            Assert.Equal(SandboxHarness.DisplayNumber, webhook.Value.GetProperty("metadata").GetProperty("display_phone_number").GetString());

            var status = webhook.Status!.Value;
            Assert.Equal("15550001111", status.GetProperty("recipient_id").GetString());
            Assert.Equal("campaign-7/recipient-42", status.GetProperty("biz_opaque_callback_data").GetString());
            Assert.Equal(JsonValueKind.String, status.GetProperty("timestamp").ValueKind);
            Assert.True(long.Parse(status.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 1_700_000_000);
            Assert.False(status.TryGetProperty("errors", out _));
        }

        // Pricing on sent and delivered, never on read; free-form messages are service messages.
        Assert.Equal("service", received[0].Status!.Value.GetProperty("pricing").GetProperty("category").GetString());
        Assert.Equal("PMP", received[1].Status!.Value.GetProperty("pricing").GetProperty("pricing_model").GetString());
        Assert.False(received[2].Status!.Value.TryGetProperty("pricing", out _));
    }

    [Fact]
    public async Task A_tampered_body_would_not_verify()
    {
        var wamid = (await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "hi"))).MessageId;
        var webhook = (await Receiver.WaitForStatusesAsync(wamid, 1))[0];

        var tampered = webhook with { Body = [.. webhook.Body, (byte)' '] };

        Assert.True(webhook.HasValidSignature(SandboxHarness.AppSecret));
        Assert.False(tampered.HasValidSignature(SandboxHarness.AppSecret));
        Assert.False(webhook.HasValidSignature("another-secret"));
    }

    [Fact]
    public async Task Template_statuses_are_billed_in_the_template_category()
    {
        var answer = await _sandbox.SendAsync(PhoneId, """
            {"messaging_product":"whatsapp","to":"+15550001111","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}
            """);

        var sent = (await Receiver.WaitForStatusesAsync(answer.MessageId, 1))[0];
        var pricing = sent.Status!.Value.GetProperty("pricing");

        Assert.True(pricing.GetProperty("billable").GetBoolean());
        Assert.Equal("regular", pricing.GetProperty("type").GetString());
        Assert.Equal("utility", pricing.GetProperty("category").GetString());
    }

    [Fact]
    public async Task Group_statuses_carry_the_group_as_recipient()
    {
        var groupId = _sandbox.AddGroup(PhoneId);
        var answer = await _sandbox.SendAsync(PhoneId, $$$"""
            {"messaging_product":"whatsapp","recipient_type":"group","to":"{{{groupId}}}","type":"text","text":{"body":"hi all"}}
            """);

        var sent = (await Receiver.WaitForStatusesAsync(answer.MessageId, 1))[0].Status!.Value;

        Assert.Equal(groupId, sent.GetProperty("recipient_id").GetString());
        Assert.Equal("group", sent.GetProperty("recipient_type").GetString());
        Assert.Equal("group_service", sent.GetProperty("pricing").GetProperty("category").GetString());
    }

    [Fact]
    public async Task Duplicate_webhooks_post_every_status_twice_with_identical_bytes()
    {
        await _sandbox.SetBehaviourAsync(PhoneId, new { webhookDelaysMs = SandboxHarness.FastDelays, duplicateWebhooks = true });

        var wamid = (await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "hi"))).MessageId;
        var received = await Receiver.WaitForStatusesAsync(wamid, 6);

        foreach (var group in received.GroupBy(w => w.StatusName))
        {
            Assert.Equal(2, group.Count());
            Assert.Equal(group.First().Body, group.Last().Body);
            Assert.All(group, w => Assert.True(w.HasValidSignature(SandboxHarness.AppSecret)));
        }

        Assert.Equal(3, received.Select(w => w.StatusName).Distinct().Count());
    }

    [Fact]
    public async Task Out_of_order_delivers_read_before_delivered()
    {
        await _sandbox.SetBehaviourAsync(PhoneId, new { webhookDelaysMs = SandboxHarness.FastDelays, outOfOrder = true });

        var wamid = (await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "hi"))).MessageId;
        var received = await Receiver.WaitForStatusesAsync(wamid, 3);

        Assert.Equal(new[] { "sent", "read", "delivered" }, received.Select(w => w.StatusName));
    }

    [Fact]
    public async Task A_null_delay_skips_that_status()
    {
        await _sandbox.SetBehaviourAsync(PhoneId, new { webhookDelaysMs = new { sent = 10, delivered = 30, read = (int?)null } });

        var wamid = (await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "hi"))).MessageId;
        await Receiver.WaitForStatusesAsync(wamid, 2);
        await NothingPendingAsync();

        Assert.Equal(new[] { "sent", "delivered" }, Receiver.Received.Where(w => w.StatusMessageId == wamid).Select(w => w.StatusName));
    }

    [Fact]
    public async Task Async_failures_are_accepted_then_reported_as_failed()
    {
        await _sandbox.SetBehaviourAsync(PhoneId, new
        {
            webhookDelaysMs = SandboxHarness.FastDelays,
            asyncFailures = new Dictionary<string, int> { ["+1 (555) 000-8888"] = 131049 },
        });

        var answer = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("15550008888", "promo", callbackData: "cb-1"));
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var received = await Receiver.WaitForStatusesAsync(answer.MessageId, 2);
        await NothingPendingAsync();

        var statuses = Receiver.Received.Where(w => w.StatusMessageId == answer.MessageId).ToList();
        Assert.Equal(new[] { "sent", "failed" }, statuses.Select(w => w.StatusName));
        var failed = received[1].Status!.Value;
        Assert.Equal("cb-1", failed.GetProperty("biz_opaque_callback_data").GetString());
        Assert.False(failed.TryGetProperty("pricing", out _));
        var error = Assert.Single(failed.GetProperty("errors").EnumerateArray());
        Assert.Equal(131049, error.GetProperty("code").GetInt32());
        Assert.Equal("This message was not delivered to maintain healthy ecosystem engagement.", error.GetProperty("title").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error_data").GetProperty("details").GetString()));
    }

    [Fact]
    public async Task Random_failures_use_the_catalog_to_choose_sync_or_async()
    {
        await _sandbox.SetBehaviourAsync(PhoneId, new { webhookDelaysMs = SandboxHarness.FastDelays, failureRate = 1.0, failureCode = 131000 });
        var sync = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "x"));

        await _sandbox.SetBehaviourAsync(PhoneId, new { webhookDelaysMs = SandboxHarness.FastDelays, failureRate = 1.0, failureCode = 131026 });
        var async = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "x"));
        var received = await Receiver.WaitForAsync(all => all.Any(w => w.StatusName == "failed"));

        Assert.Equal(HttpStatusCode.InternalServerError, sync.Status);
        Assert.Equal(131000, sync.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, async.Status);
        var failed = received.Single(w => w.StatusName == "failed").Status!.Value;
        Assert.Equal(async.MessageId, failed.GetProperty("id").GetString());
        Assert.Equal(131026, failed.GetProperty("errors")[0].GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Non_ascii_is_escaped_and_the_signature_covers_the_raw_bytes()
    {
        const string callbackData = "promoção-olá-😀";
        var wamid = (await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "Olá", callbackData))).MessageId;

        var webhook = (await Receiver.WaitForStatusesAsync(wamid, 1))[0];

        Assert.All(webhook.Body, b => Assert.True(b < 0x80, "Meta escapes every non-ASCII character"));
        Assert.Contains(@"promo\u00E7\u00E3o-ol\u00E1-\uD83D\uDE00", webhook.Text, StringComparison.Ordinal);
        Assert.True(webhook.HasValidSignature(SandboxHarness.AppSecret));
        Assert.Equal(callbackData, webhook.Status!.Value.GetProperty("biz_opaque_callback_data").GetString());

        // Re-serializing the parsed JSON changes the bytes, which is why receivers must hash the raw body.
        var reserialized = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(webhook.Json, RelaxedJson));
        Assert.False((webhook with { Body = reserialized }).HasValidSignature(SandboxHarness.AppSecret));
    }

    [Fact]
    public async Task Inbound_messages_reach_the_webhook_with_contacts_context_and_group()
    {
        var business = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "Sale!"));

        var response = await _sandbox.PostJsonAsync($"/_sandbox/phone-numbers/{PhoneId}/inbound", JsonSerializer.Serialize(new
        {
            from = "+1 555 000 1111",
            name = "Ana Ção",
            text = "quero 😀",
            contextMessageId = business.MessageId,
            groupId = GroupId,
        }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var inboundId = accepted.GetProperty("id").GetString()!;
        Assert.StartsWith("wamid.", inboundId, StringComparison.Ordinal);

        var webhook = (await Receiver.WaitForAsync(all => all.Any(w => w.Value.TryGetProperty("messages", out _))))
            .Single(w => w.Value.TryGetProperty("messages", out _));

        Assert.True(webhook.HasValidSignature(SandboxHarness.AppSecret));
        var contact = Assert.Single(webhook.Value.GetProperty("contacts").EnumerateArray());
        Assert.Equal("Ana Ção", contact.GetProperty("profile").GetProperty("name").GetString());
        Assert.Equal("15550001111", contact.GetProperty("wa_id").GetString());
        var message = Assert.Single(webhook.Value.GetProperty("messages").EnumerateArray());
        Assert.Equal(inboundId, message.GetProperty("id").GetString());
        Assert.Equal("15550001111", message.GetProperty("from").GetString());
        Assert.Equal("text", message.GetProperty("type").GetString());
        Assert.Equal("quero 😀", message.GetProperty("text").GetProperty("body").GetString());
        Assert.Equal(business.MessageId, message.GetProperty("context").GetProperty("id").GetString());
        Assert.Equal(SandboxHarness.DisplayNumber, message.GetProperty("context").GetProperty("from").GetString());
        Assert.Equal(GroupId, message.GetProperty("group_id").GetString());

        // The business can now mark it as read: {"success":true}, and no status webhook follows.
        var read = await _sandbox.SendAsync(PhoneId, $$$"""{"messaging_product":"whatsapp","status":"read","message_id":"{{{inboundId}}}"}""");
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.True(read.Body.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task Inbound_without_context_or_group_leaves_them_out()
    {
        var response = await _sandbox.PostJsonAsync($"/_sandbox/phone-numbers/{PhoneId}/inbound", """{"from":"+15550002222","text":"hello"}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var webhook = (await Receiver.WaitForAsync(all => all.Count == 1))[0];
        var message = webhook.Value.GetProperty("messages")[0];

        Assert.False(message.TryGetProperty("context", out _));
        Assert.False(message.TryGetProperty("group_id", out _));
    }

    [Fact]
    public async Task Reactions_only_get_sent_and_unknown_targets_fail_with_131009()
    {
        var original = (await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "hi"))).MessageId;
        string React(string target) => $$$"""
            {"messaging_product":"whatsapp","to":"+15550001111","type":"reaction","reaction":{"message_id":"{{{target}}}","emoji":"👍"}}
            """;

        var known = await _sandbox.SendAsync(PhoneId, React(original));
        var unknown = await _sandbox.SendAsync(PhoneId, React("wamid.does-not-exist"));
        await Receiver.WaitForStatusesAsync(unknown.MessageId, 1);
        await Receiver.WaitForStatusesAsync(original, 3);
        await NothingPendingAsync();

        Assert.Equal(new[] { "sent" }, Receiver.Received.Where(w => w.StatusMessageId == known.MessageId).Select(w => w.StatusName));
        var failed = Receiver.Received.Single(w => w.StatusMessageId == unknown.MessageId);
        Assert.Equal("failed", failed.StatusName);
        Assert.Equal(131009, failed.Status!.Value.GetProperty("errors")[0].GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Failed_posts_are_retried_then_counted()
    {
        Receiver.StatusFor = n => n == 1 ? 500 : 200;
        await _sandbox.SetBehaviourAsync(PhoneId, new { webhookDelaysMs = new { sent = 0, delivered = (int?)null, read = (int?)null } });

        var wamid = (await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "hi"))).MessageId;
        await Receiver.WaitForStatusesAsync(wamid, 1);

        Receiver.StatusFor = _ => 503;
        await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "again"));
        var stats = await WaitForDeliveryStatsAsync(s => s.GetProperty("failed").GetInt32() == 1);

        Assert.Equal(2, stats.GetProperty("scheduled").GetInt32());
        Assert.Equal(1, stats.GetProperty("delivered").GetInt32());
        Assert.Equal(0, stats.GetProperty("pending").GetInt32());
        Assert.Equal(3, stats.GetProperty("retries").GetInt32()); // 1 for the first, 2 for the second (3 attempts)
        Assert.Contains("HTTP 503", stats.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal("failed", stats.GetProperty("recent")[0].GetProperty("outcome").GetString());
        Assert.Equal(3, stats.GetProperty("recent")[0].GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Reset_drops_pending_webhooks()
    {
        await _sandbox.SetBehaviourAsync(PhoneId, new { webhookDelaysMs = new { sent = 700, delivered = 750, read = 800 } });
        await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "hi"));

        var reset = await _sandbox.PostJsonAsync("/_sandbox/reset", "");
        await Task.Delay(1000); // dropped webhooks leave no signal: wait past their 700-800 ms delays

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Empty(Receiver.Received);
        Assert.Equal(0, (await _sandbox.GetAsync("/_sandbox/webhook-deliveries", token: null)).Body.GetProperty("scheduled").GetInt32());
    }

    [Fact]
    public void Status_plan_follows_the_message_type_and_options()
    {
        var delays = new WebhookDelays { Sent = 10, Delivered = 20, Read = 30 };

        static string[] Names(IReadOnlyList<PlannedStatus> plan) => [.. plan.OrderBy(p => p.DelayMs).Select(p => p.Status)];

        Assert.Equal(new[] { "sent", "delivered", "read" }, Names(StatusWebhooks.Plan("text", delays, false, null)));
        Assert.Equal(new[] { "sent", "read", "delivered" }, Names(StatusWebhooks.Plan("text", delays, true, null)));
        Assert.Equal(new[] { "sent" }, Names(StatusWebhooks.Plan("reaction", delays, false, null)));
        Assert.Equal(new[] { "sent", "delivered" }, Names(StatusWebhooks.Plan("pin", delays, false, null)));
        Assert.Equal(new[] { "sent", "failed" }, Names(StatusWebhooks.Plan("template", delays, false, 131049)));
        Assert.Equal(new[] { "failed" }, Names(StatusWebhooks.Plan("reaction", delays, false, 131009)));
    }

    /// <summary>Every webhook this test's sandbox scheduled has been posted: whatever else was coming has come.</summary>
    private async Task NothingPendingAsync() => await WaitForDeliveryStatsAsync(s => s.GetProperty("pending").GetInt32() == 0);

    private Task<JsonElement> WaitForDeliveryStatsAsync(Func<JsonElement, bool> condition) =>
        Eventually.Async(
            async () => (await _sandbox.GetAsync("/_sandbox/webhook-deliveries")).Body,
            condition, "the delivery stats to match", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));
}
