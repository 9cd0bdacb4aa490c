using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace OneClick.Tests.Sandbox;

/// <summary>The /_sandbox control API and the synchronous fault options.</summary>
public sealed class SandboxControlTests : IAsyncLifetime
{
    private const string PhoneId = "5550000001";
    private SandboxHarness _sandbox = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHarness.StartAsync();
        await _sandbox.RegisterAsync(PhoneId, webhooks: false);
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Registration_fills_defaults_and_never_returns_secrets()
    {
        var response = await _sandbox.PostJsonAsync("/_sandbox/phone-numbers",
            """{"phoneNumberId":"777000111","accessToken":"very-secret-token","appSecret":"very-secret-app-secret"}""");
        var created = await response.Content.ReadAsStringAsync();
        var fetched = await _sandbox.GetAsync("/_sandbox/phone-numbers/777000111", token: null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        foreach (var json in new[] { created, fetched.Raw })
        {
            Assert.DoesNotContain("very-secret", json, StringComparison.Ordinal);
            Assert.DoesNotContain("accessToken", json, StringComparison.Ordinal);
            Assert.DoesNotContain("appSecret", json, StringComparison.Ordinal);
        }

        var view = fetched.Body;
        Assert.Equal("777000111", view.GetProperty("phoneNumberId").GetString());
        Assert.Equal("waba-777000111", view.GetProperty("wabaId").GetString());
        Assert.Equal("GREEN", view.GetProperty("qualityRating").GetString());
        Assert.Equal("STANDARD", view.GetProperty("throughputLevel").GetString());
        Assert.Equal("TIER_2K", view.GetProperty("messagingLimitTier").GetString());
        Assert.Equal("CONNECTED", view.GetProperty("status").GetString());
        Assert.False(view.GetProperty("tokenExpired").GetBoolean());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("webhookUrl").ValueKind);
    }

    [Theory]
    [InlineData("""{"accessToken":"t","appSecret":"s"}""", "phoneNumberId")]
    [InlineData("""{"phoneNumberId":"1","appSecret":"s"}""", "accessToken")]
    [InlineData("""{"phoneNumberId":"1","accessToken":"t"}""", "appSecret")]
    [InlineData("""{"phoneNumberId":"1","accessToken":"t","appSecret":"s","webhookUrl":"not a url"}""", "webhookUrl")]
    [InlineData("""{"phoneNumberId":"1","accessToken":"t","appSecret":"s","qualityRating":"PURPLE"}""", "qualityRating")]
    [InlineData("""{"phoneNumberId":"1/2","accessToken":"t","appSecret":"s"}""", "phoneNumberId")]
    [InlineData("""not json""", "JSON")]
    public async Task Invalid_registrations_are_rejected(string body, string mentioned)
    {
        var response = await _sandbox.PostJsonAsync("/_sandbox/phone-numbers", body);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentioned, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleted_numbers_are_unknown_to_the_graph_api()
    {
        var deleted = await _sandbox.Client.DeleteAsync(new Uri($"/_sandbox/phone-numbers/{PhoneId}", UriKind.Relative));
        var send = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "x"));
        var again = await _sandbox.Client.DeleteAsync(new Uri($"/_sandbox/phone-numbers/{PhoneId}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(33, send.Error.GetProperty("error_subcode").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Behaviour_round_trips_and_is_validated()
    {
        var initial = await _sandbox.GetAsync($"/_sandbox/phone-numbers/{PhoneId}/behaviour", token: null);
        Assert.Equal(131000, initial.Body.GetProperty("failureCode").GetInt32());

        await _sandbox.SetBehaviourAsync(PhoneId, new
        {
            recipientErrors = new Dictionary<string, int> { ["+15550009999"] = 131026 },
            maxMessagesPerSecond = 80,
            latencyMs = 5,
            webhookDelaysMs = new { sent = 1, delivered = (int?)null, read = 3 },
            duplicateWebhooks = true,
        });
        var stored = (await _sandbox.GetAsync($"/_sandbox/phone-numbers/{PhoneId}/behaviour", token: null)).Body;

        Assert.Equal(131026, stored.GetProperty("recipientErrors").GetProperty("+15550009999").GetInt32());
        Assert.Equal(80, stored.GetProperty("maxMessagesPerSecond").GetInt32());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("webhookDelaysMs").GetProperty("delivered").ValueKind);
        Assert.True(stored.GetProperty("duplicateWebhooks").GetBoolean());
        Assert.False(stored.GetProperty("outOfOrder").GetBoolean());

        using var invalid = new StringContent("""{"failureRate":2}""");
        var rejected = await _sandbox.Client.PutAsync(new Uri($"/_sandbox/phone-numbers/{PhoneId}/behaviour", UriKind.Relative), invalid);
        using var unknownContent = new StringContent("{}");
        var unknown = await _sandbox.Client.PutAsync(new Uri("/_sandbox/phone-numbers/404404/behaviour", UriKind.Relative), unknownContent);
        using var misspelt = new StringContent("""{"recipientError":{"+15550009999":131026}}""");
        var typo = await _sandbox.Client.PutAsync(new Uri($"/_sandbox/phone-numbers/{PhoneId}/behaviour", UriKind.Relative), misspelt);
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
        Assert.Contains("recipientError", await typo.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recipient_errors_match_any_formatting_and_fail_synchronously()
    {
        await _sandbox.SetBehaviourAsync(PhoneId, new { recipientErrors = new Dictionary<string, int> { ["+1 (555) 000-9999"] = 131026, ["15550007777"] = 131050 } });

        var undeliverable = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+1-555-000-9999", "x"));
        var optedOut = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550007777", "x"));
        var fine = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "x"));

        Assert.Equal(HttpStatusCode.BadRequest, undeliverable.Status);
        Assert.Equal(131026, undeliverable.ErrorCode);
        Assert.Equal("(#131026) Message undeliverable", undeliverable.Error.GetProperty("message").GetString());
        Assert.Equal(131050, optedOut.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, fine.Status);
    }

    [Fact]
    public async Task Max_messages_per_second_answers_130429_above_the_rate()
    {
        await _sandbox.SetBehaviourAsync(PhoneId, new { maxMessagesPerSecond = 3 });

        var started = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            _sandbox.SendAsync(PhoneId, SandboxHarness.Text($"+1555000{i:D4}", "burst"))));
        var elapsed = started.Elapsed;

