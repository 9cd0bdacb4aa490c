namespace OneClick.Core.Webhooks;

/// <summary>
/// Queue message for webhook-events, version 2: the webhook bodies one instance received at about the same time
/// (<see cref="WebhookInbox"/>), so a burst of status webhooks costs one queue put, receive and delete per message
/// rather than per body. Version 1 held a single body in the message itself; it is still read, so bodies parked before
/// an upgrade are processed after it.
/// </summary>
public sealed record WebhookEventCommand(
    int V, IReadOnlyList<WebhookDelivery>? Deliveries,
    string? TenantId = null, string? CorrelationId = null, DateTimeOffset ReceivedAt = default, string? Body = null, string? BlobName = null)
{
    public const int CurrentVersion = 2;

    /// <summary>The deliveries the message carries, whichever version it is; null when it is not a complete message.</summary>
    public IReadOnlyList<WebhookDelivery>? ReadDeliveries() => V switch
    {
        CurrentVersion when Deliveries is { Count: > 0 } deliveries && deliveries.All(d => d is { CorrelationId: not null } && (d.Body ?? d.BlobName) is not null) => deliveries,
        1 when CorrelationId is not null && (Body ?? BlobName) is not null => [new WebhookDelivery(TenantId, CorrelationId, ReceivedAt, Body, BlobName)],
        _ => null,
    };
}

/// <summary>
/// One raw webhook body as Meta sent it. Bodies too big for a queue message are parked in blob storage and referenced
/// by <see cref="BlobName"/> (claim check). <see cref="TenantId"/> is the tenant whose callback URL received it, or null
/// for the platform app's callback, whose entries are routed to their tenants when processed.
/// </summary>
public sealed record WebhookDelivery(string? TenantId, string CorrelationId, DateTimeOffset ReceivedAt, string? Body, string? BlobName);
