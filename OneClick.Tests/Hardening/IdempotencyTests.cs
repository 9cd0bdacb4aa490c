using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Core.Storage;
using OneClick.Tests.BadInput;
using OneClick.Tests.Campaigns;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hardening;

/// <summary>Issue 15, item 5: a retried write with the same Idempotency-Key answers as the first and acts once.</summary>
[Collection(SharedEnvironment.Name)]
public sealed class IdempotencyTests(OneClickEnvironment env)
{
    private static async Task<Reply> PostWithKeyAsync(TestTenant tenant, string path, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(tenant.Environment.AppUrl, path)) { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {tenant.ApiKey}");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        using var response = await tenant.Environment.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var reply = new Reply(HttpMethod.Post, path, response.StatusCode, response.Content.Headers.ContentType?.MediaType, text, response.Headers, response.Content.Headers);
        Assert.True((int)response.StatusCode < 500, $"Server error: {reply}");
        return reply;
    }

    [Fact]
    public async Task A_message_sent_twice_with_one_key_is_sent_once_and_answered_the_same()
    {
        var tenant = await env.CreateTenantAsync();
        var key = Guid.NewGuid().ToString();
        var message = new { to = CampaignTestKit.NewPhone(), type = "text", text = new { body = "once" } };

        var first = await PostWithKeyAsync(tenant, "api/messages", message, key);
        var second = await PostWithKeyAsync(tenant, "api/messages", message, key);

        Assert.True(first.Status is HttpStatusCode.Accepted or HttpStatusCode.Created or HttpStatusCode.OK, first.ToString());
        Assert.Equal(first.Status, second.Status);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal("true", second.Headers.TryGetValues("Idempotent-Replayed", out var replayed) ? replayed.Single() : null);
        await tenant.WaitUntilAcceptedAsync(first.Json["id"]!.GetValue<string>());
        await Queues.DrainAsync(env, QueueNames.OutboundMessages); // a duplicate send would have been queued by now
        Assert.Single(await env.SandboxMessagesAsync(tenant));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_a_422_and_sends_nothing()
    {
        var tenant = await env.CreateTenantAsync();
        var key = Guid.NewGuid().ToString();
        var to = CampaignTestKit.NewPhone();

        var first = await PostWithKeyAsync(tenant, "api/messages", new { to, type = "text", text = new { body = "first" } }, key);
        var other = await PostWithKeyAsync(tenant, "api/messages", new { to, type = "text", text = new { body = "second" } }, key);

        Assert.True(first.Status is HttpStatusCode.Accepted or HttpStatusCode.Created or HttpStatusCode.OK, first.ToString());
        other.AssertProblem(HttpStatusCode.UnprocessableEntity);
        await tenant.WaitUntilAcceptedAsync(first.Json["id"]!.GetValue<string>());
        await Queues.DrainAsync(env, QueueNames.OutboundMessages); // a duplicate send would have been queued by now
        Assert.Single(await env.SandboxMessagesAsync(tenant));
        // Keys are per tenant: another tenant's same key is its own.
        var stranger = await env.CreateTenantAsync();
        var theirs = await PostWithKeyAsync(stranger, "api/messages", new { to, type = "text", text = new { body = "second" } }, key);
        Assert.True(theirs.Status is HttpStatusCode.Accepted or HttpStatusCode.Created or HttpStatusCode.OK, theirs.ToString());
    }

    [Fact]
    public async Task Concurrent_duplicates_send_once()
    {
        var tenant = await env.CreateTenantAsync();
        var key = Guid.NewGuid().ToString();
        var message = new { to = CampaignTestKit.NewPhone(), type = "text", text = new { body = "raced" } };

        var replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostWithKeyAsync(tenant, "api/messages", message, key)));

        var answered = replies.Where(r => r.Status != HttpStatusCode.Conflict).ToList();
        Assert.NotEmpty(answered);
        Assert.All(replies, r => Assert.True(r.Status is HttpStatusCode.Conflict || r.Body == answered[0].Body, r.ToString()));
        var id = answered[0].Json["id"]!.GetValue<string>();
        await tenant.WaitUntilAcceptedAsync(id);
        await Queues.DrainAsync(env, QueueNames.OutboundMessages); // a duplicate send would have been queued by now
        Assert.Single(await env.SandboxMessagesAsync(tenant));
        // The ones told to wait get the first answer when they retry.
        var retry = await PostWithKeyAsync(tenant, "api/messages", message, key);
        Assert.Equal(answered[0].Body, retry.Body);
    }

    [Fact]
    public async Task A_campaign_created_and_cancelled_twice_with_keys_exists_once_and_answers_the_same()
    {
        var tenant = await env.CreateTenantAsync();
        var people = await tenant.ContactsAsync(2);
        var key = Guid.NewGuid().ToString();
        var body = new { name = "idempotent", audience = new { contacts = people.Select(p => p.Id) }, message = CampaignTestKit.Template, launch = false };

        var first = await PostWithKeyAsync(tenant, "api/campaigns", body, key);
        var second = await PostWithKeyAsync(tenant, "api/campaigns", body, key);
        first.AssertStatus(HttpStatusCode.Created);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        var campaigns = (await tenant.GetJsonAsync("api/campaigns"))["items"]!.AsArray();
        Assert.Single(campaigns);

        var id = first.Json["id"]!.GetValue<string>();
        var cancelKey = Guid.NewGuid().ToString();
        var cancelled = await PostWithKeyAsync(tenant, $"api/campaigns/{id}/cancel", new { }, cancelKey);
        var again = await PostWithKeyAsync(tenant, $"api/campaigns/{id}/cancel", new { }, cancelKey);
        Assert.Equal(cancelled.Status, again.Status);
        Assert.Equal(cancelled.Body, again.Body);
        // The same key on another operation is another request.
        (await PostWithKeyAsync(tenant, $"api/campaigns/{id}/pause", new { }, cancelKey)).AssertProblem(HttpStatusCode.UnprocessableEntity);
    }
}
