using System.Text.Json;
using OneClick.Core.Storage;
using OneClick.Tests.Infrastructure;

namespace OneClick.Tests.Hosting;

/// <summary>An environment whose Functions host retries at once (host.json overridden by an app setting, as in Azure).</summary>
public sealed class FastRetryEnvironment : OneClickEnvironment
{
    protected override void AddSettings(IDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:00";
    }
}

/// <summary>OneClick's queue functions under the host's queue semantics: a message that can never succeed is set aside, nothing else is held up.</summary>
public sealed class QueueTriggerTests(FastRetryEnvironment env) : IClassFixture<FastRetryEnvironment>
{
    [Fact]
    public async Task A_message_that_always_fails_ends_in_the_poison_queue_and_nothing_else_is_lost()
    {
        var tenant = await env.CreateTenantAsync();
        var poison = env.Storage.Queue(QueueNames.Poison(QueueNames.OutboundMessages));
        var marker = "poison-" + Guid.NewGuid().ToString("N");
        // Well-formed JSON, but not a complete command: the send function refuses it every time.
        await env.Storage.Queue(QueueNames.OutboundMessages).SendMessageAsync(JsonSerializer.Serialize(new { v = 1, tenantId = (string?)null, correlationId = marker }));
        var good = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            tenant.SendMessageAsync(new { to = $"+1415555021{i}", type = "text", text = new { body = "good" } })));

        await Eventually.Async(
            async () => (await poison.PeekMessagesAsync(32)).Value.Any(m => m.Body.ToString().Contains(marker, StringComparison.Ordinal)),
            () => "The refused message never reached the poison queue.", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));

        Assert.Contains(env.Logs.Lines, l => l.Contains("The queue message is not a complete SendMessageCommand", StringComparison.Ordinal));
        foreach (var id in good)
            await tenant.WaitForStatusAsync(id, "read");
        var outbound = await env.Storage.Queue(QueueNames.OutboundMessages).PeekMessagesAsync(32);
        Assert.DoesNotContain(outbound.Value, m => m.Body.ToString().Contains(marker, StringComparison.Ordinal));
    }
}
