using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Conversations;

[Collection(SharedEnvironment.Name)]
public sealed class InboundMessageTests(OneClickEnvironment env)
{
    [Fact]
    public async Task Every_inbound_type_meta_delivers_is_stored_in_the_contacts_conversation_with_its_parts()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant, "Ana Souza");
        var text = await customer.TextAsync("Olá! café?");
        var (image, imageMedia) = await customer.SendAsync("image", new { caption = "my receipt" }, mimeType: "image/png");
        var (video, _) = await customer.SendAsync("video");
        var (audio, _) = await customer.SendAsync("audio", new { voice = true });
        var (document, _) = await customer.SendAsync("document", new { filename = "invoice.pdf" });
        var (sticker, _) = await customer.SendAsync("sticker", new { animated = false });
        var (location, _) = await customer.SendAsync("location", new { latitude = 38.72, longitude = -9.14, name = "Lisbon office", address = "Rua X" });
        var (contacts, _) = await customer.SendAsync("contacts", new[] { new { name = new { formatted_name = "Bob Lee", first_name = "Bob" }, phones = new[] { new { phone = "+14155550999", type = "CELL" } } } });
        var (button, _) = await customer.SendAsync("interactive", new { type = "button_reply", button_reply = new { id = "yes-please", title = "Yes" } });
        var (list, _) = await customer.SendAsync("interactive", new { type = "list_reply", list_reply = new { id = "size-m", title = "Medium", description = "M" } });
        var (quickReply, _) = await customer.SendAsync("button", new { payload = "STOP_PROMOS", text = "Stop promotions" });
        var (reaction, _) = await customer.SendAsync("reaction", new { message_id = text, emoji = "👍" });
        var (order, _) = await customer.SendAsync("order", new { catalog_id = "cat1", text = "two please", product_items = new[] { new { product_retailer_id = "sku1", quantity = "2", item_price = "9.99", currency = "EUR" } } });
        // A "system" notice is not the customer writing: it moves the contact (Identity/SystemMessageTests).
        var (referral, _) = await customer.SendAsync("text", new { body = "I saw your ad" }, referral: new { source_url = "https://fb.me/ad", source_id = "ad1", source_type = "ad", headline = "Sale", ctwa_clid = "clid1" });
        var (unsupported, _) = await customer.SendAsync("unsupported");
        var (future, _) = await customer.SendAsync("some_future_type", new { anything = 1 });

        var ids = new[] { text, image, video, audio, document, sticker, location, contacts, button, list, quickReply, reaction, order, referral, unsupported, future };
        var items = await customer.WaitForConversationAsync(i => ids.All(id => i.Any(x => x!["id"]!.GetValue<string>() == id)));
        JsonNode Item(string id) => items.Single(x => x!["id"]!.GetValue<string>() == id)!;

        Assert.All(items, i => Assert.Equal("in", i!["direction"]!.GetValue<string>()));
        Assert.Equal("Olá! café?", Item(text)["text"]!.GetValue<string>());
        Assert.Equal("image", Item(image)["type"]!.GetValue<string>());
        Assert.Equal("my receipt", Item(image)["text"]!.GetValue<string>());
        Assert.Equal(imageMedia, Item(image)["media"]!["id"]!.GetValue<string>());
        Assert.Equal("image/png", Item(image)["media"]!["mimeType"]!.GetValue<string>());
        foreach (var media in new[] { video, audio, document, sticker })
            Assert.NotNull(Item(media)["media"]!["id"]);
        Assert.Equal("invoice.pdf", Item(document)["text"]!.GetValue<string>());
        Assert.Equal("Lisbon office", Item(location)["text"]!.GetValue<string>());
        Assert.Equal("Bob Lee", Item(contacts)["text"]!.GetValue<string>());
        Assert.Equal("yes-please", Item(button)["replyId"]!.GetValue<string>());
        Assert.Equal("size-m", Item(list)["replyId"]!.GetValue<string>());
        Assert.Equal("STOP_PROMOS", Item(quickReply)["replyId"]!.GetValue<string>());
        Assert.Equal("👍", Item(reaction)["text"]!.GetValue<string>());
        Assert.Equal("two please", Item(order)["text"]!.GetValue<string>());
        Assert.Equal("sku1", Item(order)["payload"]!["order"]!["product_items"]![0]!["product_retailer_id"]!.GetValue<string>());
        Assert.Equal("clid1", Item(referral)["payload"]!["referral"]!["ctwa_clid"]!.GetValue<string>());
        Assert.Equal(131051, Item(unsupported)["errors"]![0]!["code"]!.GetValue<int>());
        Assert.Equal("some_future_type", Item(future)["type"]!.GetValue<string>());

        // The contact was created on first contact with the WhatsApp profile name, and its window is open.
        var contact = await tenant.GetJsonAsync($"api/contacts/{await customer.ContactIdAsync()}");
        Assert.Equal("Ana Souza", contact["name"]!.GetValue<string>());
        Assert.True(contact["serviceWindow"]!["open"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Inbound_media_is_downloaded_through_meta_with_the_tenants_token()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        var bytes = new byte[3000];
        Random.Shared.NextBytes(bytes);
        var (wamid, mediaId) = await customer.SendAsync("document", new { filename = "scan.pdf" }, mimeType: "application/pdf", mediaBase64: Convert.ToBase64String(bytes));
        var items = await customer.WaitForConversationAsync(i => i.Any(x => x!["id"]!.GetValue<string>() == wamid));
        var downloadUrl = items.Single()!["media"]!["downloadUrl"]!.GetValue<string>();
        Assert.Equal($"/api/media/{mediaId}", downloadUrl);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(env.AppUrl, downloadUrl.TrimStart('/')));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        using var response = await env.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());

        // Another tenant's token does not open this tenant's media (Meta scopes media to the number).
        var other = await env.CreateTenantAsync();
        (await other.Get($"api/media/{mediaId}")).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Get("api/media/7700000000000000")).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Get("api/media/bad%20id")).AssertValidation("mediaId");
    }

    [Fact]
    public async Task A_duplicate_webhook_stores_one_message_and_counts_it_once()
    {
        var tenant = await env.CreateTenantAsync();
        var wamid = SignedWebhooks.NewWamid();
        var body = SignedWebhooks.Envelope(tenant, [SignedWebhooks.Change(tenant,
            messages: [SignedWebhooks.TextMessage("14155550777", wamid, "hello twice")],
            contacts: [new JsonObject { ["profile"] = new JsonObject { ["name"] = "Dup" }, ["wa_id"] = "14155550777" }])]);
        await SignedWebhooks.PostAsync(tenant, body);
        await SignedWebhooks.PostAsync(tenant, body);
        await SignedWebhooks.PostAsync(tenant, body);

        var customer = new Customer(tenant, "+14155550777");
        await customer.WaitForConversationAsync(i => i.Count == 1);
        await Queues.DrainAsync(env);
        var items = await customer.WaitForConversationAsync(_ => true);
        Assert.Single(items);
        var day = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var summary = await tenant.GetJsonAsync($"api/analytics/summary?from={day}&to={day}");
        Assert.Equal(1, summary["counts"]!["inbound_received"]!.GetValue<long>());
    }

    [Fact]
    public async Task The_conversation_interleaves_inbound_and_outbound_in_time_order_and_pages()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 100;
        var first = await customer.TextAsync("first", timestamp: start);
        await customer.WaitForConversationAsync(i => i.Count == 1);
        var contactId = await customer.ContactIdAsync();
        var outbound = await tenant.SendMessageAsync(new { contactId, type = "text", text = new { body = "our answer" } });
        // Meta's timestamps have whole seconds: the customer's answer comes a couple of seconds later.
        var last = await customer.TextAsync("last", timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2);
        await customer.WaitForConversationAsync(i => i.Count == 3);

        // Pages of one: the same order, with continuation tokens, and nothing twice.
        var seen = new List<string>();
        string? token = null;
        do
        {
            var reply = await tenant.Get($"api/contacts/{contactId}/conversation?pageSize=1" + (token is null ? "" : $"&continuationToken={Uri.EscapeDataString(token)}"));
            reply.AssertStatus(HttpStatusCode.OK);
            seen.AddRange(reply.Json["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
            token = reply.Json["continuationToken"]?.GetValue<string>();
        }
        while (token is not null);
        Assert.Equal([first, outbound, last], seen);

        var items = await customer.WaitForConversationAsync(_ => true);
        Assert.Equal("out", items[1]!["direction"]!.GetValue<string>());
        Assert.Equal("our answer", items[1]!["text"]!.GetValue<string>());
        Assert.NotNull(items[1]!["status"]);
    }

    [Fact]
    public async Task Group_messages_are_left_to_the_groups_feature()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        await customer.SendAsync("text", new { body = "in the group" }, groupId: "Y2FtcGFpZ24tZ3JvdXA=");
        var direct = await customer.TextAsync("direct");
        var items = await customer.WaitForConversationAsync(i => i.Count >= 1);
        await Queues.DrainAsync(env);
        items = await customer.WaitForConversationAsync(_ => true);
        Assert.Equal([direct], items.Select(i => i!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Bad_conversation_requests_get_problems_and_other_tenants_see_nothing()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        await customer.TextAsync("hi");
        await customer.WaitForConversationAsync(i => i.Count == 1);
        var contactId = await customer.ContactIdAsync();

        (await tenant.Get("api/contacts/not-an-id/conversation")).AssertValidation("contactId");
        (await tenant.Get($"api/contacts/{contactId}/conversation?pageSize=0")).AssertValidation("pageSize");
        (await tenant.Get($"api/contacts/{contactId}/conversation?continuationToken=forged")).AssertValidation("continuationToken");
        (await tenant.Get($"api/contacts/{ApiNames.NewContactId()}/conversation")).AssertProblem(HttpStatusCode.NotFound);

        var other = await env.CreateTenantAsync();
        (await other.Get($"api/contacts/{contactId}/conversation")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Get($"api/contacts/{contactId}/session")).AssertProblem(HttpStatusCode.NotFound);
        (await other.Get($"api/contacts/{contactId}")).AssertProblem(HttpStatusCode.NotFound);
    }
}

internal static class ApiNames
{
    public static string NewContactId() => Api.NewContactId();
}
