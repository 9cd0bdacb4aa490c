using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace OneClick.FunctionsHost.SampleWorker;

public sealed record SampleRecord(string Name, int Count);

public static class QueueFunctions
{
    /// <summary>A POCO message, with the trigger metadata bound as method parameters; the queue name comes from a setting.</summary>
    [Function("RecordTyped")]
    public static Task RecordTyped(
        [QueueTrigger("%TypedQueueName%")] SampleRecord message,
        string id, long dequeueCount, DateTimeOffset insertionTime, DateTimeOffset expirationTime,
        DateTimeOffset nextVisibleTime, string popReceipt, string queueTrigger)
        => Results.RecordAsync("results", new
        {
            Function = "RecordTyped", message.Name, message.Count, Id = id, DequeueCount = dequeueCount,
            InsertionTime = insertionTime, ExpirationTime = expirationTime, NextVisibleTime = nextVisibleTime,
            PopReceipt = popReceipt, QueueTrigger = queueTrigger,
        });

    [Function("RecordText")]
    public static Task RecordText([QueueTrigger("text-in")] string message, string id)
        => Results.RecordAsync("results", new { Function = "RecordText", Text = message, Id = id });

    [Function("RecordQueueMessage")]
    public static Task RecordQueueMessage([QueueTrigger("message-in")] QueueMessage message)
        => Results.RecordAsync("results", new
        {
            Function = "RecordQueueMessage", Text = message.MessageText, Id = message.MessageId, message.DequeueCount,
            message.PopReceipt, InsertionTime = message.InsertedOn,
        });

    /// <summary>Records each try, then fails: the message must end in fails-in-poison.</summary>
    [Function("AlwaysFails")]
    public static async Task AlwaysFails([QueueTrigger("fails-in")] string message, long dequeueCount)
    {
        await Results.RecordAsync("attempts", new { Text = message, DequeueCount = dequeueCount, At = DateTimeOffset.UtcNow });
        throw new InvalidOperationException($"Failing on purpose (try {dequeueCount}).");
    }
}
