using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.Core.Storage;
using OneClick.Core.Webhooks;
using OneClick.Tests.Conversations;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Webhooks;

/// <summary>
/// The webhook-events queue as bodies reach it: a burst shares queue messages (group commit), a failing delivery does
/// not hold back the others it shares a message with, and messages of the previous version are still applied.
/// </summary>
[Collection(SharedEnvironment.Name)]
public sealed class WebhookInboxTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_burst_of_bodies_shares_a_few_queue_messages_and_every_body_is_applied()
    {
        var tenant = await env.CreateTenantAsync();
        var (inbox, recorder) = RecordedInbox();
        var customers = Enumerable.Range(0, 40).Select(i => new Customer(tenant, $"+1415555{6100 + i}")).ToList();
        var texts = customers.Select(c => $"burst from {c.Phone}").ToList();

        await Task.WhenAll(customers.Select((c, i) => inbox.AcceptAsync(tenant.Id,
            Encoding.UTF8.GetBytes(Body(tenant, c, texts[i])), $"burst-{i}", CancellationToken.None)));

        // One put goes at a time; the bodies that wait behind it go together.
        var puts = recorder.Requests.Count(r => r == "POST /webhook-events/messages");
        Assert.InRange(puts, 1, 10);
        for (var i = 0; i < customers.Count; i++)
        {
            var text = texts[i];
            await customers[i].WaitForConversationAsync(items => items.Any(m => m!["text"]?.GetValue<string>() == text));
        }
    }

    [Fact]
    public async Task A_status_webhook_takes_about_its_own_size_in_its_queue_message()
    {
        var tenant = await env.CreateTenantAsync();
        var (inbox, recorder) = RecordedInbox();
        var status = new JsonObject
        {
            ["id"] = SignedWebhooks.NewWamid(), ["status"] = "delivered", ["recipient_id"] = "14155550123",
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["biz_opaque_callback_data"] = "c1|o1|r1",
            ["pricing"] = new JsonObject { ["billable"] = true, ["pricing_model"] = "PMP", ["category"] = "marketing", ["type"] = "regular" },
        };
        var body = Encoding.UTF8.GetBytes(SignedWebhooks.Envelope(tenant, [SignedWebhooks.Change(tenant, statuses: [status])]));

        await inbox.AcceptAsync(tenant.Id, body, $"size-{Guid.NewGuid():N}", CancellationToken.None);

        // The put carries the message in base64 (4 bytes for 3) inside a little XML. Escaped for a web page, each of the
        // body's quotes would take six bytes (\u0022) and the put about twice the body's base64.
        var put = Assert.Single(recorder.Sent, r => r.Request == "POST /webhook-events/messages");
        Assert.InRange(put.Bytes, body.Length * 4 / 3, body.Length * 4 / 3 * 1.25 + 400);
    }

    [Fact]
    public async Task A_delivery_that_fails_inside_a_shared_message_is_retried_alone_while_the_others_are_applied()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        var missing = $"poisoned-{Guid.NewGuid():N}";
        var message = new WebhookEventCommand(WebhookEventCommand.CurrentVersion,
        [
            new WebhookDelivery(tenant.Id, "applied", DateTimeOffset.UtcNow, Body(tenant, customer, "shared message, applied"), null),
            // Its claim-check blob does not exist: reading it fails on every try.
            new WebhookDelivery(tenant.Id, missing, DateTimeOffset.UtcNow, null, $"{tenant.Id}/2026/12/05/{missing}.json"),
        ]);
        await env.Storage.Queue(QueueNames.WebhookEvents).SendMessageAsync(JsonSerializer.Serialize(message, QueueJson.Options));

        await customer.WaitForConversationAsync(items => items.Any(m => m!["text"]?.GetValue<string>() == "shared message, applied"));
        // The failed one was parked again on its own, so after its own tries the poison queue holds it alone.
        var poison = env.Storage.Queue(QueueNames.Poison(QueueNames.WebhookEvents));
        var poisoned = await Eventually.Async(
            async () => (await poison.PeekMessagesAsync(32)).Value.Select(m => JsonSerializer.Deserialize<WebhookEventCommand>(m.Body.ToString(), QueueJson.Options)!)
                .FirstOrDefault(c => c.Deliveries?.Any(d => d.CorrelationId == missing) == true),
            c => c is not null, "the failing delivery in the poison queue", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
        Assert.Equal([missing], poisoned!.Deliveries!.Select(d => d.CorrelationId));
    }

    [Fact]
    public async Task A_message_of_the_previous_version_parked_before_an_upgrade_is_still_applied()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        var version1 = new JsonObject
        {
            ["v"] = 1, ["tenantId"] = tenant.Id, ["correlationId"] = "version-1", ["receivedAt"] = DateTimeOffset.UtcNow,
            ["body"] = Body(tenant, customer, "parked by version 1"), ["blobName"] = null,
        };
        await env.Storage.Queue(QueueNames.WebhookEvents).SendMessageAsync(version1.ToJsonString());

        await customer.WaitForConversationAsync(items => items.Any(m => m!["text"]?.GetValue<string>() == "parked by version 1"));
    }

    [Fact]
    public async Task A_body_whose_escaped_form_outgrows_a_queue_message_goes_through_a_blob()
    {
        var tenant = await env.CreateTenantAsync();
        var (inbox, recorder) = RecordedInbox();
        var customer = Customer.New(tenant);
        // 30 KB of UTF-8, under the inline limit, but JSON escapes each emoji as two \uXXXX: 78 KB in a message.
        var text = string.Concat(Enumerable.Repeat("🎉 ", 6_000));
        // Meta sends such text unescaped (JsonNode would escape it already).
        var body = Encoding.UTF8.GetBytes(Body(tenant, customer, "placeholder").Replace("placeholder", text, StringComparison.Ordinal));
        Assert.InRange(body.Length, 20_000, WebhookInbox.MaxInlineBodyBytes);

        await inbox.AcceptAsync(tenant.Id, body, $"escaped-{Guid.NewGuid():N}", CancellationToken.None);

        Assert.Contains(recorder.Requests, r => r.StartsWith($"PUT /{BlobContainerNames.WebhookPayloads}/", StringComparison.Ordinal));
        // The conversation keeps a text's first 4,096 characters, as Meta allows in a text message, and no half of an
        // emoji: the 4,096th is the first half of one here, so 4,095 are kept.
        await customer.WaitForConversationAsync(items => items.Any(m => m!["text"]?.GetValue<string>() == text[..4095]));
    }

    private static string Body(TestTenant tenant, Customer customer, string text) =>
        SignedWebhooks.Envelope(tenant, [SignedWebhooks.Change(tenant, messages: [SignedWebhooks.TextMessage(customer.Digits, SignedWebhooks.NewWamid(), text)])]);

    /// <summary>An inbox of its own on the same storage, whose requests are recorded.</summary>
    private (WebhookInbox Inbox, StorageRequestRecorder Recorder) RecordedInbox()
    {
        var (storage, recorder) = StorageRequestRecorder.Storage(env.Azurite.ConnectionString);
        return (new WebhookInbox(storage, new QueuePublisher(storage), TimeProvider.System), recorder);
    }
}
