using Microsoft.Extensions.Logging;
using OneClick.Core.Messages;
using OneClick.Core.Meta;
using OneClick.Core.Scheduling;
using OneClick.Core.Secrets;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;

namespace OneClick.Core.Sending;

public enum SendOutcome { Accepted, AlreadyHandled, RetryLater, Failed, Unknown, Skipped }

/// <summary>
/// The send function's work for one queued message. Delivery from the queue is at-least-once, so before
/// calling Meta the message is claimed ("sending", written with its ETag). A copy of the command that finds
/// a fresh claim backs off; one that finds a stale claim cannot know whether Meta took the message, so it
/// marks it "unknown" instead of sending again — the status webhook, which echoes our callback reference,
/// settles it. Meta's errors are handled by code: throughput and transient ones retry later through the
/// queue, terminal ones fail the message with Meta's code and title.
/// </summary>
public sealed partial class MessageSender(
    MessageStore messages,
    TenantStore tenants,
    TenantSecrets secrets,
    MetaGraphClient meta,
    QueuePublisher queue,
    DueScheduleStore schedules,
    IEnumerable<ISendGuard> guards,
    IEnumerable<IMessageFailureObserver> failureObservers,
    TimeProvider clock,
    ILogger<MessageSender> logger)
{
    public const int MaxAttempts = 8;
    /// <summary>How long a claim protects a send in progress (longer than the Graph call's timeout).</summary>
    public static readonly TimeSpan SendLease = TimeSpan.FromMinutes(1);

    public async Task<SendOutcome> SendAsync(SendMessageCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var message = await messages.GetAsync(command.TenantId, command.MessageId, cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            LogMissing(logger, command.TenantId, command.MessageId);
            return SendOutcome.AlreadyHandled;
        }

        var now = clock.GetUtcNow();
        if (message.Status == MessageStatus.Sending)
        {
            var claimAge = now - message.UpdatedAt;
            if (claimAge < SendLease)
            {
                await RequeueAsync(command, SendLease - claimAge, cancellationToken).ConfigureAwait(false);
                return SendOutcome.RetryLater;
            }
            await MoveAsync(message, MessageStatus.Unknown, "a send attempt stopped after claiming the message; not re-sent to avoid a duplicate", cancellationToken).ConfigureAwait(false);
            return SendOutcome.Unknown;
        }
        if (message.Status is not (MessageStatus.Queued or MessageStatus.Scheduled))
            return SendOutcome.AlreadyHandled;

        var tenant = await tenants.GetAsync(command.TenantId, cancellationToken).ConfigureAwait(false);
        foreach (var guard in guards)
        {
            // Checked at send time, not only when the message was accepted: consent and windows change meanwhile.
            if (await guard.SkipReasonAsync(message, cancellationToken).ConfigureAwait(false) is not { } skip)
                continue;
            await messages.UpdateAsync(message.TenantId, message.Id, m =>
            {
                var moved = m.MoveTo(MessageStatus.Skipped, clock.GetUtcNow(), skip.Detail);
                if (moved)
                    m.SkipReason = skip.Reason;
                return moved;
            }, cancellationToken).ConfigureAwait(false);
            return SendOutcome.Skipped;
        }
        var credentials = await secrets.GetAsync(command.TenantId, cancellationToken).ConfigureAwait(false);
        if (tenant?.PhoneNumberId is null || credentials is null)
        {
            await FailAsync(message, null, "The tenant has no Meta credentials.", "Store them with PUT /api/tenants/{id}/credentials.", cancellationToken).ConfigureAwait(false);
            return SendOutcome.Failed;
        }

        // The claim: only the writer whose ETag still matches goes on to call Meta.
        var won = false;
        var claimed = await messages.UpdateAsync(message.TenantId, message.Id, m =>
        {
            won = m.Status is MessageStatus.Queued or MessageStatus.Scheduled;
            if (won)
            {
                m.Attempts++;
                m.MoveTo(MessageStatus.Sending, clock.GetUtcNow(), $"attempt {m.Attempts}");
            }
            return won;
        }, cancellationToken).ConfigureAwait(false);
        if (!won || claimed is null)
            return SendOutcome.AlreadyHandled;

        try
        {
            var wamid = await meta.SendMessageAsync(tenant.PhoneNumberId, credentials.AccessToken, claimed.PayloadJson, cancellationToken).ConfigureAwait(false);
            await messages.IndexMetaIdAsync(claimed.TenantId, wamid, claimed.Id, cancellationToken).ConfigureAwait(false);
            await messages.UpdateAsync(claimed.TenantId, claimed.Id, m =>
            {
                // Meta already reported this send failed (transiently) and the message went back to the queue.
                if (m.IsRetired(wamid))
                    return false;
                var changed = m.MetaMessageId is null;
                m.MetaMessageId ??= wamid;
                // A webhook may already have moved it further; MoveTo then leaves the status alone.
                return m.MoveTo(MessageStatus.Accepted, clock.GetUtcNow()) | changed;
            }, cancellationToken).ConfigureAwait(false);
            return SendOutcome.Accepted;
        }
        catch (MetaApiException e) when (e.Kind == MetaErrorKind.Retryable)
        {
            return await RetryOrFailAsync(command, claimed, e.Code, e.Title, e.Details, MetaErrorPolicy.IsThrottling(e.Code), cancellationToken).ConfigureAwait(false);
        }
        catch (MetaApiException e) when (e.Kind == MetaErrorKind.RetryAfterADay)
        {
            // Meta's per-user marketing limit: asking again sooner makes it worse (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/marketing-templates/per-user-limits).
            await schedules.AddAsync(clock.GetUtcNow().AddDays(1), claimed.TenantId, claimed.Id, claimed.CorrelationId, cancellationToken).ConfigureAwait(false);
            await MoveAsync(claimed, MessageStatus.Scheduled, $"Meta {e.Code} {e.Title}: retrying in 24 hours", cancellationToken).ConfigureAwait(false);
            return SendOutcome.RetryLater;
        }
        catch (MetaApiException e)
        {
            var failed = await FailAsync(claimed, e.Code, e.Title, e.Details, cancellationToken).ConfigureAwait(false);
            foreach (var observer in failureObservers) await observer.MessageFailedAsync(failed ?? claimed, cancellationToken).ConfigureAwait(false);
            return SendOutcome.Failed;
        }
        catch (MetaUnreachableException e)
        {
            return await RetryOrFailAsync(command, claimed, null, e.Message, null, throttled: false, cancellationToken).ConfigureAwait(false);
        }
        catch (MetaOutcomeUnknownException e)
        {
            await MoveAsync(claimed, MessageStatus.Unknown, e.Message + " Not re-sent; the status webhook will settle it.", cancellationToken).ConfigureAwait(false);
            return SendOutcome.Unknown;
        }
    }

    private async Task<SendOutcome> RetryOrFailAsync(
        SendMessageCommand command, MessageEntity message, int? code, string title, string? details, bool throttled, CancellationToken cancellationToken)
    {
        if (message.Attempts >= MaxAttempts)
        {
            await FailAsync(message, code, title, $"Gave up after {message.Attempts} attempts. {details}".TrimEnd(), cancellationToken).ConfigureAwait(false);
            return SendOutcome.Failed;
        }
        var delay = Backoff(message.Attempts, throttled);
        // 131056 (the same user too often) and a throttled flow ask for a longer wait than the backoff.
        if (delay < MetaErrorPolicy.MinimumDelay(code))
            delay = MetaErrorPolicy.MinimumDelay(code);
        LogRetry(logger, message.TenantId, message.Id, code, delay);
        await MoveAsync(message, MessageStatus.Queued, $"{(code is null ? "" : $"Meta {code} ")}{title}: retry in {delay.TotalSeconds:0.#} s", cancellationToken).ConfigureAwait(false);
        await RequeueAsync(command, delay, cancellationToken).ConfigureAwait(false);
        return SendOutcome.RetryLater;
    }

    /// <summary>Exponential backoff with jitter: about 1 s, 2 s, 4 s… for throttling (capped at 1 min), 2 s, 4 s, 8 s… otherwise (capped at 5 min).</summary>
    public static TimeSpan Backoff(int attempt, bool throttled)
    {
        var (baseSeconds, cap) = throttled ? (1.0, 60.0) : (2.0, 300.0);
        var seconds = Math.Min(cap, baseSeconds * Math.Pow(2, Math.Max(0, attempt - 1)));
        return TimeSpan.FromSeconds(seconds * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private Task RequeueAsync(SendMessageCommand command, TimeSpan delay, CancellationToken cancellationToken) =>
        queue.SendAsync(QueueNames.OutboundMessages, command, delay, cancellationToken);

    private Task<MessageEntity?> FailAsync(MessageEntity message, int? code, string title, string? details, CancellationToken cancellationToken) =>
        messages.UpdateAsync(message.TenantId, message.Id, m =>
        {
            if (!m.MoveTo(MessageStatus.Failed, clock.GetUtcNow(), code is null ? title : $"Meta {code}: {title}"))
                return false;
            (m.ErrorCode, m.ErrorTitle, m.ErrorDetails) = (code, title, details);
            return true;
        }, cancellationToken);

    private Task<MessageEntity?> MoveAsync(MessageEntity message, string status, string detail, CancellationToken cancellationToken) =>
        messages.UpdateAsync(message.TenantId, message.Id, m => m.MoveTo(status, clock.GetUtcNow(), detail), cancellationToken);

    [LoggerMessage(LogLevel.Warning, "Message {TenantId}/{MessageId} to send does not exist")]
    private static partial void LogMissing(ILogger logger, string tenantId, string messageId);

    [LoggerMessage(LogLevel.Information, "Message {TenantId}/{MessageId}: Meta error {Code}, retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, string tenantId, string messageId, int? code, TimeSpan delay);
}
