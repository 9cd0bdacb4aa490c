using System.Diagnostics;
using OneClick.Core.Messages;
using OneClick.Core.Sending;
using OneClick.Core.Storage;
using OneClick.Core.Webhooks;

namespace OneClick.Functions.Observability;

/// <summary>
/// Telemetry for the queue functions. Each send and each webhook delivery runs inside an activity of the
/// "OneClick" source and a logging scope with the same dimensions, taken from the queue command, so the
/// correlation id given to the API follows the message through the queue to Meta.
/// </summary>
public sealed partial class InvocationTelemetry(ILogger<InvocationTelemetry> logger)
{
    public TracedOperation StartSend(SendMessageCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return TracedOperation.Start(logger, "SendMessage",
        [
            new(OneClickTelemetry.TenantId, command.TenantId),
            new(OneClickTelemetry.MessageId, command.MessageId),
            new(OneClickTelemetry.CorrelationId, command.CorrelationId),
            new(OneClickTelemetry.Destination, QueueNames.OutboundMessages),
        ]);
    }

    public void Sent(TracedOperation operation, SendMessageCommand command, SendOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(command);
        var name = outcome.ToString().ToLowerInvariant();
        operation.Activity?.SetTag(OneClickTelemetry.Outcome, name);
        if (outcome == SendOutcome.Failed)
            operation.Activity?.SetStatus(ActivityStatusCode.Error, "Meta refused the message");
        OneClickTelemetry.MessagesSent.Add(1,
            new KeyValuePair<string, object?>(OneClickTelemetry.TenantId, command.TenantId),
            new KeyValuePair<string, object?>(OneClickTelemetry.Outcome, name));
        LogSent(logger, command.MessageId, name);
    }

    /// <summary>
    /// The delivery's own correlation id goes under <see cref="OneClickTelemetry.WebhookCorrelationId"/>: each status
    /// inside it opens a nested scope with its message's correlation id, and nested scopes must not repeat a key.
    /// </summary>
    public TracedOperation StartWebhook(WebhookDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return TracedOperation.Start(logger, "ProcessWebhookEvent",
        [
            new(OneClickTelemetry.TenantId, delivery.TenantId),
            new(OneClickTelemetry.WebhookCorrelationId, delivery.CorrelationId),
            new(OneClickTelemetry.Destination, QueueNames.WebhookEvents),
        ]);
    }

    /// <summary>One delivery of a message that held several failed; it is parked again alone (its own retries).</summary>
    public void WebhookDeliveryFailed(WebhookDelivery delivery, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        LogDeliveryFailed(logger, exception, delivery.CorrelationId, delivery.TenantId);
    }

    [LoggerMessage(LogLevel.Warning, "Webhook delivery {CorrelationId} of tenant {TenantId} failed inside a shared queue message; parked again on its own")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string correlationId, string? tenantId);

    [LoggerMessage(LogLevel.Information, "Send of message {MessageId}: {Outcome}")]
    private static partial void LogSent(ILogger logger, string messageId, string outcome);
}

/// <summary>An activity (null when nothing listens) and a logging scope with the same tags; disposing ends both.</summary>
public sealed class TracedOperation : IDisposable
{
    private readonly IDisposable? _scope;

    private TracedOperation(Activity? activity, IDisposable? scope) => (Activity, _scope) = (activity, scope);

    public Activity? Activity { get; }

    public static TracedOperation Start(ILogger logger, string name, KeyValuePair<string, object?>[] tags)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var activity = OneClickTelemetry.Source.StartActivity(name, ActivityKind.Internal, parentContext: default, tags);
        return new TracedOperation(activity, logger.BeginScope(tags));
    }

    public void Dispose()
    {
        _scope?.Dispose();
        Activity?.Dispose();
    }
}
