using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Messages;
using OneClick.Core.Scheduling;
using OneClick.Core.Sending;
using OneClick.Core.Storage;
using OneClick.Functions.Hosting;
using OneClick.Functions.Observability;

namespace OneClick.Functions.Messages;

/// <summary>The timer that enqueues due schedules, and the queue function that sends one message to Meta.</summary>
public sealed class MessageQueueFunctions(MessageSender sender, DueScheduleDispatcher dueSchedules, InvocationTelemetry telemetry)
{
    /// <summary>Every minute: scheduled messages and campaign occurrences that are due go onto their queues.</summary>
    [Function(nameof(EnqueueDueSchedules))]
    public async Task EnqueueDueSchedules([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        await dueSchedules.EnqueueDueAsync(cancellationToken);

    /// <summary>Sends one message. The sender records a claim before calling Meta, so a retried message is never sent twice.</summary>
    [Function(nameof(SendOutboundMessage))]
    public async Task SendOutboundMessage(
        [QueueTrigger(QueueNames.OutboundMessages, Connection = QueueTriggers.Connection)] SendMessageCommand command, CancellationToken cancellationToken)
    {
        QueueTriggers.Require(command, c => c.V == SendMessageCommand.CurrentVersion && c.TenantId is not null && c.MessageId is not null);
        using var operation = telemetry.StartSend(command);
        var outcome = await sender.SendAsync(command, cancellationToken);
        telemetry.Sent(operation, command, outcome);
    }
}
