namespace OneClick.Core.Webhooks;

/// <summary>
/// Queue message for webhook-events: one raw webhook body as Meta sent it. Bodies too big for a queue
/// message are parked in blob storage and referenced by <see cref="BlobName"/> (claim check). <see cref="TenantId"/> is
/// the tenant whose callback URL received it, or null for the platform app's callback, whose entries are routed to their
/// tenants when processed. Version 1.
/// </summary>
public sealed record WebhookEventCommand(int V, string? TenantId, string CorrelationId, DateTimeOffset ReceivedAt, string? Body, string? BlobName)
{
    public const int CurrentVersion = 1;
}
