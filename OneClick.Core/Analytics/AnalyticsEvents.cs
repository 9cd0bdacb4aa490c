using System.Globalization;
using System.Runtime.Serialization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;
using OneClick.Core.Validation;

namespace OneClick.Core.Analytics;

/// <summary>The event types OneClick records. Other features may add their own (lower-case, underscores).</summary>
public static class AnalyticsEventTypes
{
    public const string MessageSent = "message_sent";
    public const string MessageDelivered = "message_delivered";
    public const string MessageRead = "message_read";
    public const string MessageFailed = "message_failed";
    public const string InboundReceived = "inbound_received";
    public const string Replied = "replied";
    public const string OptedOut = "opted_out";
    public const string AutomationFired = "automation_fired";
    public const string AutomationActionFailed = "automation_action_failed";
    public const string CampaignStarted = "campaign_started";
    public const string CampaignFinished = "campaign_finished";
}

/// <summary>
/// One structured event. <see cref="Id"/> is derived from its source (e.g. "message_read|{messageId}"), so
/// recording the same source twice (a webhook retry, a queue redelivery) stores one event, not two.
/// </summary>
public sealed record AnalyticsEvent(
    string Id, string Type, DateTimeOffset At,
    string? ContactId = null, string? MessageId = null, string? CampaignId = null, string? RuleId = null,
    int? ErrorCode = null, string? Detail = null);

