using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OneClick.Core.Messages;
using OneClick.Core.Storage;
using OneClick.Functions.Hosting;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hosting;

/// <summary>An environment whose standalone host retries at once, so poison handling is quick to observe.</summary>
public sealed class FastRetryEnvironment : OneClickEnvironment
{
    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Services.AddSingleton(HostSettings.Load(AppContext.BaseDirectory) with { VisibilityTimeout = TimeSpan.Zero });
}

public sealed class QueueInvocationTests(FastRetryEnvironment env) : IClassFixture<FastRetryEnvironment>
{
    [Fact]
    public async Task A_queue_invocation_in_the_hosts_exact_payload_shape_is_handled_and_answered_in_the_hosts_shape()
    {
        var tenant = await env.CreateTenantAsync();
        // A scheduled message is stored but not queued: invoke its send directly, as the Functions host would.
        var id = await tenant.SendMessageAsync(new { to = "+14155550201", type = "text", text = new { body = "direct" }, scheduleFor = DateTimeOffset.UtcNow.AddHours(1).ToString("O") });
        var queueMessageText = JsonSerializer.Serialize(new SendMessageCommand(1, tenant.Id, id, "corr-1"), QueueJson.Options);

        using var response = await env.Http.PostAsJsonAsync(new Uri(env.AppUrl, "SendOutboundMessage"), new
        {
            Data = new Dictionary<string, object> { ["message"] = queueMessageText },
            Metadata = new Dictionary<string, object>
            {
                ["DequeueCount"] = 1,
                ["ExpirationTime"] = DateTimeOffset.UtcNow.AddDays(7),
                ["Id"] = Guid.NewGuid().ToString(),
                ["InsertionTime"] = DateTimeOffset.UtcNow,
                ["NextVisibleTime"] = DateTimeOffset.UtcNow.AddMinutes(10),
                ["PopReceipt"] = "AgAAAAMAAAAAAAAA",
                ["sys"] = new { MethodName = "SendOutboundMessage", UtcNow = DateTimeOffset.UtcNow, RandGuid = Guid.NewGuid() },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(body.ContainsKey("Outputs") && body.ContainsKey("Logs") && body.ContainsKey("ReturnValue"), body.ToJsonString());
        Assert.Contains("Accepted", body["Logs"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        await tenant.WaitForStatusAsync(id, "read");
    }

    [Fact]
    public async Task A_message_that_always_fails_ends_in_the_poison_queue_after_maxDequeueCount_tries_and_nothing_else_is_lost()
    {
        var tenant = await env.CreateTenantAsync();
        var poison = env.Storage.Queue(QueueNames.Poison(QueueNames.OutboundMessages));
        var marker = "poison-" + Guid.NewGuid().ToString("N");
        // Well-formed JSON, but not a complete command: the send function refuses it every time.
        await env.Storage.Queue(QueueNames.OutboundMessages).SendMessageAsync(JsonSerializer.Serialize(new { v = 1, tenantId = (string?)null, correlationId = marker }));
        var good = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            tenant.SendMessageAsync(new { to = $"+1415555021{i}", type = "text", text = new { body = "good" } })));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? poisoned = null;
        while (poisoned is null && DateTime.UtcNow < deadline)
        {
            var peeked = await poison.PeekMessagesAsync(32);
            poisoned = peeked.Value.Select(m => m.Body.ToString()).FirstOrDefault(b => b.Contains(marker, StringComparison.Ordinal));
            await Task.Delay(200);
        }

        Assert.NotNull(poisoned);
        var invocations = env.Logs.Lines.Count(l => l.Contains("Invocation of SendOutboundMessage failed with HTTP 400", StringComparison.Ordinal));
        Assert.Equal(HostSettings.Load(AppContext.BaseDirectory).MaxDequeueCount, invocations);
        foreach (var id in good)
            await tenant.WaitForStatusAsync(id, "read");
        var outbound = await env.Storage.Queue(QueueNames.OutboundMessages).PeekMessagesAsync(32);
        Assert.DoesNotContain(outbound.Value, m => m.Body.ToString().Contains(marker, StringComparison.Ordinal));
    }
}
