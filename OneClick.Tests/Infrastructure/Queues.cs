using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneClick.Core.Storage;

namespace OneClick.Tests.Infrastructure;

public static class Queues
{
    /// <summary>
    /// Waits until the queues are empty, checked in order in one pass (a webhook handler enqueues automation actions
    /// before its own message is deleted). Empty is a positive signal that every handler finished: Azurite counts
    /// invisible (in-flight) messages too, and the Functions host deletes a message only after its invocation.
    /// </summary>
    public static async Task DrainAsync(OneClickEnvironment env, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(env);
        names = names is [] ? [QueueNames.WebhookEvents, QueueNames.AutomationActions] : names;
        await Eventually.Async(
            () => CountsAsync(env, names),
            counts => counts.All(c => c == 0),
            $"queues {string.Join(", ", names)} to drain",
            TimeSpan.FromSeconds(30),
            poll: TimeSpan.FromMilliseconds(50));
    }

    /// <summary>
    /// Every status webhook the sandbox scheduled has been delivered to OneClick, and OneClick's webhook queue is
    /// empty: whatever late or duplicate webhook was coming has been applied, so a "nothing changed" check holds.
    /// </summary>
    public static async Task WebhooksSettledAsync(OneClickEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        await Eventually.Async(
            async () => (await env.Http.GetFromJsonAsync<JsonObject>(new Uri(env.SandboxUrl, "_sandbox/webhook-deliveries")))!["pending"]!.GetValue<int>(),
            pending => pending == 0,
            "the sandbox's scheduled webhooks to be delivered",
            TimeSpan.FromSeconds(30),
            poll: TimeSpan.FromMilliseconds(50));
        await DrainAsync(env, QueueNames.WebhookEvents);
    }

    private static async Task<int[]> CountsAsync(OneClickEnvironment env, string[] names)
    {
        var counts = new int[names.Length];
        for (var i = 0; i < names.Length; i++)
            counts[i] = (await env.Storage.Queue(names[i]).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        return counts;
    }
}
