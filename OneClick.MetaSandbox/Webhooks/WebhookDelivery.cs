namespace OneClick.MetaSandbox.Webhooks;

/// <summary>
/// One signed POST waiting to be made. The body and its signature are fixed when scheduled, so retries and
/// duplicates send identical bytes. Holds no secret: only the signature.
/// </summary>
/// <param name="Kind">What it carries, e.g. "status:delivered" or "inbound:text".</param>
/// <param name="Generation">The reset generation it belongs to; deliveries from before a reset are dropped.</param>
/// <param name="Completion">Set when it is part of a sequence: completed once it is delivered or given up.</param>
/// <param name="FirstTriedAt">The <see cref="TimeProvider.GetTimestamp"/> of the first try, for the retry horizon.</param>
internal sealed record WebhookDelivery(
    string PhoneNumberId,
    Uri Url,
    string Kind,
    string? MessageId,
    byte[] Body,
    string Signature,
    long Generation,
    TaskCompletionSource? Completion = null,
    int Attempt = 1,
    long? FirstTriedAt = null);

/// <summary>One step of a webhook sequence: a body POSTed <see cref="Copies"/> times, due <see cref="Due"/> after scheduling.</summary>
internal sealed record SequencedWebhook(string Kind, byte[] Body, TimeSpan Due, int Copies = 1);