/// <summary>Table "analyticsevents": PartitionKey = "{tenant}|{yyyyMMdd}" (UTC day), RowKey = the escaped event id.</summary>
public sealed class AnalyticsEventEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string EventId { get; set; } = "";
    public string Type { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public string? ContactId { get; set; }
    public string? MessageId { get; set; }
    public string? CampaignId { get; set; }
    public string? RuleId { get; set; }
    public int? ErrorCode { get; set; }
    public string? Detail { get; set; }

    [IgnoreDataMember]
    public string Day => PartitionKey[(PartitionKey.LastIndexOf('|') + 1)..];

    public static string PartitionFor(string tenantId, DateTimeOffset at) =>
        $"{tenantId}|{at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The events store every feature writes to. Public entry point for other features:
/// <c>AnalyticsEvents.RecordAsync(tenantId, new AnalyticsEvent("campaign_started|c1", AnalyticsEventTypes.CampaignStarted, now, CampaignId: "c1"))</c>.
/// Writes are upserts keyed by the event id within the event's day, so they are idempotent.
/// </summary>
public sealed class AnalyticsEvents(StorageAccount storage)
{
    public const int MaxDays = 92;
    private const int MaxDetailLength = 1000;

    private TableClient Table => storage.Table(TableNames.AnalyticsEvents);

    public async Task RecordAsync(string tenantId, AnalyticsEvent analyticsEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(analyticsEvent);
        var entity = new AnalyticsEventEntity
        {
            PartitionKey = AnalyticsEventEntity.PartitionFor(tenantId, analyticsEvent.At),
            RowKey = TableKey.Escape(analyticsEvent.Id),
            EventId = analyticsEvent.Id,
            Type = analyticsEvent.Type,
            At = analyticsEvent.At,
            ContactId = analyticsEvent.ContactId,
            MessageId = analyticsEvent.MessageId,
            CampaignId = analyticsEvent.CampaignId,
            RuleId = analyticsEvent.RuleId,
            ErrorCode = analyticsEvent.ErrorCode,
            Detail = TextCut.Cut(analyticsEvent.Detail, MaxDetailLength),
        };
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records an opt-out (the audience feature calls this when a contact opts out).</summary>
    public Task RecordOptOutAsync(string tenantId, string contactId, string source, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        RecordAsync(tenantId, new AnalyticsEvent($"{AnalyticsEventTypes.OptedOut}|{contactId}|{at.UtcTicks}", AnalyticsEventTypes.OptedOut, at, ContactId: contactId, Detail: source), cancellationToken);

    /// <summary>Every event of the UTC days from <paramref name="fromDay"/> to <paramref name="toDay"/>, day by day, one storage page at a time.</summary>
    public async IAsyncEnumerable<IReadOnlyList<AnalyticsEventEntity>> ReadPagesAsync(
        string tenantId, DateOnly fromDay, DateOnly toDay, string? campaignId, string? type,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var day = fromDay; day <= toDay; day = day.AddDays(1))
        {
            var partition = $"{tenantId}|{day.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}";
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
            if (campaignId is not null)
                filter += " and " + TableClient.CreateQueryFilter($"CampaignId eq {campaignId}");
            if (type is not null)
                filter += " and " + TableClient.CreateQueryFilter($"Type eq {type}");
            await foreach (var page in Table.QueryAsync<AnalyticsEventEntity>(filter, 1000, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
            {
                if (page.Values.Count > 0)
                    yield return page.Values;
            }
        }
    }

    /// <summary>Counts and rates over a range of days. Reads the raw events of the range (see docs/conversations.md, Analytics).</summary>
    public async Task<AnalyticsSummary> SummarizeAsync(string tenantId, DateOnly fromDay, DateOnly toDay, string? campaignId, CancellationToken cancellationToken)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        var daily = new SortedDictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        var failuresByCode = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var messages = new HashSet<string>(StringComparer.Ordinal);
        for (var day = fromDay; day <= toDay; day = day.AddDays(1))
            daily[day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)] = new(StringComparer.Ordinal);

        await foreach (var page in ReadPagesAsync(tenantId, fromDay, toDay, campaignId, null, cancellationToken).ConfigureAwait(false))
        foreach (var e in page)
        {
            totals[e.Type] = totals.GetValueOrDefault(e.Type) + 1;
            var day = DateOnly.ParseExact(e.Day, "yyyyMMdd", CultureInfo.InvariantCulture).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var counts = daily[day];
            counts[e.Type] = counts.GetValueOrDefault(e.Type) + 1;
            if (e.Type.StartsWith("message_", StringComparison.Ordinal) && e.MessageId is not null)
                messages.Add(e.MessageId);
            if (e.Type == AnalyticsEventTypes.MessageFailed)
            {
                var code = e.ErrorCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
                failuresByCode[code] = failuresByCode.GetValueOrDefault(code) + 1;
            }
        }

        double? Rate(string type) => messages.Count == 0 ? null : Math.Round((double)totals.GetValueOrDefault(type) / messages.Count, 4);
        return new AnalyticsSummary(
            fromDay, toDay, campaignId, messages.Count, totals,
            new AnalyticsRates(Rate(AnalyticsEventTypes.MessageDelivered), Rate(AnalyticsEventTypes.MessageRead), Rate(AnalyticsEventTypes.Replied), Rate(AnalyticsEventTypes.MessageFailed)),
            failuresByCode,
            daily.Select(d => new AnalyticsDay(d.Key, d.Value)).ToList());
    }

    public static string ToJsonLine(AnalyticsEventEntity e, string tenantId)
    {
        ArgumentNullException.ThrowIfNull(e);
        return JsonSerializer.Serialize(new
        {
            id = e.EventId,
            tenantId,
            type = e.Type,
            at = e.At,
            contactId = e.ContactId,
            messageId = e.MessageId,
            campaignId = e.CampaignId,
            ruleId = e.RuleId,
            errorCode = e.ErrorCode,
            detail = e.Detail,
        });
    }
}

/// <param name="Messages">Distinct messages with at least one status event in the range: the base of every rate.</param>
public sealed record AnalyticsSummary(
    DateOnly From, DateOnly To, string? CampaignId, long Messages, IReadOnlyDictionary<string, long> Counts,
    AnalyticsRates Rates, IReadOnlyDictionary<string, long> FailuresByCode, IReadOnlyList<AnalyticsDay> Daily);

public sealed record AnalyticsRates(double? Delivery, double? Read, double? Reply, double? Failure);

public sealed record AnalyticsDay(string Day, IReadOnlyDictionary<string, long> Counts);
