using System.Runtime.ExceptionServices;
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
/// The send queue job for one batch of recipients of one occurrence: reserve throughput → then, wave by wave, take
/// tokens from the instance's <see cref="SendClaimBudget"/>, claim that many recipients (one transaction:
/// queued → sending) and call Meta for each at its paced time → record every result (one transaction) → retry
/// what Meta asked to retry later through the queue. Claims are made just before the calls and never for more
/// recipients than the instance may have in flight (<see cref="CampaignOptions.MaxConcurrentSends"/>), so a process
/// killed at any moment leaves at most that many recipients claimed: the redelivered batch sends the rest normally.
/// A batch delivered twice, or retried after dying at any step, never calls Meta twice for a recipient: only the
/// writer whose ETag matched holds the claim, and a claim found stale on retry means "unknown" (the status webhook
/// settles it, or an operator resends it explicitly), never a silent re-send.
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
    Health.CampaignHolds holds,
    TimeProvider clock,
    ILogger<CampaignBatchSender> logger)
{
    /// <summary>Recipients whose paced send time is this close are claimed together (a slow tenant's batch in a few waves, a fast one's at once).</summary>
    public static readonly TimeSpan ClaimAhead = TimeSpan.FromSeconds(1);
    /// <summary>How long the results of calls already made are kept trying to be written through a storage outage.</summary>
    public static readonly TimeSpan RecordPatience = TimeSpan.FromMinutes(1);

    private readonly CampaignOptions _options = options.Value;
    /// <summary>Recipients claimed and not yet back from Meta in this instance, shared by all batches.</summary>
    private readonly SendClaimBudget _budget = new(options.Value.MaxConcurrentSends);

    /// <summary>
    /// The smallest wave a batch waits for: half a batch, so a full batch is claimed in at most two transactions
    /// (the send path's storage cost stays near one claim per batch), or the whole budget when that is smaller.
    /// </summary>
    private int WaveMinimum => Math.Min(_budget.Capacity, (CampaignRecipientStore.BatchSize + 1) / 2);

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
        var busy = new List<string>();
        // First attempt: the rows as dispatch stored them (no read; a claim's ETag check proves them unchanged).
        // Later attempts: as stored now, dead claims settled first.
        var open = command.Rows is { Count: > 0 } snapshot
            ? snapshot.Select(s => s.ToEntity(partition)).ToList()
            : await OpenStoredAsync(command, partition, busy, cancellationToken).ConfigureAwait(false);
        if (open.Count > 0)
            await SendOpenAsync(campaign, command, partition, open, claimAt, busy, cancellationToken).ConfigureAwait(false);
        if (busy.Count > 0)
        {
            // Claimed by a copy of this batch still within its lease: looked at again once the lease has run out.
            await queue.SendAsync(QueueNames.CampaignSends, command with { Recipients = busy, Rows = null }, _options.SendLease + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendOpenAsync(
        CampaignEntity campaign, SendCampaignBatchCommand command, string partition, List<CampaignRecipientEntity> open, DateTimeOffset claimAt, List<string> busy, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(command.TenantId, cancellationToken).ConfigureAwait(false);
        var credentials = await secrets.GetAsync(command.TenantId, cancellationToken).ConfigureAwait(false);
        if (tenant?.PhoneNumberId is null || credentials is null)
        {
            // Nothing was sent: the queued recipients fail where they are.
            await recipients.ChangeAsync(partition, open, r => r.Status == MessageStatus.Queued && Fail(r, new Outcome(OutcomeKind.Failed, null, null,
                "The tenant has no Meta credentials.", "Store them with PUT /api/tenants/{id}/credentials.")), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (Health.AccountHealth.Hold(tenant, !campaign.IsFreeForm, clock.GetUtcNow()) is { } hold)
        {
            // Meta restricted or banned the account: nothing is claimed, the rows stay queued and the lift resumes them.
            await holds.HoldAsync(command.TenantId, command.CampaignId, hold.Detail, cancellationToken).ConfigureAwait(false);
            return;
        }

        var times = await limiter.ReserveAsync(command.TenantId, open.Count, tenant.MessagesPerSecond, cancellationToken).ConfigureAwait(false);
        var claimed = new List<CampaignRecipientEntity>(open.Count);
        var calls = new List<Task<Outcome>>(open.Count);
        var gate = new ControlGate(() => campaigns.GetAsync(command.TenantId, command.CampaignId, cancellationToken), clock);
        var (stoppedBy, stoppedAt) = ((string?)null, open.Count);
        ExceptionDispatchInfo? outage = null;
        try
        {
            for (var next = 0; next < open.Count;)
            {
                var lead = times[next] - ClaimAhead - clock.GetUtcNow();
                if (lead > TimeSpan.Zero)
                    await Task.Delay(lead, clock, cancellationToken).ConfigureAwait(false);
                // A paced batch can take a while: a pause or cancel meanwhile stops the claims not yet made. (Only pacing:
                // a wait for claim tokens is short, and reading the campaign per wave would cost a request per batch.)
                if (times[next] - claimAt > TimeSpan.FromSeconds(1) && await gate.StoppedAsync().ConfigureAwait(false) is { } stopped)
                {
                    (stoppedBy, stoppedAt) = (stopped, next);
                    break;
                }
                var horizon = clock.GetUtcNow() + ClaimAhead;
                var due = 1;
                while (next + due < open.Count && times[next + due] <= horizon)
                    due++;
                var granted = await _budget.AcquireAsync(Math.Min(due, WaveMinimum), due, cancellationToken).ConfigureAwait(false);
                List<CampaignRecipientEntity> won;
                try
                {
                    won = await ClaimAsync(partition, open.GetRange(next, granted), claimAt, busy, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _budget.Release(granted);
                    throw;
                }
                _budget.Release(granted - won.Count);
                var waveTimes = Enumerable.Range(next, granted).ToDictionary(i => open[i].RowKey, i => times[i], StringComparer.Ordinal);
                next += granted;
                if (won.Count == 0)
                    continue;
                try
                {
                    await FaultAsync("send.claimed", command.CampaignId, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _budget.Release(won.Count);
                    throw;
                }
                foreach (var row in won)
                {
                    claimed.Add(row);
                    calls.Add(SendOneAsync(campaign, command, tenant.PhoneNumberId, credentials.AccessToken, row, waveTimes[row.RowKey], cancellationToken));
                }
            }
        }
        catch (Exception e) when (StorageOutage.IsTransient(e) && calls.Count > 0)
        {
            // The store went away between two waves: record the calls already made (below), then fail so the
            // queue brings the batch back for the recipients not yet claimed.
            outage = ExceptionDispatchInfo.Capture(e);
        }

        var results = await Task.WhenAll(calls).ConfigureAwait(false);
        var outcomes = claimed.Select((r, i) => (r.RowKey, Outcome: results[i])).ToDictionary(x => x.RowKey, x => x.Outcome, StringComparer.Ordinal);
        await FaultAsync("send.called", command.CampaignId, cancellationToken).ConfigureAwait(false);
        await RecordAsync(command, partition, claimed, outcomes, claimAt, cancellationToken).ConfigureAwait(false);
        if (stoppedBy is not null)
            await HoldAsync(command, partition, open.Skip(stoppedAt).ToList(), stoppedBy, cancellationToken).ConfigureAwait(false);
        outage?.Throw();
        await FaultAsync("send.recorded", command.CampaignId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Claims the wave's recipients that are still queued; notes those claimed by another live attempt.</summary>
    private async Task<List<CampaignRecipientEntity>> ClaimAsync(
        string partition, List<CampaignRecipientEntity> wave, DateTimeOffset claimAt, List<string> busy, CancellationToken cancellationToken)
    {
        var others = new HashSet<string>(StringComparer.Ordinal);
        var won = await recipients.ChangeAsync(partition, wave, r =>
        {
            // Called again with the stored row when a row changed under us: the last call decides.
            if (r.Status == MessageStatus.Sending && r.ClaimedAt != claimAt)
            {
                others.Add(r.RowKey);
                return false;
            }
            others.Remove(r.RowKey);
            return Claim(r, claimAt);
        }, cancellationToken).ConfigureAwait(false);
        busy.AddRange(others);
        return won;
    }

    /// <summary>
    /// The batch's recipients as stored now, for a retried batch: a claim older than the lease belongs to an attempt
    /// that died (Meta may have the message, so it becomes unknown, never a silent re-send); a live claim belongs to
    /// another copy of this batch (<paramref name="busy"/>). Returns the queued ones.
    /// </summary>
    private async Task<List<CampaignRecipientEntity>> OpenStoredAsync(SendCampaignBatchCommand command, string partition, List<string> busy, CancellationToken cancellationToken)
    {
        var rows = await recipients.GetManyAsync(partition, command.Recipients, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var stale = rows.Where(r => r.Status == MessageStatus.Sending && now - r.ClaimedAt >= _options.SendLease).ToList();
        var unknown = await recipients.ChangeAsync(partition, stale, r =>
        {
            if (r.Status != MessageStatus.Sending || now - r.ClaimedAt < _options.SendLease)
                return false;
            r.Status = MessageStatus.Unknown;
            r.Detail = "A send attempt stopped after claiming this recipient, so Meta may or may not have it; not re-sent automatically. " +
                "Its status webhook settles it; POST /api/campaigns/{id}/resend-unknown sends it again.";
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (unknown.Count > 0)
            await NoteUnknownAsync(command, unknown.Count, cancellationToken).ConfigureAwait(false);
        busy.AddRange(rows.Where(r => r.Status == MessageStatus.Sending && now - r.ClaimedAt < _options.SendLease).Select(r => r.RowKey));
        var order = command.Recipients.Select((key, i) => (key, i)).ToDictionary(x => x.key, x => x.i, StringComparer.Ordinal);
        return rows.Where(r => r.Status == MessageStatus.Queued).OrderBy(r => order.GetValueOrDefault(r.RowKey)).ToList();
    }

    /// <summary>The occurrence remembers when its first recipient became unknown (shown with the stats until they are resent).</summary>
    private async Task NoteUnknownAsync(SendCampaignBatchCommand command, int count, CancellationToken cancellationToken)
    {
        LogUnknown(logger, command.CampaignId, count);
        var now = clock.GetUtcNow();
        await campaigns.UpdateOccurrenceAsync(command.TenantId, command.CampaignId, command.Occurrence,
            o => o.UnknownSince is null && (o.UnknownSince = now) is not null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes every call's result (through a storage outage too: the results exist nowhere else), then queues what is to be retried.</summary>
    private async Task RecordAsync(
        SendCampaignBatchCommand command, string partition, List<CampaignRecipientEntity> claimed, Dictionary<string, Outcome> outcomes, DateTimeOffset claimAt, CancellationToken cancellationToken)
    {
        if (claimed.Count == 0)
            return;
        var retry = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        await StorageOutage.RetryAsync(() =>
        {
            (retry, unknown) = (new(StringComparer.Ordinal), new(StringComparer.Ordinal));
            return recipients.ChangeAsync(partition, claimed, r => outcomes.TryGetValue(r.RowKey, out var outcome) && Record(r, outcome, claimAt, retry, unknown), cancellationToken);
        }, RecordPatience, clock, cancellationToken).ConfigureAwait(false);
        // Replies point at the wamid only: one more transaction per batch lets them find their recipient.
        var accepted = claimed.Where(r => outcomes.TryGetValue(r.RowKey, out var o) && o.Wamid is not null)
            .Select(r => (outcomes[r.RowKey].Wamid!, r.PartitionKey, r.RowKey)).ToList();
        if (accepted.Count > 0)
            await StorageOutage.RetryAsync(() => messages.IndexCampaignSendsAsync(command.TenantId, accepted, cancellationToken), RecordPatience, clock, cancellationToken).ConfigureAwait(false);
        if (unknown.Count > 0)
            await NoteUnknownAsync(command, unknown.Count, cancellationToken).ConfigureAwait(false);
        if (retry.Count > 0)
        {
            var throttled = outcomes.Values.Any(o => o.Kind == OutcomeKind.Retry && o.Code is { } c && MetaErrorPolicy.IsThrottling(c));
            var delay = MessageSender.Backoff(claimed.Where(r => retry.Contains(r.RowKey)).Max(r => r.Attempts), throttled);
            // 131056 (the same user too often) and a throttled flow ask for a longer wait than the backoff.
            var least = outcomes.Values.Where(o => o.Kind == OutcomeKind.Retry).Select(o => MetaErrorPolicy.MinimumDelay(o.Code)).DefaultIfEmpty(TimeSpan.Zero).Max();
            delay = delay < least ? least : delay;
            LogRetry(logger, command.CampaignId, retry.Count, delay);
            await queue.SendAsync(QueueNames.CampaignSends, command with { Recipients = retry.ToList(), Rows = null }, delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A campaign paused or cancelled while the batch was being paced: the recipients not yet claimed stay unsent.</summary>
    private async Task HoldAsync(SendCampaignBatchCommand command, string partition, List<CampaignRecipientEntity> rest, string stoppedBy, CancellationToken cancellationToken)
    {
        if (stoppedBy == CampaignStatus.Cancelled)
        {
            await recipients.ChangeAsync(partition, rest, r => r.Status == MessageStatus.Queued && Cancel(r), cancellationToken).ConfigureAwait(false);
            await progress.CheckCompletionAsync(command.TenantId, command.CampaignId, command.Occurrence, cancellationToken).ConfigureAwait(false);
            return;
        }
        // Still paused when this arrives: dropped, and resume queues them. Resumed meanwhile: sent. Never lost either way.
        await queue.SendAsync(QueueNames.CampaignSends, command with { Recipients = rest.Select(r => r.RowKey).ToList(), Rows = null }, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
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

    /// <summary>One recipient's Meta call at its paced time; its claim token goes back when the call has returned.</summary>
    private async Task<Outcome> SendOneAsync(
        CampaignEntity campaign, SendCampaignBatchCommand command, string phoneNumberId, string accessToken, CampaignRecipientEntity row, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            var wait = at - clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
            var wamid = await meta.SendMessageAsync(phoneNumberId, accessToken, Payload(campaign, command.Occurrence, row), cancellationToken).ConfigureAwait(false);
            return new Outcome(OutcomeKind.Accepted, wamid, null, null, null);
        }
        catch (MetaApiException e) when (e.Kind == MetaErrorKind.Account)
        {
            // Every send from the account would fail the same way: the campaign pauses at once (the batch's later waves
            // see it) and this recipient goes back to the queue for the resume instead of failing.
            try
            {
                await holds.PauseAsync(command.TenantId, command.CampaignId, Health.CampaignHolds.AccountError,
                    $"Meta {e.Code}: {e.Title}. Sending is paused; resume the campaign once the account is fixed.", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception pause) when (StorageOutage.IsTransient(pause))
            {
                // The recipient is still held (queued, not failed); the next send that meets the error pauses again.
            }
            return new Outcome(OutcomeKind.Held, null, e.Code, e.Title, e.Details);
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
            _budget.Release();
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
    private bool Record(CampaignRecipientEntity r, Outcome outcome, DateTimeOffset claimAt, HashSet<string> retry, HashSet<string> unknown)
    {
        var ours = r.Status == MessageStatus.Sending && r.ClaimedAt == claimAt;
        switch (outcome.Kind)
        {
            case OutcomeKind.Accepted:
                // Meta already reported this send failed (transiently) and the recipient went back to the queue.
                if (r.IsRetired(outcome.Wamid!))
                    return false;
                var changed = r.MetaMessageId is null;
                r.MetaMessageId ??= outcome.Wamid;
                if (MessageStatus.CanMove(r.Status, MessageStatus.Accepted))
                {
                    r.Status = MessageStatus.Accepted;
                    changed = true;
                }
                return changed;
            case OutcomeKind.Unknown when ours:
                r.Status = MessageStatus.Unknown;
                r.Detail = outcome.Title + " Not re-sent automatically; the status webhook settles it, or POST /api/campaigns/{id}/resend-unknown sends it again.";
                unknown.Add(r.RowKey);
                return true;
            case OutcomeKind.Held when ours:
                r.Status = MessageStatus.Queued;
                r.Detail = $"Meta {outcome.Code} {outcome.Title}: held while the campaign is paused";
                return true;
            case OutcomeKind.Retry when ours && r.Attempts < _options.MaxAttempts:
                r.Status = MessageStatus.Queued;
                r.Detail = $"{(outcome.Code is null ? "" : $"Meta {outcome.Code} ")}{outcome.Title}: retrying later";
                retry.Add(r.RowKey);
                return true;
            case OutcomeKind.Retry when ours:
            case OutcomeKind.Failed when ours:
                return Fail(r, outcome);
            default:
                return false;
        }
    }

    private static bool Fail(CampaignRecipientEntity r, Outcome outcome)
    {
        r.Status = MessageStatus.Failed;
        (r.ErrorCode, r.ErrorTitle, r.ErrorDetails) = (outcome.Code, outcome.Title, outcome.Details);
        r.Detail = outcome.Kind == OutcomeKind.Retry ? $"Gave up after {r.Attempts} attempts." : null;
        return true;
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

    private enum OutcomeKind { Accepted, Retry, Failed, Unknown, Held }

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

    [LoggerMessage(LogLevel.Warning, "Campaign {CampaignId}: {Count} recipients are unknown (Meta may or may not have their message)")]
    private static partial void LogUnknown(ILogger logger, string campaignId, int count);

    [LoggerMessage(LogLevel.Information, "Campaign {CampaignId}: {Count} recipients retry in {Delay}")]
    private static partial void LogRetry(ILogger logger, string campaignId, int count, TimeSpan delay);
}
