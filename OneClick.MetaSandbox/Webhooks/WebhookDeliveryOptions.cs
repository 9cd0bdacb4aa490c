namespace OneClick.MetaSandbox.Webhooks;

/// <summary>
/// Configuration section "Sandbox:Webhooks" (environment or e.g. --Sandbox:Webhooks:RetryForMs=60000).
/// A failed POST (non-2xx, connection error, timeout) is retried as Meta retries: with exponential back-off
/// (InitialBackoffMs × 2^(attempt-1), capped at MaxBackoffMs, ±20% jitter) until RetryForMs has passed since the
/// first try. Meta keeps trying for up to 7 days; the sandbox compresses that horizon to minutes by default.
/// </summary>
internal sealed class WebhookDeliveryOptions
{
    public const string SectionName = "Sandbox:Webhooks";

    /// <summary>How long a failing webhook keeps being retried, from its first try (Meta: up to 7 days).</summary>
    public int RetryForMs { get; set; } = 600_000;

    public int InitialBackoffMs { get; set; } = 200;

    /// <summary>The longest wait between two tries, so an app that comes back gets its webhooks soon after.</summary>
    public int MaxBackoffMs { get; set; } = 10_000;

    /// <summary>An optional cap on tries per webhook, the first included (none by default: only <see cref="RetryForMs"/> ends them).</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>Meta gives up on a callback after about 20 s; the sandbox is less patient by default.</summary>
    public int TimeoutMs { get; set; } = 10_000;

    /// <summary>Webhooks POSTed at the same time.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>The wait before try <paramref name="nextAttempt"/> (2, 3, …), or null when the webhook is to be given up.</summary>
    public TimeSpan? BackoffBefore(int nextAttempt, TimeSpan sinceFirstTry, double jitter)
    {
        if (MaxAttempts is { } max && nextAttempt > max)
            return null;
        var ms = Math.Min(MaxBackoffMs, InitialBackoffMs * Math.Pow(2, Math.Min(30, nextAttempt - 2))) * (0.8 + (0.4 * jitter));
        var wait = TimeSpan.FromMilliseconds(ms);
        return sinceFirstTry + wait > TimeSpan.FromMilliseconds(RetryForMs) ? null : wait;
    }
}
