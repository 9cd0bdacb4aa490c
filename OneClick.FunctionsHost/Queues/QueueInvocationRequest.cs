using System.Text.Json;
using Azure.Storage.Queues.Models;
using Google.Protobuf;
using OneClick.FunctionsHost.Invocations;
using OneClick.FunctionsHost.Metadata;
using OneClick.FunctionsHost.Rpc;

namespace OneClick.FunctionsHost.Queues;

/// <summary>
/// The InvocationRequest for a queue message, as the host builds it: the message text as the trigger input (bytes for
/// dataType binary; ModelBindingData when the worker binds an SDK type such as QueueMessage) and the queue trigger's
/// binding data: QueueTrigger, DequeueCount, Id, InsertionTime, ExpirationTime, NextVisibleTime, PopReceipt.
/// </summary>
internal static class QueueInvocationRequest
{
    public static InvocationRequest Create(FunctionDefinition function, TriggerBinding trigger, QueueMessage message, BinaryData body, string popReceipt, DateTimeOffset utcNow)
    {
        var text = body.ToString();
        var invocation = new InvocationRequest();
        invocation.InputData.Add(new ParameterBinding { Name = trigger.Name, Data = Input(trigger, message, body, text, popReceipt) });

        var metadata = invocation.TriggerMetadata;
        metadata["QueueTrigger"] = TriggerValues.String(text);
        metadata["DequeueCount"] = TriggerValues.Json(message.DequeueCount);
        metadata["Id"] = TriggerValues.String(message.MessageId);
        metadata["InsertionTime"] = TriggerValues.Json(message.InsertedOn ?? utcNow);
        metadata["ExpirationTime"] = TriggerValues.Json(message.ExpiresOn ?? DateTimeOffset.MaxValue);
        metadata["NextVisibleTime"] = TriggerValues.Json(message.NextVisibleOn ?? DateTimeOffset.MaxValue);
        metadata["PopReceipt"] = TriggerValues.String(popReceipt);
        metadata["sys"] = TriggerValues.Sys(function.Name, utcNow);
        return invocation;
    }

    private static TypedData Input(TriggerBinding trigger, QueueMessage message, BinaryData body, string text, string popReceipt)
    {
        if (trigger.SupportsDeferredBinding)
        {
            // What the worker's queue extension reads for QueueMessage / BinaryData parameters.
            var content = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
            {
                ["MessageId"] = message.MessageId,
                ["PopReceipt"] = popReceipt,
                ["MessageText"] = text,
                ["DequeueCount"] = message.DequeueCount,
                ["NextVisibleOn"] = message.NextVisibleOn,
                ["InsertedOn"] = message.InsertedOn,
                ["ExpiresOn"] = message.ExpiresOn,
            });
            return new TypedData
            {
                ModelBindingData = new ModelBindingData
                {
                    Version = "1.0",
                    Source = "AzureStorageQueues",
                    ContentType = "application/json",
                    Content = ByteString.CopyFrom(content),
                },
            };
        }
        if (string.Equals(trigger.DataType, "binary", StringComparison.OrdinalIgnoreCase))
            return new TypedData { Bytes = ByteString.CopyFrom(body.ToMemory().Span) };
        return TriggerValues.String(text);
    }
}
