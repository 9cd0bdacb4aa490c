using System.Text.Json;

namespace OneClick.Core.Webhooks;

/// <summary>
/// A feature's share of a webhook: each change (one <c>entry[].changes[]</c> item) is offered to every
/// handler that wants its field, after OneClick has applied the message statuses in it. Meta delivers
/// duplicates and out of order, so handlers must be idempotent. A handler that throws fails the whole
/// webhook event, which the queue retries; the other handlers must therefore tolerate a second run too.
/// </summary>
public interface IWebhookChangeHandler
{
    /// <summary>True for the webhook fields (for example "messages", "group_lifecycle_update") this handler takes.</summary>
    bool Wants(string field);

    Task HandleAsync(WebhookChangeContext change, CancellationToken cancellationToken);
}

/// <param name="TenantId">The tenant whose webhook URL received the event (its signature is verified).</param>
/// <param name="Field">The change's field.</param>
/// <param name="Value">The change's value object, as Meta sent it.</param>
/// <param name="ReceivedAt">When OneClick received the webhook.</param>
/// <param name="EventTime">The entry's "time" (when Meta says the event happened), for ordering events whose value has no timestamp.</param>
public sealed record WebhookChangeContext(string TenantId, string Field, JsonElement Value, DateTimeOffset ReceivedAt, DateTimeOffset? EventTime = null);
