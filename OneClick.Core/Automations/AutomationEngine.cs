using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneClick.Core.Analytics;
using OneClick.Core.Storage;

namespace OneClick.Core.Automations;

/// <summary>Where an event came from. Events caused by an automation never trigger automations (no loops).</summary>
public static class EventOrigins
{
    public const string Automation = "automation";
    /// <summary>The metadata key OneClick sets on messages an automation sends.</summary>
    public const string MetadataKey = "origin";
}

/// <summary>
/// Something that may fire automations.
/// </summary>
/// <param name="Kind">"inbound" (a customer message), or one of the non-message triggers: message_failed, contact_opted_in, campaign_finished.</param>
/// <param name="EventId">The triggering event's own id (a wamid, "failed|{messageId}", …): each rule runs at most once per event id.</param>
/// <param name="Origin">"automation" when an automation caused it; such events fire nothing.</param>
/// <param name="FlowResponse">A Flow's reply (ReplyKind nfm_reply): its response_json, passed on to webhook actions.</param>
public sealed record AutomationEvent(
    string Kind, string EventId, DateTimeOffset At,
    string? ContactId = null, string? Text = null, string? ReplyKind = null, string? ReplyId = null,
    string? MessageId = null, string? CampaignId = null, int? ErrorCode = null, string? Origin = null,
    System.Text.Json.Nodes.JsonNode? FlowResponse = null)
{
    public const string Inbound = "inbound";
}

public static class AutomationRunStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    /// <summary>A send stopped after its claim: it may or may not have happened, and is not repeated.</summary>
    public const string Unknown = "unknown";
}

/// <summary>
/// One action of one rule for one triggering event. Table "automationruns", PartitionKey = tenant id,
/// RowKey = "{ruleId}|{escaped event id}|{action index}": the key is the at-most-once guarantee.
/// </summary>
public sealed class AutomationRunEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string RuleId { get; set; } = "";
    public string EventId { get; set; } = "";
    public int ActionIndex { get; set; }
    public string ActionJson { get; set; } = "{}";
    public string EventJson { get; set; } = "{}";
    public string Status { get; set; } = AutomationRunStatus.Pending;
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public string? Result { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string CorrelationId { get; set; } = "";

    [IgnoreDataMember]
    public AutomationAction Action => JsonSerializer.Deserialize<AutomationAction>(ActionJson, AutomationJson.Options)!;

    [IgnoreDataMember]
    public AutomationEvent Event => JsonSerializer.Deserialize<AutomationEvent>(EventJson, AutomationJson.Options)!;

    public static string RowKeyFor(string ruleId, string eventId, int actionIndex) => $"{ruleId}|{TableKey.Escape(eventId)}|{actionIndex:D2}";
}

/// <summary>Queue message for automation-actions: run one stored action. Version 1.</summary>
public sealed record AutomationActionCommand(int V, string TenantId, string RunKey, string CorrelationId)
{
    public const int CurrentVersion = 1;
}

