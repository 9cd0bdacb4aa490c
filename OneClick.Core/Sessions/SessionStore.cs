using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using OneClick.Core.Configuration;
using OneClick.Core.Storage;

namespace OneClick.Core.Sessions;

/// <summary>
/// A contact's current session (seed 001's flow progress). Table "sessions", PartitionKey = tenant id,
/// RowKey = "current|{contactId}"; an ended session is kept as "ended|{contactId}|{sessionId}".
/// </summary>
public sealed class SessionEntity : ITableEntity
{
    public const string CurrentPrefix = "current|";
    public const string EndedPrefix = "ended|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string SessionId { get; set; } = "";
    public string ContactId { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastActivityAt { get; set; }
    /// <summary>A JSON object: the journey's state, set by automations and the API.</summary>
    public string ContextJson { get; set; } = "{}";
    /// <summary>A JSON array of <see cref="SessionEvent"/>, oldest first, the newest <see cref="SessionStore.MaxTimeline"/> kept.</summary>
    public string TimelineJson { get; set; } = "[]";

    public static string CurrentRowKey(string contactId) => CurrentPrefix + contactId;
}

/// <param name="Id">Unique per session (a wamid, a run id…): adding the same event twice keeps one.</param>
public sealed record SessionEvent(string Id, string Type, DateTimeOffset At, string? Detail);

public sealed class SessionStore(StorageAccount storage, IConfiguration configuration, TimeProvider clock)
{
    public const int MaxTimeline = 100;
    public const int MaxContextJsonLength = 30_000;
    public static readonly TimeSpan DefaultIdle = TimeSpan.FromMinutes(30);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private TableClient Table => storage.Table(TableNames.Sessions);

    public TimeSpan IdleTimeout =>
        double.TryParse(configuration[SettingNames.ConfigKey(SettingNames.SessionIdleMinutes)], NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes > 0
            ? TimeSpan.FromMinutes(minutes)
            : DefaultIdle;

    public Task<SessionEntity?> GetAsync(string tenantId, string contactId, CancellationToken cancellationToken) =>
        Table.FindAsync<SessionEntity>(tenantId, SessionEntity.CurrentRowKey(contactId), cancellationToken);

    public bool IsExpired(SessionEntity session, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(session);
        return at - session.LastActivityAt > IdleTimeout;
    }

    /// <summary>
    /// Records an event in the contact's session at <paramref name="event"/>.At, continuing the current session or,
    /// when it has been idle longer than <see cref="IdleTimeout"/>, ending it and starting a new one. Events older
    /// than the current session's start (late duplicates) are ignored.
    /// </summary>
    public Task<SessionEntity> TouchAsync(string tenantId, string contactId, SessionEvent @event, CancellationToken cancellationToken) =>
        ChangeAsync(tenantId, contactId, @event.At, @event, null, cancellationToken);

    /// <summary>Sets (or with a null value removes) keys of the session's context, continuing or starting the session.</summary>
    public Task<SessionEntity> SetContextAsync(string tenantId, string contactId, IReadOnlyDictionary<string, JsonNode?> values, string eventId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return ChangeAsync(tenantId, contactId, now, new SessionEvent(eventId, "context_set", now, string.Join(",", values.Keys)), values, cancellationToken);
    }

    private async Task<SessionEntity> ChangeAsync(
        string tenantId, string contactId, DateTimeOffset at, SessionEvent @event, IReadOnlyDictionary<string, JsonNode?>? values, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = await GetAsync(tenantId, contactId, cancellationToken).ConfigureAwait(false);
            SessionEntity session;
            if (current is null || IsExpired(current, at))
            {
                if (current is not null && at < current.StartedAt)
                    return current;
                session = new SessionEntity
                {
                    PartitionKey = tenantId,
                    RowKey = SessionEntity.CurrentRowKey(contactId),
                    SessionId = "s" + Guid.CreateVersion7().ToString("N")[..24],
                    ContactId = contactId,
                    StartedAt = at,
                    LastActivityAt = at,
                    ETag = current?.ETag ?? default,
                };
            }
            else
            {
                session = current;
            }

            var timeline = JsonSerializer.Deserialize<List<SessionEvent>>(session.TimelineJson, Json) ?? [];
            var known = timeline.Any(e => e.Id == @event.Id);
            if (known && values is null && session == current)
                return session;
            if (!known)
                timeline.Add(@event);
            var context = JsonNode.Parse(session.ContextJson) as JsonObject ?? [];
            foreach (var (key, value) in values ?? new Dictionary<string, JsonNode?>())
            {
                if (value is null)
                    context.Remove(key);
                else
                    context[key] = value.DeepClone();
            }
            var contextJson = context.ToJsonString();
            if (contextJson.Length > MaxContextJsonLength)
                throw new SessionContextTooLargeException(contextJson.Length);
            session.ContextJson = contextJson;
            while (timeline.Count > MaxTimeline || (timeline.Count > 1 && JsonSerializer.Serialize(timeline, Json).Length > 30_000))
                timeline.RemoveAt(0);
            session.TimelineJson = JsonSerializer.Serialize(timeline.OrderBy(e => e.At).ToList(), Json);
            if (at > session.LastActivityAt)
                session.LastActivityAt = at;

            try
            {
                if (current is not null && current.SessionId != session.SessionId)
                {
                    // Keep the ended session, then replace the current one (ETag-checked, so two starters cannot both win).
                    var ended = new SessionEntity
                    {
                        PartitionKey = tenantId,
                        RowKey = $"{SessionEntity.EndedPrefix}{contactId}|{current.SessionId}",
                        SessionId = current.SessionId,
                        ContactId = contactId,
                        StartedAt = current.StartedAt,
                        LastActivityAt = current.LastActivityAt,
                        ContextJson = current.ContextJson,
                        TimelineJson = current.TimelineJson,
                    };
                    await Table.UpsertEntityAsync(ended, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                    await Table.UpdateEntityAsync(session, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else if (current is null)
                {
                    await Table.AddEntityAsync(session, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Table.UpdateEntityAsync(session, session.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                return session;
            }
            catch (RequestFailedException e) when (TableErrors.IsPreconditionFailed(e) || TableErrors.IsConflict(e))
            {
                // Someone else changed the session meanwhile: read again and reapply.
            }
        }
    }

    /// <summary>Ended sessions of a contact, oldest first.</summary>
    public Task<ResultPage<SessionEntity>> PageEndedAsync(string tenantId, string contactId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Table.QueryAsync<SessionEntity>(RowRanges.StartsWith(tenantId, $"{SessionEntity.EndedPrefix}{contactId}|"), pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, s => s);
}

public sealed class SessionContextTooLargeException(int length)
    : Exception($"The session context would take {length} characters as JSON; at most {SessionStore.MaxContextJsonLength} fit.");
