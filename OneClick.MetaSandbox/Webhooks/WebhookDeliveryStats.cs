using System.Text.Json.Serialization;

namespace OneClick.MetaSandbox.Webhooks;

/// <summary>Counts of webhook deliveries for GET /_sandbox/webhook-deliveries; reset with the rest of the sandbox.</summary>
internal sealed class WebhookDeliveryStats(TimeProvider time)
{
    private const int RecentLimit = 200;

    private readonly Lock _gate = new();
    private readonly Queue<DeliveryOutcome> _recent = new();
    private long _generation;
    private int _scheduled;
    private int _delivered;
    private int _failed;
    private int _retries;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    public long Generation
    {
        get
        {
            lock (_gate)
            {
                return _generation;
            }
        }
    }

    public void Scheduled(WebhookDelivery delivery) => Update(delivery, () => _scheduled++);

    public void Delivered(WebhookDelivery delivery) => Update(delivery, () =>
    {
        _delivered++;
        Remember(delivery, "delivered", null);
    });

    public void Retrying(WebhookDelivery delivery, string error) => Update(delivery, () =>
    {
        _retries++;
        SetLastError(error);
    });

    public void Failed(WebhookDelivery delivery, string error) => Update(delivery, () =>
    {
        _failed++;
        SetLastError(error);
        Remember(delivery, "failed", error);
    });

    /// <summary>Forgets everything and starts a new generation (pending deliveries of the old one are dropped).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _generation++;
            _scheduled = _delivered = _failed = _retries = 0;
            _lastError = null;
            _lastErrorAt = null;
            _recent.Clear();
        }
    }

    public WebhookDeliverySummary Snapshot()
    {
        lock (_gate)
        {
            return new WebhookDeliverySummary(
                _scheduled, _scheduled - _delivered - _failed, _delivered, _failed, _retries, _lastError, _lastErrorAt, [.. _recent.Reverse()]);
        }
    }

    private void Update(WebhookDelivery delivery, Action change)
    {
        lock (_gate)
        {
            if (delivery.Generation == _generation)
            {
                change();
            }
        }
    }

    private void SetLastError(string error)
    {
        _lastError = error;
        _lastErrorAt = time.GetUtcNow();
    }

    private void Remember(WebhookDelivery delivery, string outcome, string? error)
    {
        _recent.Enqueue(new DeliveryOutcome(
            time.GetUtcNow(), delivery.PhoneNumberId, delivery.Kind, delivery.MessageId, delivery.Url.ToString(), delivery.Attempt, outcome, error));
        while (_recent.Count > RecentLimit)
        {
            _recent.Dequeue();
        }
    }
}

/// <summary>Body of GET /_sandbox/webhook-deliveries. "recent" lists the last 200 outcomes, newest first.</summary>
internal sealed record WebhookDeliverySummary(
    [property: JsonPropertyName("scheduled")] int Scheduled,
    [property: JsonPropertyName("pending")] int Pending,
    [property: JsonPropertyName("delivered")] int Delivered,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("retries")] int Retries,
    [property: JsonPropertyName("lastError")] string? LastError,
    [property: JsonPropertyName("lastErrorAt")] DateTimeOffset? LastErrorAt,
    [property: JsonPropertyName("recent")] IReadOnlyList<DeliveryOutcome> Recent);

internal sealed record DeliveryOutcome(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("phoneNumberId")] string PhoneNumberId,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("messageId")] string? MessageId,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("error")] string? Error);
