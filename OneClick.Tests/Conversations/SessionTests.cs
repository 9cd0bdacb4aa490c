using System.Net;
using Microsoft.Extensions.Configuration;
using System.Text.Json.Nodes;
using OneClick.Tests.BadInput;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Conversations;

[Collection(SharedEnvironment.Name)]
public sealed class SessionTests(OneClickEnvironment env)
{
    [Fact]
    public async Task A_session_keeps_context_and_timeline_across_messages_and_a_message_after_the_idle_time_starts_a_new_one()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        // Session idle time defaults to 30 minutes and runs on the messages' own times.
        var twoHoursAgo = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds();
        var first = await customer.TextAsync("I want to book", timestamp: twoHoursAgo);
        var (second, _) = await customer.SendAsync("interactive", new { type = "list_reply", list_reply = new { id = "dest-lisbon", title = "Lisbon" } }, timestamp: twoHoursAgo + 60);
        await customer.WaitForConversationAsync(i => i.Count == 2);
        var contactId = await customer.ContactIdAsync();

        var session = await SessionOnceAsync(tenant, contactId, timeline => timeline.Count == 2, "timeline incomplete");
        Assert.Equal([first, second], session["timeline"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()));
        Assert.Equal("dest-lisbon", session["timeline"]![1]!["detail"]!.GetValue<string>());
        Assert.True(session["expired"]!.GetValue<bool>()); // idle for two hours by now
        var firstSessionId = session["sessionId"]!.GetValue<string>();

        // The API sets context on the current session (continuing the journey from the flow).
        var set = await tenant.Put($"api/contacts/{contactId}/session", new { context = new { destination = "lisbon", guests = 2 } });
        set.AssertStatus(HttpStatusCode.OK);
        var current = set.Json;
        Assert.NotEqual(session["sessionId"]!.GetValue<string>(), current["sessionId"]!.GetValue<string>()); // the old one had expired
        Assert.Equal(2, current["context"]!["guests"]!.GetValue<int>());
        Assert.False(current["expired"]!.GetValue<bool>());

        var third = await customer.TextAsync("for next Friday");
        await customer.WaitForConversationAsync(i => i.Count == 3);
        session = await SessionOnceAsync(tenant, contactId, timeline => timeline.Any(e => e!["id"]!.GetValue<string>() == third), "third message not in the session");
        Assert.Equal(current["sessionId"]!.GetValue<string>(), session["sessionId"]!.GetValue<string>());
        Assert.Equal("lisbon", session["context"]!["destination"]!.GetValue<string>());

        // Removing a key with null; the ended session is kept in the history.
        var removed = await tenant.Put($"api/contacts/{contactId}/session", new { context = new Dictionary<string, object?> { ["guests"] = null } });
        Assert.Null(removed.Json["context"]!["guests"]);
        var history = await tenant.GetJsonAsync($"api/contacts/{contactId}/session/history");
        var ended = Assert.Single(history["items"]!.AsArray());
        Assert.Equal(firstSessionId, ended!["sessionId"]!.GetValue<string>());
        Assert.Equal(first, ended["timeline"]![0]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_long_emoji_message_is_kept_in_the_timeline_cut_between_characters()
    {
        var tenant = await env.CreateTenantAsync();
        var customer = Customer.New(tenant);
        // The timeline keeps 200 UTF-16 units of the text: the 200th is the first half of an emoji, so it keeps 199.
        var text = "a" + string.Concat(Enumerable.Repeat("🎉", 150));
        await customer.TextAsync(text);
        await customer.WaitForConversationAsync(i => i.Count == 1);
        var contactId = await customer.ContactIdAsync();

        var session = await SessionOnceAsync(tenant, contactId, timeline => timeline.Count == 1, "timeline incomplete");
        Assert.Equal(text[..199], session["timeline"]![0]!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_idle_time_comes_from_the_setting_and_a_later_event_starts_a_new_session()
    {
        var settings = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [OneClick.Core.Configuration.SettingNames.ConfigKey(OneClick.Core.Configuration.SettingNames.SessionIdleMinutes)] = "2" })
            .Build();
        var sessions = new OneClick.Core.Sessions.SessionStore(env.Storage, settings, TimeProvider.System);
        Assert.Equal(TimeSpan.FromMinutes(2), sessions.IdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(30), new OneClick.Core.Sessions.SessionStore(env.Storage, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), TimeProvider.System).IdleTimeout);

        var tenantId = Api.NewTenantId();
        var contactId = Api.NewContactId();
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10);
        var first = await sessions.TouchAsync(tenantId, contactId, new("e1", "inbound.text", t0, null), CancellationToken.None);
        var same = await sessions.TouchAsync(tenantId, contactId, new("e2", "inbound.text", t0.AddMinutes(1.5), null), CancellationToken.None);
        var again = await sessions.TouchAsync(tenantId, contactId, new("e2", "inbound.text", t0.AddMinutes(1.5), null), CancellationToken.None);
        var next = await sessions.TouchAsync(tenantId, contactId, new("e3", "inbound.text", t0.AddMinutes(4), null), CancellationToken.None);
        Assert.Equal(first.SessionId, same.SessionId);
        Assert.Equal(2, System.Text.Json.JsonSerializer.Deserialize<List<OneClick.Core.Sessions.SessionEvent>>(again.TimelineJson, System.Text.Json.JsonSerializerOptions.Web)!.Count);
        Assert.NotEqual(first.SessionId, next.SessionId);
        Assert.Equal(t0.AddMinutes(4), next.StartedAt);
    }

    [Fact]
    public async Task Bad_session_requests_get_400s_and_404s()
    {
        var tenant = await env.CreateTenantAsync();
        var contactId = (await tenant.Post("api/contacts", new { phoneNumber = "+14155550661" })).Json["id"]!.GetValue<string>();
        (await tenant.Get($"api/contacts/{contactId}/session")).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Put($"api/contacts/{contactId}/session", new { context = new { } })).AssertValidation("context");
        (await tenant.Put($"api/contacts/{contactId}/session", new { })).AssertValidation("context");
        (await tenant.Raw(HttpMethod.Put, $"api/contacts/{contactId}/session", "{\"context\": [1,2]}")).AssertUnreadable();
        (await tenant.Put($"api/contacts/{contactId}/session", new { context = new { big = new string('x', 31_000) } })).AssertValidation("context");
        (await tenant.Put($"api/contacts/{Api.NewContactId()}/session", new { context = new { a = 1 } })).AssertProblem(HttpStatusCode.NotFound);
        (await tenant.Get("api/contacts/nope/session")).AssertValidation("contactId");
        (await tenant.Get($"api/contacts/{contactId}/session")).AssertProblem(HttpStatusCode.NotFound);
    }

    /// <summary>The contact's session once its timeline holds what the test waits for (inbound messages are applied from a queue).</summary>
    private static async Task<JsonObject> SessionOnceAsync(TestTenant tenant, string contactId, Func<JsonArray, bool> ready, string notYet)
    {
        JsonObject session = null!;
        await Eventually.Async(async () =>
        {
            session = await tenant.GetJsonAsync($"api/contacts/{contactId}/session");
            return ready(session["timeline"]!.AsArray());
        }, () => $"{notYet}: {session}");
        return session;
    }
}
