using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneClick.Core.Messages;
using OneClick.Core.Meta;
using OneClick.Core.Secrets;
using OneClick.Core.Sending;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;

namespace OneClick.Core.Campaigns;

/// <summary>
/// The send queue job for one batch of recipients of one occurrence:
/// claim (one transaction: queued → sending, before Meta is called) → reserve throughput → call Meta
/// concurrently under pacing → record every result (one transaction) → retry what Meta asked to retry later
/// through the queue → check completion. A batch delivered twice, or retried after dying at any step, never
/// calls Meta twice for a recipient: only the writer whose ETag matched holds the claim, and a claim found
/// stale on retry means "unknown" (the status webhook settles it), never a re-send.
/// </summary>
public sealed partial class CampaignBatchSender(
    CampaignStore campaigns,
    CampaignRecipientStore recipients,
    CampaignProgress progress,
    Messages.MessageStore messages,
    TenantStore tenants,
    TenantSecrets secrets,
    MetaGraphClient meta,
    TenantRateLimiter limiter,
    QueuePublisher queue,
    IOptions<CampaignOptions> options,
    IEnumerable<ICampaignFaultPoint> faults,
    TimeProvider clock,
    ILogger<CampaignBatchSender> logger) : IDisposable
{
    private readonly CampaignOptions _options = options.Value;
    /// <summary>Meta calls in flight in this instance, shared by all batches.</summary>
    private readonly SemaphoreSlim _sendSlots = new(options.Value.MaxConcurrentSends);

    public async Task SendAsync(SendCampaignBatchCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var campaign = await campaigns.GetAsync(command.TenantId, command.CampaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is null || campaign.Status == CampaignStatus.Paused)
            return; // paused: the rows stay queued and resume queues them again
        var partition = CampaignRecipientEntity.PartitionFor(command.TenantId, command.CampaignId, command.Occurrence);
        if (campaign.Status == CampaignStatus.Cancelled)
        {
            var rows = await recipients.GetManyAsync(partition, command.Recipients, cancellationToken).ConfigureAwait(false);
            await recipients.ChangeAsync(partition, rows, r => r.Status == MessageStatus.Queued && Cancel(r), cancellationToken).ConfigureAwait(false);
            await progress.CheckCompletionAsync(command.TenantId, command.CampaignId, command.Occurrence, cancellationToken).ConfigureAwait(false);
            return;
        }

        var claimAt = clock.GetUtcNow();
        // First attempt: the rows as dispatch stored them, claimed only if not one has changed since.
        var claimed = command.Rows is { Count: > 0 } snapshot
            ? await recipients.ChangeIfUnchangedAsync(partition, snapshot.Select(s => s.ToEntity(partition)).ToList(), r => Claim(r, claimAt), cancellationToken).ConfigureAwait(false)
            : null;
        claimed ??= await ClaimStoredAsync(command, partition, claimAt, cancellationToken).ConfigureAwait(false);
        if (claimed.Count == 0)
            return;
        await FaultAsync("send.claimed", command.CampaignId, cancellationToken).ConfigureAwait(false);

        var tenant = await tenants.GetAsync(command.TenantId, cancellationToken).ConfigureAwait(false);
        var credentials = await secrets.GetAsync(command.TenantId, cancellationToken).ConfigureAwait(false);
        Dictionary<string, Outcome> outcomes;
        if (tenant?.PhoneNumberId is null || credentials is null)
        {
            outcomes = claimed.ToDictionary(r => r.RowKey, _ => new Outcome(OutcomeKind.Failed, null, null, "The tenant has no Meta credentials.", "Store them with PUT /api/tenants/{id}/credentials."));
        }
        else
        {
            var times = await limiter.ReserveAsync(command.TenantId, claimed.Count, tenant.MessagesPerSecond, cancellationToken).ConfigureAwait(false);
            if (times[^1] - clock.GetUtcNow() > TimeSpan.FromSeconds(1) && await HeldAsync(command, partition, claimed, claimAt, cancellationToken).ConfigureAwait(false))
                return;
            var gate = new ControlGate(() => campaigns.GetAsync(command.TenantId, command.CampaignId, cancellationToken), clock);
            var results = await Task.WhenAll(claimed.Select((r, i) => SendOneAsync(campaign, command, tenant.PhoneNumberId, credentials.AccessToken, r, times[i], gate, cancellationToken))).ConfigureAwait(false);
            outcomes = claimed.Select((r, i) => (r.RowKey, results[i])).ToDictionary(x => x.RowKey, x => x.Item2, StringComparer.Ordinal);
        }
        await FaultAsync("send.called", command.CampaignId, cancellationToken).ConfigureAwait(false);

        var retry = new HashSet<string>(StringComparer.Ordinal);
        var released = new HashSet<string>(StringComparer.Ordinal);
        await recipients.ChangeAsync(partition, claimed, r => outcomes.TryGetValue(r.RowKey, out var outcome) && Record(r, outcome, claimAt, retry, released), cancellationToken).ConfigureAwait(false);
        // Replies point at the wamid only: one more transaction per batch lets them find their recipient.
        var accepted = claimed.Where(r => outcomes.TryGetValue(r.RowKey, out var o) && o.Wamid is not null)
            .Select(r => (outcomes[r.RowKey].Wamid!, r.PartitionKey, r.RowKey)).ToList();
        if (accepted.Count > 0)
            await messages.IndexCampaignSendsAsync(command.TenantId, accepted, cancellationToken).ConfigureAwait(false);
        if (released.Count > 0)
        {
            // Still paused when this arrives: dropped, and resume queues them. Resumed meanwhile: sent. Never lost either way.
            await queue.SendAsync(QueueNames.CampaignSends, command with { Recipients = released.ToList(), Rows = null }, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
        if (retry.Count > 0)
        {
            var throttled = outcomes.Values.Any(o => o.Kind == OutcomeKind.Retry && o.Code is { } c && MetaErrorPolicy.IsThrottling(c));
            var delay = MessageSender.Backoff(claimed.Where(r => retry.Contains(r.RowKey)).Max(r => r.Attempts), throttled);
            LogRetry(logger, command.CampaignId, retry.Count, delay);
            await queue.SendAsync(QueueNames.CampaignSends, command with { Recipients = retry.ToList(), Rows = null }, delay, cancellationToken).ConfigureAwait(false);
        }
        await FaultAsync("send.recorded", command.CampaignId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Claims the batch's recipients as stored now: a claim older than the lease belongs to an attempt that died
    /// (Meta may have the message, so it becomes unknown, never a re-send); a live claim belongs to another copy
    /// of this batch, looked at again once its lease has run out.
    /// </summary>
    private async Task<List<CampaignRecipientEntity>> ClaimStoredAsync(SendCampaignBatchCommand command, string partition, DateTimeOffset claimAt, CancellationToken cancellationToken)
    {
        var rows = await recipients.GetManyAsync(partition, command.Recipients, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var stale = rows.Where(r => r.Status == MessageStatus.Sending && now - r.ClaimedAt >= _options.SendLease).ToList();
        await recipients.ChangeAsync(partition, stale, r =>
        {
            if (r.Status != MessageStatus.Sending || now - r.ClaimedAt < _options.SendLease)
                return false;
            r.Status = MessageStatus.Unknown;
            r.Detail = "A send attempt stopped after claiming this recipient; not re-sent to avoid a duplicate. The status webhook settles it.";
            return true;
        }, cancellationToken).ConfigureAwait(false);
        var busy = rows.Where(r => r.Status == MessageStatus.Sending && now - r.ClaimedAt < _options.SendLease).ToList();
        if (busy.Count > 0)
        {
            var wait = _options.SendLease - (now - busy.Min(r => r.ClaimedAt)!.Value) + TimeSpan.FromSeconds(1);
            await queue.SendAsync(QueueNames.CampaignSends, command with { Recipients = busy.Select(r => r.RowKey).ToList(), Rows = null }, wait, cancellationToken).ConfigureAwait(false);
        }
        return await recipients.ChangeAsync(partition, rows.Where(r => r.Status == MessageStatus.Queued), r => Claim(r, claimAt), cancellationToken).ConfigureAwait(false);
    }

    private static bool Claim(CampaignRecipientEntity r, DateTimeOffset claimAt)
    {
        if (r.Status != MessageStatus.Queued)
            return false;
        r.Status = MessageStatus.Sending;
        r.ClaimedAt = claimAt;
        r.Attempts++;
        return true;
    }

    /// <summary>Before a long pacing wait, look again: a campaign paused or cancelled meanwhile hands its claims back unsent.</summary>
    private async Task<bool> HeldAsync(SendCampaignBatchCommand command, string partition, List<CampaignRecipientEntity> claimed, DateTimeOffset claimAt, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(command.TenantId, command.CampaignId, cancellationToken).ConfigureAwait(false);
        if (campaign?.Status is not (CampaignStatus.Paused or CampaignStatus.Cancelled))
            return false;
        var cancelled = campaign.Status == CampaignStatus.Cancelled;
        await recipients.ChangeAsync(partition, claimed, r =>
        {
            if (r.Status != MessageStatus.Sending || r.ClaimedAt != claimAt)
                return false;
            r.Attempts--;
            return cancelled ? Cancel(r) : (r.Status = MessageStatus.Queued) is not null;
        }, cancellationToken).ConfigureAwait(false);
        if (!cancelled)
            await queue.SendAsync(QueueNames.CampaignSends, command with { Recipients = claimed.Select(r => r.RowKey).ToList(), Rows = null }, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        await progress.CheckCompletionAsync(command.TenantId, command.CampaignId, command.Occurrence, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<Outcome> SendOneAsync(
        CampaignEntity campaign, SendCampaignBatchCommand command, string phoneNumberId, string accessToken, CampaignRecipientEntity row, DateTimeOffset at, ControlGate gate, CancellationToken cancellationToken)
    {
        var wait = at - clock.GetUtcNow();
        if (wait > TimeSpan.Zero)
            await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
        // A paced batch can take seconds: a pause or cancel meanwhile stops the sends not yet made.
        if (wait > TimeSpan.FromSeconds(1) && await gate.StoppedAsync().ConfigureAwait(false) is { } stopped)
            return new Outcome(OutcomeKind.Released, null, null, stopped, null);
        await _sendSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var wamid = await meta.SendMessageAsync(phoneNumberId, accessToken, Payload(campaign, command.Occurrence, row), cancellationToken).ConfigureAwait(false);
            return new Outcome(OutcomeKind.Accepted, wamid, null, null, null);
        }
        catch (MetaApiException e) when (e.Kind == MetaErrorKind.Terminal || e.Kind == MetaErrorKind.RetryAfterADay)
        {
            return new Outcome(OutcomeKind.Failed, null, e.Code, e.Title, e.Details);
        }
        catch (MetaApiException e)
        {
            return new Outcome(OutcomeKind.Retry, null, e.Code, e.Title, e.Details);
        }
        catch (MetaUnreachableException e)
        {
            return new Outcome(OutcomeKind.Retry, null, null, e.Message, null);
        }
        catch (MetaOutcomeUnknownException e)
        {
            return new Outcome(OutcomeKind.Unknown, null, null, e.Message, null);
        }
        finally
        {
            _sendSlots.Release();
        }
    }

    public static string Payload(CampaignEntity campaign, string occurrence, CampaignRecipientEntity row)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(row);
        return new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = row.RecipientType,
            // A person known only by a BSUID is addressed with "recipient" instead of "to".
            [row.RecipientType != "group" && MetaRecipient.IsUserId(row.To) ? "recipient" : "to"] = row.To,
            ["type"] = campaign.MessageType,
            [campaign.MessageType] = JsonNode.Parse(row.ContentJson ?? campaign.ContentJson),
            ["biz_opaque_callback_data"] = CampaignCallbackReference.For(campaign.Id, occurrence, row.RowKey),
        }.ToJsonString();
    }

    /// <summary>Applies a send's outcome to the row as it is stored now (a webhook may have moved it already).</summary>
    private bool Record(CampaignRecipientEntity r, Outcome outcome, DateTimeOffset claimAt, HashSet<string> retry, HashSet<string> released)
    {
        var ours = r.Status == MessageStatus.Sending && r.ClaimedAt == claimAt;
        switch (outcome.Kind)
        {
            case OutcomeKind.Accepted:
                var changed = r.MetaMessageId is null;
                r.MetaMessageId ??= outcome.Wamid;
                if (MessageStatus.CanMove(r.Status, MessageStatus.Accepted))
                {
                    r.Status = MessageStatus.Accepted;
                    changed = true;
                }
                return changed;
            case OutcomeKind.Released when ours:
                r.Attempts--;
                if (outcome.Title == CampaignStatus.Cancelled)
                    return Cancel(r);
                r.Status = MessageStatus.Queued;
                r.Detail = "Held: the campaign was paused before this recipient was sent.";
                released.Add(r.RowKey);
                return true;
            case OutcomeKind.Unknown when ours:
                r.Status = MessageStatus.Unknown;
                r.Detail = outcome.Title + " Not re-sent; the status webhook will settle it.";
                return true;
            case OutcomeKind.Retry when ours && r.Attempts < _options.MaxAttempts:
                r.Status = MessageStatus.Queued;
                r.Detail = $"{(outcome.Code is null ? "" : $"Meta {outcome.Code} ")}{outcome.Title}: retrying later";
                retry.Add(r.RowKey);
                return true;
            case OutcomeKind.Retry when ours:
            case OutcomeKind.Failed when ours:
                r.Status = MessageStatus.Failed;
                (r.ErrorCode, r.ErrorTitle, r.ErrorDetails) = (outcome.Code, outcome.Title, outcome.Details);
                r.Detail = outcome.Kind == OutcomeKind.Retry ? $"Gave up after {r.Attempts} attempts." : null;
                return true;
            default:
                return false;
        }
    }

    internal static bool Cancel(CampaignRecipientEntity r)
    {
        r.Status = MessageStatus.Cancelled;
        r.Detail = "The campaign was cancelled before this recipient was sent.";
        return true;
    }

    private async Task FaultAsync(string step, string campaignId, CancellationToken cancellationToken)
    {
        foreach (var fault in faults)
            await fault.AtAsync(step, campaignId, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _sendSlots.Dispose();

    private enum OutcomeKind { Accepted, Retry, Failed, Unknown, Released }

    /// <summary>The campaign's status as seen by a batch, read again at most once a second however many sends ask.</summary>
    private sealed class ControlGate(Func<Task<CampaignEntity?>> read, TimeProvider clock)
    {
        private readonly Lock _gate = new();
        private Task<CampaignEntity?>? _last;
        private DateTimeOffset _readAt;

        /// <returns>"paused" or "cancelled" when sends must stop, else null.</returns>
        public async Task<string?> StoppedAsync()
        {
            Task<CampaignEntity?> current;
            lock (_gate)
            {
                if (_last is null || clock.GetUtcNow() - _readAt > TimeSpan.FromSeconds(1))
                    (_last, _readAt) = (read(), clock.GetUtcNow());
                current = _last;
            }
            var campaign = await current.ConfigureAwait(false);
            return campaign?.Status is CampaignStatus.Paused or CampaignStatus.Cancelled ? campaign.Status : null;
        }
    }

    private sealed record Outcome(OutcomeKind Kind, string? Wamid, int? Code, string? Title, string? Details);

    [LoggerMessage(LogLevel.Information, "Campaign {CampaignId}: {Count} recipients retry in {Delay}")]
    private static partial void LogRetry(ILogger logger, string campaignId, int count, TimeSpan delay);
}
