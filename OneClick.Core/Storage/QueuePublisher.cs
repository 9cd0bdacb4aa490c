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
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
