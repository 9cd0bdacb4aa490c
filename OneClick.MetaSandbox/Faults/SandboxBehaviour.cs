using System.Text.Json.Serialization;

namespace OneClick.MetaSandbox.Faults;

/// <summary>
/// Fault injection and webhook timing for one phone number, as PUT/GET on /_sandbox/phone-numbers/{id}/behaviour.
/// PUT replaces the whole object; omitted properties take the defaults below.
/// Unknown properties are rejected, so a misspelt option fails loudly instead of silently doing nothing.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class SandboxBehaviour
{
    /// <summary>Recipient (any formatting; matched on digits) → error code returned synchronously.</summary>
    public Dictionary<string, int>? RecipientErrors { get; set; } = [];

    /// <summary>Chance 0..1 that an otherwise valid send fails with <see cref="FailureCode"/>.</summary>
    public double FailureRate { get; set; }

    /// <summary>Code for random failures; asynchronous codes (see the README) fail through a failed status webhook.</summary>
    public int FailureCode { get; set; } = 131000;

    /// <summary>Sends allowed per phone number in a sliding 1-second window; above it Meta answers 130429. Null = unlimited.</summary>
    public int? MaxMessagesPerSecond { get; set; }

    /// <summary>Delay added before the sandbox answers a send.</summary>
    public int LatencyMs { get; set; }

    public WebhookDelays? WebhookDelaysMs { get; set; } = new();

    /// <summary>Every status webhook is POSTed twice (Meta does not promise exactly-once).</summary>
    public bool DuplicateWebhooks { get; set; }

    /// <summary>The read status is delivered before the delivered status.</summary>
    public bool OutOfOrder { get; set; }

    /// <summary>Chance 0..1 per message that its status webhooks are POSTed twice (a mix, where <see cref="DuplicateWebhooks"/> does all).</summary>
    public double DuplicateRate { get; set; }

    /// <summary>Chance 0..1 per message that its read status comes before delivered (a mix, where <see cref="OutOfOrder"/> does all).</summary>
    public double OutOfOrderRate { get; set; }

    /// <summary>Recipient → code: the send is accepted, then a failed status webhook with that code replaces delivered/read.</summary>
    public Dictionary<string, int>? AsyncFailures { get; set; } = [];

    /// <summary>
    /// Recipient → code, once: the first send to that recipient after this behaviour was PUT is accepted and then fails
    /// through a failed status webhook with that code; later sends go through (a transient failure that a retry passes).
    /// </summary>
    public Dictionary<string, int>? AsyncFailuresOnce { get; set; } = [];

    /// <summary>
    /// The next this-many Graph reads (GET) of this number's groups answer HTTP 503 with code 2 (temporary), then reads
    /// succeed again: a transient fault a client's read retry passes. Writes are never affected.
    /// </summary>
    public int TransientReadFaults { get; set; }

    /// <summary>Groups API timing and injected group error codes (see Groups/GroupBehaviour.cs).</summary>
    public Groups.GroupBehaviour? Groups { get; set; } = new();

    /// <summary>Returns a description of the first invalid value, or null.</summary>
    public string? Validate()
    {
        if (FailureRate is < 0 or > 1 || double.IsNaN(FailureRate))
        {
            return "failureRate must be between 0 and 1.";
        }

        if (DuplicateRate is < 0 or > 1 || OutOfOrderRate is < 0 or > 1 || double.IsNaN(DuplicateRate) || double.IsNaN(OutOfOrderRate))
        {
            return "duplicateRate and outOfOrderRate must be between 0 and 1.";
        }

        if (FailureCode <= 0)
        {
            return "failureCode must be a positive Meta error code.";
        }

        if (MaxMessagesPerSecond is <= 0)
        {
            return "maxMessagesPerSecond must be at least 1, or null for unlimited.";
        }

        if (LatencyMs is < 0 or > MaxDelayMs)
        {
            return $"latencyMs must be between 0 and {MaxDelayMs}.";
        }

        if (WebhookDelaysMs is { } delays && new[] { delays.Sent, delays.Delivered, delays.Read }.Any(delay => delay is < 0 or > MaxDelayMs))
        {
            return $"webhookDelaysMs entries must be between 0 and {MaxDelayMs}, or null to skip that status.";
        }

        if (TransientReadFaults is < 0 or > 100)
        {
            return "transientReadFaults must be between 0 and 100.";
        }

        if (Groups?.Validate() is { } groupsError)
        {
            return groupsError;
        }

        var codes = (RecipientErrors ?? []).Concat(AsyncFailures ?? []).Concat(AsyncFailuresOnce ?? []);
        if (codes.Any(entry => entry.Value <= 0 || string.IsNullOrWhiteSpace(entry.Key)))
        {
            return "recipientErrors, asyncFailures and asyncFailuresOnce map a recipient to a positive Meta error code.";
        }

        return null;
    }

    private const int MaxDelayMs = 600_000;
}

/// <summary>Time after acceptance at which each status webhook is sent; null = that status is never sent.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class WebhookDelays
{
    public int? Sent { get; set; } = 50;
    public int? Delivered { get; set; } = 150;
    public int? Read { get; set; } = 300;
}