/// <summary>Finds the rules an event fires and queues their actions, each once per (rule, event, action).</summary>
public sealed partial class AutomationEngine(
    AutomationStore rules, StorageAccount storage, QueuePublisher queue, AnalyticsEvents analytics, TimeProvider clock, ILogger<AutomationEngine> logger)
{
    private TableClient Runs => storage.Table(TableNames.AutomationRuns);

    /// <summary>The enabled rules <paramref name="event"/> would fire (the dry run; no side effects).</summary>
    public async Task<IReadOnlyList<AutomationRuleEntity>> MatchAsync(string tenantId, AutomationEvent @event, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (@event.Origin == EventOrigins.Automation)
            return [];
        var all = await rules.AllAsync(tenantId, cancellationToken).ConfigureAwait(false);
        return all.Where(r => r.Enabled && Matches(r.Trigger, @event)).ToList();
    }

    public static bool Matches(AutomationTrigger trigger, AutomationEvent e)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(e);
        switch (trigger.Type)
        {
            case TriggerTypes.Keyword when e.Kind == AutomationEvent.Inbound && e.Text is not null:
                var words = Words().Split(e.Text.ToLowerInvariant()).Where(w => w.Length > 0).ToHashSet(StringComparer.Ordinal);
                var whole = e.Text.Trim();
                return trigger.Keywords?.Any(k => words.Contains(k.Trim().ToLowerInvariant()) || string.Equals(whole, k.Trim(), StringComparison.OrdinalIgnoreCase)) == true;
            case TriggerTypes.Pattern when e.Kind == AutomationEvent.Inbound && e.Text is not null && trigger.Pattern is not null:
                try
                {
                    return AutomationValidation.CompilePattern(trigger.Pattern)?.IsMatch(e.Text) == true;
                }
                catch (RegexMatchTimeoutException)
                {
                    return false;
                }
            case TriggerTypes.ButtonReply when e.Kind == AutomationEvent.Inbound && e.ReplyKind is "button_reply" or "quick_reply":
            case TriggerTypes.ListReply when e.Kind == AutomationEvent.Inbound && e.ReplyKind == "list_reply":
                return e.ReplyId is not null && string.Equals(e.ReplyId, trigger.ReplyId, StringComparison.Ordinal);
            case TriggerTypes.FlowReply when e.Kind == AutomationEvent.Inbound && e.ReplyKind == "nfm_reply":
                // Any flow's reply, or only the one sent with this flow_token.
                return trigger.ReplyId is null || string.Equals(e.ReplyId, trigger.ReplyId, StringComparison.Ordinal);
            case TriggerTypes.MessageFailed when e.Kind == TriggerTypes.MessageFailed:
                return (trigger.ErrorCode is null || trigger.ErrorCode == e.ErrorCode)
                    && (trigger.CampaignId is null || trigger.CampaignId == e.CampaignId);
            case TriggerTypes.ContactOptedIn when e.Kind == TriggerTypes.ContactOptedIn:
                return true;
            case TriggerTypes.CampaignFinished when e.Kind == TriggerTypes.CampaignFinished:
                return trigger.CampaignId is null || trigger.CampaignId == e.CampaignId;
            default:
                return false;
        }
    }

    /// <summary>
    /// Fires the matching rules: each action becomes a run row (its key makes it once per event) and a queue item.
    /// Safe to call again for the same event (a webhook retry): existing runs are not repeated, only re-queued
    /// while still pending, in case the first call stopped between the row and the queue.
    /// </summary>
    public async Task<int> RaiseAsync(string tenantId, AutomationEvent @event, string correlationId, CancellationToken cancellationToken)
    {
        var fired = await MatchAsync(tenantId, @event, cancellationToken).ConfigureAwait(false);
        foreach (var rule in fired)
        {
            var actions = rule.Actions;
            for (var i = 0; i < actions.Count; i++)
            {
                var now = clock.GetUtcNow();
                var run = new AutomationRunEntity
                {
                    PartitionKey = tenantId,
                    RowKey = AutomationRunEntity.RowKeyFor(rule.Id, @event.EventId, i),
                    RuleId = rule.Id,
                    EventId = @event.EventId,
                    ActionIndex = i,
                    ActionJson = JsonSerializer.Serialize(actions[i], AutomationJson.Options),
                    EventJson = JsonSerializer.Serialize(@event, AutomationJson.Options),
                    CreatedAt = now,
                    UpdatedAt = now,
                    CorrelationId = correlationId,
                };
                try
                {
                    await Runs.AddEntityAsync(run, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (TableErrors.IsConflict(e))
                {
                    var existing = await Runs.FindAsync<AutomationRunEntity>(tenantId, run.RowKey, cancellationToken).ConfigureAwait(false);
                    if (existing is not { Status: AutomationRunStatus.Pending, Attempts: 0 })
                        continue;
                }
                await queue.SendAsync(QueueNames.AutomationActions,
                    new AutomationActionCommand(AutomationActionCommand.CurrentVersion, tenantId, run.RowKey, correlationId),
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            await analytics.RecordAsync(tenantId, new AnalyticsEvent(
                $"{AnalyticsEventTypes.AutomationFired}|{rule.Id}|{@event.EventId}", AnalyticsEventTypes.AutomationFired, @event.At,
                ContactId: @event.ContactId, MessageId: @event.MessageId, CampaignId: @event.CampaignId, RuleId: rule.Id, Detail: @event.Kind), cancellationToken).ConfigureAwait(false);
            LogFired(logger, rule.Id, tenantId, @event.Kind, actions.Count);
        }
        return fired.Count;
    }

    public Task<ResultPage<AutomationRunEntity>> PageRunsAsync(string tenantId, string ruleId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Runs.QueryAsync<AutomationRunEntity>(RowRanges.StartsWith(tenantId, ruleId + "|"), pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, r => r);

    [GeneratedRegex(@"[^\p{L}\p{N}_'-]+")]
    private static partial Regex Words();

    [LoggerMessage(LogLevel.Information, "Automation {RuleId} of tenant {TenantId} fired on {Kind}: {Actions} actions queued")]
    private static partial void LogFired(ILogger logger, string ruleId, string tenantId, string kind, int actions);
}

/// <summary>
/// The public way for other features to raise the non-webhook triggers, e.g. from the audience feature
/// <c>await triggers.ContactOptedInAsync(tenantId, contactId, $"optin|{contactId}|{at.UtcTicks}")</c> and from the
/// campaign engine <c>await triggers.CampaignFinishedAsync(tenantId, campaignId)</c>. Each event id fires a rule once.
/// </summary>
public sealed class AutomationTriggers(AutomationEngine engine, TimeProvider clock)
{
    public Task<int> RaiseAsync(string tenantId, AutomationEvent @event, string? correlationId = null, CancellationToken cancellationToken = default) =>
        engine.RaiseAsync(tenantId, @event, correlationId ?? Guid.NewGuid().ToString("N"), cancellationToken);

    public Task<int> ContactOptedInAsync(string tenantId, string contactId, string eventId, string? origin = null, CancellationToken cancellationToken = default) =>
        RaiseAsync(tenantId, new AutomationEvent(TriggerTypes.ContactOptedIn, eventId, clock.GetUtcNow(), ContactId: contactId, Origin: origin), null, cancellationToken);

    /// <param name="occurrence">A recurring campaign finishes once per occurrence; null for a one-off.</param>
    public Task<int> CampaignFinishedAsync(string tenantId, string campaignId, string? occurrence = null, CancellationToken cancellationToken = default) =>
        RaiseAsync(tenantId, new AutomationEvent(TriggerTypes.CampaignFinished, $"campaign_finished|{campaignId}|{occurrence}", clock.GetUtcNow(), CampaignId: campaignId), null, cancellationToken);
}
