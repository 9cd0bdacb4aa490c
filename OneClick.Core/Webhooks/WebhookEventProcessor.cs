using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OneClick.Core.Messages;
using OneClick.Core.Meta;

namespace OneClick.Core.Webhooks;

/// <summary>
/// Applies one webhook body to OneClick's state. Meta delivers duplicates and out of order, so every
/// change here is idempotent and monotonic: a status only moves forward (see <see cref="MessageStatus.CanMove"/>).
/// </summary>
public sealed partial class WebhookEventProcessor(
    MessageStore messages, WebhookOwnership ownership, WebhookRoutes routes, IEnumerable<IWebhookChangeHandler> handlers, Storage.QueuePublisher queue, TimeProvider clock,
    ILogger<WebhookEventProcessor> logger)
{
    // Telemetry under the names the function app exports (OneClick.Functions/Observability/OneClickTelemetry.cs).
    private static readonly ActivitySource Telemetry = new("OneClick");
    private static readonly Meter Meter = new("OneClick");
    private static readonly Counter<long> StatusesApplied =
        Meter.CreateCounter<long>("oneclick.webhook.statuses_applied", "{status}", "Status webhooks that moved a message forward, by status.");

    /// <summary>A body from a tenant's own callback URL: every change must be that tenant's.</summary>
    public async Task ProcessAsync(string tenantId, string body, CancellationToken cancellationToken)
    {
        if (Parse(body, tenantId) is not { } payload)
            return;
        var receivedAt = clock.GetUtcNow();
        var owner = await ownership.ForTenantAsync(tenantId, viaPlatformApp: false, cancellationToken).ConfigureAwait(false);
        foreach (var entry in payload.Entry ?? [])
        foreach (var change in entry.Changes ?? [])
            await ApplyAsync(owner, entry, change, receivedAt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A body from the platform app's callback: each entry goes to the tenant that connected its WABA, if that tenant
    /// uses the platform app; an entry no such tenant owns is dropped (logged, counted), never thrown.
    /// </summary>
    public async Task ProcessPlatformAsync(string body, CancellationToken cancellationToken)
    {
        if (Parse(body, "(platform app)") is not { } payload)
            return;
        var receivedAt = clock.GetUtcNow();
        var owners = new Dictionary<string, WebhookOwnership.Owner>(StringComparer.Ordinal);
        foreach (var entry in payload.Entry ?? [])
        {
            var tenantId = entry.Id is null ? null : await routes.FindTenantByWabaAsync(entry.Id, cancellationToken).ConfigureAwait(false);
            if (tenantId is null)
            {
                foreach (var change in entry.Changes ?? [])
                    ownership.RefuseUnrouted(entry.Id, change.Field);
                continue;
            }
            if (!owners.TryGetValue(tenantId, out var owner))
                owners[tenantId] = owner = await ownership.ForTenantAsync(tenantId, viaPlatformApp: true, cancellationToken).ConfigureAwait(false);
            foreach (var change in entry.Changes ?? [])
                await ApplyAsync(owner, entry, change, receivedAt, cancellationToken).ConfigureAwait(false);
        }
    }

    private WebhookPayload? Parse(string body, string receiver)
    {
        try
        {
            return JsonSerializer.Deserialize<WebhookPayload>(body, WebhookJson.Options);
        }
        catch (JsonException e)
        {
            // Signed with the app secret yet not JSON: retrying cannot fix it; record and drop.
            LogUnreadable(logger, receiver, e.Message);
            return null;
        }
    }

    private async Task ApplyAsync(WebhookOwnership.Owner owner, WebhookEntry entry, WebhookChange change, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var tenantId = owner.TenantId;
        if (!owner.Owns(entry, change))
            return;
        if (change.Field is null || change.Value.ValueKind != JsonValueKind.Object)
        {
            LogIgnoredField(logger, tenantId, change.Field ?? "(none)");
            return;
        }
        if (change.Field == "messages")
        {
            var value = change.Value.Deserialize<MessagesValue>(WebhookJson.Options);
            foreach (var status in value?.Statuses ?? [])
                await ApplyStatusAsync(tenantId, status, cancellationToken).ConfigureAwait(false);
        }

        var handled = change.Field == "messages";
        foreach (var handler in handlers.Where(h => h.Wants(change.Field)))
        {
            var eventTime = entry.Time is { } seconds && seconds > 0 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : (DateTimeOffset?)null;
            await handler.HandleAsync(new WebhookChangeContext(tenantId, change.Field, change.Value, receivedAt, eventTime), cancellationToken).ConfigureAwait(false);
            handled = true;
        }
        if (!handled)
            LogIgnoredField(logger, tenantId, change.Field);
    }

    private async Task ApplyStatusAsync(string tenantId, StatusUpdate update, CancellationToken cancellationToken)
    {
        if (update.Id is null || update.Status is null || !MessageStatus.IsWebhookStatus(update.Status))
        {
            LogIgnoredStatus(logger, tenantId, update.Status ?? "(none)");
            return;
        }

        // A campaign send names its recipient row in the callback and has no message row: the campaigns handler applies it,
        // without the index lookup that would find nothing.
        if (Campaigns.CampaignCallbackReference.Parse(update.CallbackData) is not null)
            return;
        // Our callback reference finds the message even before the send recorded Meta's id.
        var messageId = CallbackReference.MessageIdFrom(update.CallbackData)
            ?? await messages.FindIdByMetaIdAsync(tenantId, update.Id, cancellationToken).ConfigureAwait(false);
        if (messageId is null)
        {
            LogUnknownMessage(logger, tenantId, update.Status);
            return;
        }

        using var activity = Telemetry.StartActivity("ApplyWebhookStatus");
        activity?.SetTag("oneclick.tenant_id", tenantId).SetTag("oneclick.message_id", messageId).SetTag("oneclick.status", update.Status);
        var at = update.Timestamp is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : clock.GetUtcNow();
        var error = update.Errors?.FirstOrDefault();
        var applied = false;
        var resend = (Needed: false, Delay: TimeSpan.Zero);
        var updated = await messages.UpdateAsync(tenantId, messageId, m =>
        {
            resend = (false, TimeSpan.Zero);
            // A send that failed and was sent again: its late statuses change nothing. If the new send is still waiting
            // (an earlier run stopped before queueing it), it is queued again; a second copy finds it claimed.
            if (m.IsRetired(update.Id))
            {
                resend = (m.Status == MessageStatus.Queued, TimeSpan.FromSeconds(1));
                return false;
            }
            // A status for a different send of the same message id is not ours to apply.
            if (m.MetaMessageId is not null && m.MetaMessageId != update.Id)
                return false;
            // A transient failure in the webhook is retried as a synchronous one would be: a new send of the same message.
            if (update.Status == MessageStatus.Failed && error?.Code is { } code && MetaErrorPolicy.Classify(code) == MetaErrorKind.Retryable
                && m.Attempts < Sending.MessageSender.MaxAttempts
                && m.ReopenAfterFailure(update.Id, at, $"Meta {code}: {error.Title ?? error.Message}"))
            {
                var backoff = Sending.MessageSender.Backoff(m.Attempts, MetaErrorPolicy.IsThrottling(code));
                resend = (true, backoff < MetaErrorPolicy.MinimumDelay(code) ? MetaErrorPolicy.MinimumDelay(code) : backoff);
                applied = true;
                return true;
            }
            var settled = m.MetaMessageId is null;
            m.MetaMessageId = update.Id;
            var detail = error is null ? "webhook" : $"Meta {error.Code}: {error.Title}";
            var moved = m.MoveTo(update.Status, at, detail);
            var recorded = !moved && m.RecordPassedStep(update.Status, at, detail);
            if (moved && update.Status == MessageStatus.Failed && error is not null)
                (m.ErrorCode, m.ErrorTitle, m.ErrorDetails) = (error.Code, error.Title ?? error.Message, error.ErrorData?.Details);
            applied = moved;
            return moved || recorded || settled;
        }, cancellationToken).ConfigureAwait(false);

        if (resend.Needed)
        {
            LogResend(logger, messageId, error?.Code, resend.Delay);
            await queue.SendAsync(Storage.QueueNames.OutboundMessages,
                new SendMessageCommand(SendMessageCommand.CurrentVersion, tenantId, messageId, updated?.CorrelationId ?? ""), resend.Delay, cancellationToken).ConfigureAwait(false);
            if (updated is null || updated.Status == MessageStatus.Queued)
                return;
        }
        if (updated is not null)
        {
            // The message's own correlation id links this webhook back to the API request that created the message.
            activity?.SetTag("oneclick.correlation_id", updated.CorrelationId).SetTag("oneclick.applied", applied);
            using var scope = logger.BeginScope(new Dictionary<string, object?>
            {
                ["oneclick.message_id"] = messageId,
                ["oneclick.correlation_id"] = updated.CorrelationId,
            });
            if (applied)
            {
                StatusesApplied.Add(1, new KeyValuePair<string, object?>("oneclick.tenant_id", tenantId), new KeyValuePair<string, object?>("oneclick.status", update.Status));
                LogApplied(logger, update.Status, messageId);
            }
            else
            {
                LogNotApplied(logger, update.Status, messageId, updated.Status);
            }
            await messages.IndexMetaIdAsync(tenantId, update.Id, messageId, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(LogLevel.Information, "Message {MessageId}: Meta reported transient error {Code} in a failed status; sending again in {Delay}")]
    private static partial void LogResend(ILogger logger, string messageId, int? code, TimeSpan delay);

    [LoggerMessage(LogLevel.Information, "Status {Status} applied to message {MessageId}")]
    private static partial void LogApplied(ILogger logger, string status, string messageId);

    [LoggerMessage(LogLevel.Debug, "Status {Status} for message {MessageId} changed nothing (the message is {Current})")]
    private static partial void LogNotApplied(ILogger logger, string status, string messageId, string current);

    [LoggerMessage(LogLevel.Warning, "Webhook for {Receiver} is not readable JSON: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string receiver, string reason);

    [LoggerMessage(LogLevel.Information, "Webhook field {Field} for tenant {TenantId} is not handled yet; ignored")]
    private static partial void LogIgnoredField(ILogger logger, string tenantId, string field);

    [LoggerMessage(LogLevel.Information, "Status {Status} for tenant {TenantId} ignored")]
    private static partial void LogIgnoredStatus(ILogger logger, string tenantId, string status);

    [LoggerMessage(LogLevel.Information, "Status {Status} for tenant {TenantId} refers to no OneClick message; ignored")]
    private static partial void LogUnknownMessage(ILogger logger, string tenantId, string status);
}
