using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneClick.Core.Analytics;
using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Messages;
using OneClick.Core.Sessions;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;

namespace OneClick.Core.Automations;

public enum ActionOutcome { Succeeded, AlreadyHandled, RetryLater, Failed, Unknown }

/// <summary>An action that cannot succeed however often it is tried (no contact, no such list, …).</summary>
public sealed class PermanentActionException(string message) : Exception(message);

/// <summary>
/// Runs one queued automation action. Delivery is at-least-once, so the run row is claimed ("running",
/// ETag-checked) before anything happens; a copy that finds the run finished does nothing. A failing action goes
/// back to "pending" and onto the queue with back-off, and after <see cref="MaxAttempts"/> it is "failed" with its
/// error (visible in GET /api/automations/{id}/runs and as an analytics event): never silently lost.
/// </summary>
public sealed partial class AutomationActionRunner(
    StorageAccount storage,
    QueuePublisher queue,
    TenantStore tenants,
    MessageService messages,
    SessionStore sessions,
    ListStore lists,
    AnalyticsEvents analytics,
    IHttpClientFactory httpClients,
    AutomationSecrets secrets,
    TimeProvider clock,
    ILogger<AutomationActionRunner> logger)
{
    public const int MaxAttempts = 4;
    public const string HttpClientName = "automation-webhooks";
    public const string SignatureHeader = "X-OneClick-Signature-256";
    public const string DeliveryHeader = "X-OneClick-Delivery";
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>How much of a failure's message a run and its analytics event keep.</summary>
    private const int MaxStoredErrorLength = 2000;

    private TableClient Runs => storage.Table(TableNames.AutomationRuns);
    private TableClient Contacts => storage.Table(TableNames.Contacts);

    /// <summary>Back-off between attempts: 0.5 s, 1 s, 2 s, … (capped at a minute).</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(60_000, 500 * Math.Pow(2, Math.Max(0, attempt - 1))));

    public async Task<ActionOutcome> RunAsync(AutomationActionCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var run = await Runs.FindAsync<AutomationRunEntity>(command.TenantId, command.RunKey, cancellationToken).ConfigureAwait(false);
        if (run is null || run.Status is AutomationRunStatus.Succeeded or AutomationRunStatus.Failed or AutomationRunStatus.Unknown)
            return ActionOutcome.AlreadyHandled;
        var action = run.Action;
        if (run.Status == AutomationRunStatus.Running)
        {
            // A copy of the command while another invocation holds the claim: that invocation settles the run. If it
            // crashed instead, its own queue message comes back after the visibility timeout and finds the claim stale.
            if (clock.GetUtcNow() - run.UpdatedAt < Lease)
                return ActionOutcome.AlreadyHandled;
            if (action.Type == ActionTypes.SendMessage)
            {
                // The message may have been stored already: sending again could reach the customer twice.
                await SetAsync(run, r => (r.Status, r.LastError) = (AutomationRunStatus.Unknown, "stopped after its claim; not repeated to avoid a duplicate message"), cancellationToken).ConfigureAwait(false);
                return ActionOutcome.Unknown;
            }
        }

        // The claim: only the writer whose ETag still matches runs the action.
        var won = false;
        var claimed = await Runs.UpdateWithRetryAsync<AutomationRunEntity>(run.PartitionKey, run.RowKey, r =>
        {
            won = r.Status == AutomationRunStatus.Pending || (r.Status == AutomationRunStatus.Running && r.ETag == run.ETag);
            if (won)
            {
                r.Status = AutomationRunStatus.Running;
                r.Attempts++;
                r.UpdatedAt = clock.GetUtcNow();
            }
            return won;
        }, cancellationToken).ConfigureAwait(false);
        if (!won || claimed is null)
            return ActionOutcome.AlreadyHandled;

        try
        {
            var result = await ExecuteAsync(claimed, action, claimed.Event, cancellationToken).ConfigureAwait(false);
            await SetAsync(claimed, r => (r.Status, r.Result, r.LastError) = (AutomationRunStatus.Succeeded, result, null), cancellationToken).ConfigureAwait(false);
            return ActionOutcome.Succeeded;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var error = e is HttpRequestException http ? WebhookFailure(http)
                : e is PermanentActionException or ActionHttpException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            var storedError = TextCut.Cut(error, MaxStoredErrorLength);
            if (e is PermanentActionException || claimed.Attempts >= MaxAttempts)
            {
                await SetAsync(claimed, r => (r.Status, r.LastError) = (AutomationRunStatus.Failed, storedError), cancellationToken).ConfigureAwait(false);
                await analytics.RecordAsync(command.TenantId, new AnalyticsEvent(
                    $"{AnalyticsEventTypes.AutomationActionFailed}|{claimed.RowKey}", AnalyticsEventTypes.AutomationActionFailed, clock.GetUtcNow(),
                    ContactId: claimed.Event.ContactId, RuleId: claimed.RuleId, Detail: storedError), cancellationToken).ConfigureAwait(false);
                LogFailed(logger, claimed.RuleId, claimed.RowKey, claimed.Attempts, error);
                return ActionOutcome.Failed;
            }
            var delay = Backoff(claimed.Attempts);
            await SetAsync(claimed, r => (r.Status, r.LastError) = (AutomationRunStatus.Pending, storedError), cancellationToken).ConfigureAwait(false);
            await queue.SendAsync(QueueNames.AutomationActions, command, delay, cancellationToken).ConfigureAwait(false);
            LogRetry(logger, claimed.RuleId, claimed.RowKey, claimed.Attempts, delay, error);
            return ActionOutcome.RetryLater;
        }
    }

    /// <summary>What a failed webhook call may tell the tenant (in the run's lastError): never the address or port, which would map the inside.</summary>
    public static string WebhookFailure(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is OutboundAddressRefusedException refused)
                return refused.Message;
        return $"The webhook could not be reached ({e.HttpRequestError}).";
    }

    private Task<AutomationRunEntity?> SetAsync(AutomationRunEntity run, Action<AutomationRunEntity> change, CancellationToken cancellationToken) =>
        Runs.UpdateWithRetryAsync<AutomationRunEntity>(run.PartitionKey, run.RowKey, r =>
        {
            change(r);
            r.UpdatedAt = clock.GetUtcNow();
            return true;
        }, cancellationToken);

    private async Task<string?> ExecuteAsync(AutomationRunEntity run, AutomationAction action, AutomationEvent e, CancellationToken cancellationToken)
    {
        var tenantId = run.PartitionKey;
        switch (action.Type)
        {
            case ActionTypes.SendMessage:
            {
                var contactId = e.ContactId ?? throw new PermanentActionException("The event has no contact to send to.");
                var tenant = await tenants.GetAsync(tenantId, cancellationToken).ConfigureAwait(false) ?? throw new PermanentActionException("No such tenant.");
                var metadata = action.Message!.Metadata?.DeepClone().AsObject() ?? [];
                // The origin marker: whatever this message causes (a failure, …) fires no automation.
                metadata[EventOrigins.MetadataKey] = EventOrigins.Automation;
                metadata["automationRuleId"] = run.RuleId;
                metadata["automationRunId"] = run.RowKey;
                var request = action.Message with { ContactId = contactId, To = null, ScheduleFor = null, Metadata = metadata };
                var result = await messages.SubmitAsync(tenant, request, run.CorrelationId, cancellationToken).ConfigureAwait(false);
                if (result.Failure is { } refused)
                    throw new PermanentActionException("The message was refused: " + (refused.Errors is { } errors ? JsonSerializer.Serialize(errors.ToDictionary()) : refused.Detail));
                return result.Value!.Id;
            }
            case ActionTypes.Webhook:
                return await CallWebhookAsync(run, action, e, cancellationToken).ConfigureAwait(false);
            case ActionTypes.AddTag or ActionTypes.RemoveTag:
            {
                var contactId = e.ContactId ?? throw new PermanentActionException("The event has no contact to tag.");
                await SetTagAsync(tenantId, contactId, action.Tag!, action.Type == ActionTypes.AddTag, cancellationToken).ConfigureAwait(false);
                return null;
            }
            case ActionTypes.AddToList:
            {
                var contactId = e.ContactId ?? throw new PermanentActionException("The event has no contact to add.");
                await AddToListAsync(tenantId, action.ListId!, contactId, cancellationToken).ConfigureAwait(false);
                return null;
            }
            case ActionTypes.SetSession:
            {
                var contactId = e.ContactId ?? throw new PermanentActionException("The event has no contact whose session to set.");
                await sessions.SetContextAsync(tenantId, contactId, new Dictionary<string, JsonNode?> { [action.Key!] = action.Value?.DeepClone() }, run.RowKey, cancellationToken).ConfigureAwait(false);
                return null;
            }
            default:
                throw new PermanentActionException($"Unknown action type '{action.Type}'.");
        }
    }

    private async Task<string> CallWebhookAsync(AutomationRunEntity run, AutomationAction action, AutomationEvent e, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            deliveryId = run.RowKey,
            tenantId = run.PartitionKey,
            ruleId = run.RuleId,
            attempt = run.Attempts,
            @event = e,
        }, AutomationJson.Options);
        // Rules saved before secrets moved to the secret store still carry theirs inline.
        var secret = action.Secret ?? await secrets.GetAsync(run.PartitionKey, run.RuleId, run.ActionIndex, cancellationToken).ConfigureAwait(false)
            ?? throw new PermanentActionException("The webhook action's signing secret is missing from the secret store; save the rule again with its secret.");
        using var request = new HttpRequestMessage(HttpMethod.Post, action.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(SignatureHeader, "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)));
        // The same id on every attempt, so the receiver can drop a repeat of a delivery it already took.
        request.Headers.Add(DeliveryHeader, run.RowKey);
        using var http = httpClients.CreateClient(HttpClientName);
        http.Timeout = TimeSpan.FromSeconds(10);
        // Headers only: the body is never read, so a huge answer costs nothing.
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new ActionHttpException($"The webhook answered HTTP {(int)response.StatusCode}.");
        return $"HTTP {(int)response.StatusCode}";
    }

    /// <summary>Writes the contact's TagsJson and its "tag|{tag}|{contactId}" index row (contracts: audience data model).</summary>
    private async Task SetTagAsync(string tenantId, string contactId, string tag, bool add, CancellationToken cancellationToken)
    {
        var contact = await Contacts.UpdateWithRetryAsync<ContactEntity>(tenantId, ContactEntity.RowKeyFor(contactId), c =>
        {
            var tags = c.Tags.ToList();
            if (add == tags.Contains(tag))
                return false;
            if (add && tags.Count >= Tags.MaxPerContact)
                throw new PermanentActionException($"The contact already has {Tags.MaxPerContact} tags.");
            if (add)
                tags.Add(tag);
            else
                tags.Remove(tag);
            c.TagsJson = JsonSerializer.Serialize(tags);
            c.UpdatedAt = clock.GetUtcNow();
            return true;
        }, cancellationToken).ConfigureAwait(false) ?? throw new PermanentActionException("No such contact.");
        _ = contact;
        if (add)
        {
            await Contacts.UpsertEntityAsync(new ContactTagEntity
            {
                PartitionKey = tenantId,
                RowKey = ContactTagEntity.RowKeyFor(tag, contactId),
                ContactId = contactId,
            }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A missing row (already removed) is answered 404 without an exception.
            await Contacts.DeleteEntityAsync(tenantId, ContactTagEntity.RowKeyFor(tag, contactId), ETag.All, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The membership, its reverse (contact → lists) row and the list's count share the tenant's partition of the
    /// "lists" table, so <see cref="ListStore.AddMembersAsync"/> writes them in one ETag-checked transaction: a retried or
    /// duplicated action finds the member and counts nothing, and a crash leaves all three rows or none.
    /// </summary>
    private async Task AddToListAsync(string tenantId, string listId, string contactId, CancellationToken cancellationToken)
    {
        if (await lists.AddMembersAsync(tenantId, listId, [contactId], cancellationToken).ConfigureAwait(false) is null)
            throw new PermanentActionException($"No list {listId}.");
    }

    [LoggerMessage(LogLevel.Warning, "Automation {RuleId} action {RunKey} failed for good after {Attempts} attempts: {Error}")]
    private static partial void LogFailed(ILogger logger, string ruleId, string runKey, int attempts, string error);

    [LoggerMessage(LogLevel.Information, "Automation {RuleId} action {RunKey} attempt {Attempts} failed, retrying in {Delay}: {Error}")]
    private static partial void LogRetry(ILogger logger, string ruleId, string runKey, int attempts, TimeSpan delay, string error);
}

public sealed class ActionHttpException(string message) : Exception(message);