        var accepted = answers.Count(a => a.Status == HttpStatusCode.OK);
        var throttled = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
        Assert.InRange(accepted, 3, elapsed < TimeSpan.FromSeconds(1) ? 3 : 9);
        Assert.NotEmpty(throttled);
        Assert.All(throttled, a =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, a.Status);
            Assert.Equal(130429, a.ErrorCode);
            Assert.Equal("(#130429) Rate limit hit", a.Error.GetProperty("message").GetString());
        });

        // The window slides: a second later the number can send again.
        await Task.Delay(1100); // the scenario's clock: past the one-second window
        Assert.Equal(HttpStatusCode.OK, (await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "later"))).Status);
    }

    [Fact]
    public async Task Latency_delays_the_answer()
    {
        await _sandbox.SetBehaviourAsync(PhoneId, new { latencyMs = 300 });

        var started = Stopwatch.StartNew();
        var answer = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "slow"));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.True(started.ElapsedMilliseconds >= 290, $"answered after {started.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Messages_and_requests_list_what_was_sent_in_order()
    {
        var first = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+1 (555) 000-1111", "one", callbackData: "cb-1"));
        var rejected = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", new string('x', 5000)));
        var other = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550002222", "other"));
        var second = await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("15550001111", "two"));
        Assert.Equal(131009, rejected.ErrorCode);

        var messages = (await _sandbox.GetAsync($"/_sandbox/messages?phoneNumberId={PhoneId}&to=%2B15550001111", token: null)).Body;
        var requests = (await _sandbox.GetAsync($"/_sandbox/requests?phoneNumberId={PhoneId}", token: null)).Body;

        Assert.Equal(2, messages.GetProperty("count").GetInt32());
        var listed = messages.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(new[] { first.MessageId, second.MessageId }, listed.Select(m => m.GetProperty("id").GetString()));
        Assert.Equal("+1 (555) 000-1111", listed[0].GetProperty("to").GetString());
        Assert.Equal("individual", listed[0].GetProperty("recipient_type").GetString());
        Assert.Equal("text", listed[0].GetProperty("type").GetString());
        Assert.Equal("cb-1", listed[0].GetProperty("biz_opaque_callback_data").GetString());
        Assert.Equal("one", listed[0].GetProperty("body").GetProperty("text").GetProperty("body").GetString());
        Assert.Equal(PhoneId, listed[0].GetProperty("phoneNumberId").GetString());
        Assert.True(listed[0].GetProperty("acceptedAt").GetDateTimeOffset() <= listed[1].GetProperty("acceptedAt").GetDateTimeOffset());

        Assert.Equal(4, requests.GetProperty("count").GetInt32());
        Assert.Equal(3, requests.GetProperty("accepted").GetInt32());
        Assert.Equal(1, requests.GetProperty("rejected").GetInt32());
        var failedAttempt = requests.GetProperty("requests")[1];
        Assert.Equal(131009, failedAttempt.GetProperty("errorCode").GetInt32());
        Assert.Equal(400, failedAttempt.GetProperty("httpStatus").GetInt32());
        Assert.False(failedAttempt.GetProperty("accepted").GetBoolean());
        Assert.Equal(other.MessageId, requests.GetProperty("requests")[2].GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task Reset_clears_messages_and_behaviour_but_keeps_phone_numbers()
    {
        await _sandbox.SetBehaviourAsync(PhoneId, new { latencyMs = 1 });
        await _sandbox.SendAsync(PhoneId, SandboxHarness.Text("+15550001111", "x"));

        await _sandbox.PostJsonAsync("/_sandbox/reset", "");

        Assert.Equal(0, (await _sandbox.GetAsync("/_sandbox/messages", token: null)).Body.GetProperty("count").GetInt32());
        Assert.Equal(0, (await _sandbox.GetAsync("/_sandbox/requests", token: null)).Body.GetProperty("count").GetInt32());
        Assert.Equal(0, (await _sandbox.GetAsync($"/_sandbox/phone-numbers/{PhoneId}/behaviour", token: null)).Body.GetProperty("latencyMs").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await _sandbox.GetAsync($"/_sandbox/phone-numbers/{PhoneId}", token: null)).Status);

        await _sandbox.PostJsonAsync("/_sandbox/reset?phoneNumbers=true", "");
        Assert.Equal(HttpStatusCode.NotFound, (await _sandbox.GetAsync($"/_sandbox/phone-numbers/{PhoneId}", token: null)).Status);
    }
}
