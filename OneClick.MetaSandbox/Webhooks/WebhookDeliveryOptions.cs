namespace OneClick.MetaSandbox.Webhooks;

/// <summary>
/// Configuration section "Sandbox:Webhooks" (environment or e.g. --Sandbox:Webhooks:MaxAttempts=5).
/// A failed POST (non-2xx, connection error, timeout) is retried after InitialBackoffMs × 2^(attempt-1).
/// </summary>
internal sealed class WebhookDeliveryOptions
{
    public const string SectionName = "Sandbox:Webhooks";

    /// <summary>Tries per webhook, the first included; then it is dropped and counted as failed.</summary>
    public int MaxAttempts { get; set; } = 3;

    public int InitialBackoffMs { get; set; } = 200;

    /// <summary>Meta gives up on a callback after about 20 s; the sandbox is less patient by default.</summary>
    public int TimeoutMs { get; set; } = 10_000;

    /// <summary>Webhooks POSTed at the same time.</summary>
    public int Concurrency { get; set; } = 16;
}
