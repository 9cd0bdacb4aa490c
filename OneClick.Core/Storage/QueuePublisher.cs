using System.Text.Encodings.Web;
using System.Text.Json;

namespace OneClick.Core.Storage;

/// <summary>Puts versioned JSON commands on a queue (the encoding is the account's, matching host.json).</summary>
public sealed class QueuePublisher(StorageAccount storage)
{
    public async Task SendAsync<T>(string queueName, T message, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        var json = JsonSerializer.Serialize(message, QueueJson.Options);
        await storage.Queue(queueName)
            .SendMessageAsync(json, visibilityTimeout: delay, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
    }
}

public static class QueueJson
{
    /// <summary>
    /// Escaping only what JSON itself requires: queue messages are read by OneClick alone, never put into a web page,
    /// and a webhook body is JSON full of quotes, which the default encoder writes as six bytes each (\u0022). Relaxed,
    /// a body takes about its own size in a message, and every put, receive and decode of it carries that much less.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
