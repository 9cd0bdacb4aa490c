using System.Text.Json.Nodes;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Conversations;

/// <summary>Meta's webhook as it really arrives: batched, with fields and types OneClick does not know, with errors, repeated.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class WebhookEdgeCaseTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_batch_of_entries_and_changes_with_unknown_fields_types_and_errors_stores_what_it_can_and_never_fails()
    {
        var tenant = await env.CreateTenantAsync();
        var (a, b) = (new Customer(tenant, "+14155550441"), new Customer(tenant, "+14155550442"));
        var textA = SignedWebhooks.NewWamid();
        var strangeB = SignedWebhooks.NewWamid();
        var unsupportedB = SignedWebhooks.NewWamid();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var strange = new JsonObject { ["from"] = b.Digits, ["id"] = strangeB, ["timestamp"] = now, ["type"] = "hologram", ["hologram"] = new JsonObject { ["frames"] = 3 }, ["new_top_level_field"] = true };
        var unsupported = JsonNode.Parse($$$"""{"from":"{{{b.Digits}}}","id":"{{{unsupportedB}}}","timestamp":"{{{now}}}","type":"unsupported","errors":[{"code":131051,"title":"Message type unknown","message":"Message type unknown","error_data":{"details":"Message type is not currently supported"}}],"unsupported":{"type":"edit"}}""")!;
        var noId = JsonNode.Parse($$$"""{"from":"{{{b.Digits}}}","timestamp":"{{{now}}}","type":"text","text":{"body":"no id"}}""")!;
        var unknownField = new JsonObject { ["field"] = "some_future_field", ["value"] = new JsonObject { ["anything"] = 1 } };
        var valueErrors = SignedWebhooks.Change(tenant);
        valueErrors["value"]!["errors"] = JsonNode.Parse("""[{"code":131000,"title":"Something went wrong","message":"Something went wrong","error_data":{"details":"x"}}]""");
        var statusForNobody = SignedWebhooks.Change(tenant, statuses: [new JsonObject { ["id"] = "wamid.nobody", ["status"] = "read", ["timestamp"] = now, ["recipient_id"] = "1" }]);
        var unknownStatus = SignedWebhooks.Change(tenant, statuses: [new JsonObject { ["id"] = "wamid.nobody2", ["status"] = "deleted", ["timestamp"] = now, ["recipient_id"] = "1" }]);

        var body = SignedWebhooks.Envelope(tenant,
            [SignedWebhooks.Change(tenant, messages: [SignedWebhooks.TextMessage(a.Digits, textA, "first entry")]), unknownField, valueErrors],
            [SignedWebhooks.Change(tenant, messages: [strange, unsupported, noId]), statusForNobody, unknownStatus, new JsonObject { ["field"] = "messages", ["value"] = "not an object" }]);
        await SignedWebhooks.PostAsync(tenant, body);

        await a.WaitForConversationAsync(i => i.Count == 1 && i[0]!["id"]!.GetValue<string>() == textA);
        var itemsB = await b.WaitForConversationAsync(i => i.Count == 2);
        var hologram = itemsB.Single(i => i!["id"]!.GetValue<string>() == strangeB)!;
        Assert.Equal("hologram", hologram["type"]!.GetValue<string>());
        Assert.Equal(3, hologram["payload"]!["hologram"]!["frames"]!.GetValue<int>());
        Assert.Equal(131051, itemsB.Single(i => i!["id"]!.GetValue<string>() == unsupportedB)!["errors"]![0]!["code"]!.GetValue<int>());

        // Nothing was poisoned: the event was processed, not retried to death.
        await Queues.DrainAsync(env);
        var poison = env.Storage.Queue(OneClick.Core.Storage.QueueNames.Poison(OneClick.Core.Storage.QueueNames.WebhookEvents));
        var peeked = await poison.PeekMessagesAsync(32);
        Assert.DoesNotContain(peeked.Value, m => m.Body.ToString().Contains(textA, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_large_batch_of_inbound_messages_arrives_whole_through_the_claim_check()
    {
        var tenant = await env.CreateTenantAsync();
        var customers = Enumerable.Range(0, 10).Select(i => new Customer(tenant, $"+141555504{i:D2}")).ToList();
        var messages = new JsonArray();
        var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 500;
        for (var i = 0; i < 200; i++)
            messages.Add(SignedWebhooks.TextMessage(customers[i % customers.Count].Digits, SignedWebhooks.NewWamid(), $"message {i} " + new string('x', 150), start + i));
        var body = SignedWebhooks.Envelope(tenant, [SignedWebhooks.Change(tenant, messages: messages)]);
        Assert.True(body.Length > OneClick.Core.Webhooks.WebhookInbox.MaxInlineBodyBytes);
        await SignedWebhooks.PostAsync(tenant, body);

        foreach (var customer in customers)
        {
            var items = await customer.WaitForConversationAsync(i => i.Count == 20);
            var times = items.Select(i => i!["at"]!.GetValue<DateTimeOffset>()).ToList();
            Assert.Equal(times.Order(), times);
        }
    }
}
