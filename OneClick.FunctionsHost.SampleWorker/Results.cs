using System.Text.Json;
using Azure.Storage.Queues;

namespace OneClick.FunctionsHost.SampleWorker;

/// <summary>Writes what a function received to a queue the tests read ("results" or "ticks").</summary>
internal static class Results
{
    public static async Task RecordAsync(string queueName, object record)
    {
        var connectionString = Environment.GetEnvironmentVariable("AzureWebJobsStorage")
            ?? throw new InvalidOperationException("AzureWebJobsStorage is not set.");
        var queue = new QueueClient(connectionString, queueName);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync(JsonSerializer.Serialize(record));
    }
}
