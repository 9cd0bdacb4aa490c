using OneClick.Core.Results;
using OneClick.Core.Storage;

namespace OneClick.Core.Messages;

/// <summary>
/// What resending an "unknown" send means. An unknown send was claimed and its Meta call may have reached Meta
/// (the process died, or the call timed out, before its answer was recorded). When Meta did take it, its status
/// webhook settles it on its own, even days later; resending before then can deliver the message twice.
/// </summary>
public static class UnknownResend
{
    public const string DuplicateRisk =
        "Meta may already have accepted the earlier attempt of these sends (the worker stopped or the call timed out after they were claimed). " +
        "If it did, the recipient gets the message twice. Resend only when a duplicate is better than no message; " +
        "a status webhook that arrives for the earlier attempt is ignored once the resend has its own Meta message id.";

    public const string Marker = "Resent on request after an unknown outcome";
}

/// <summary>A message after a resend request, and whether this request sent it again.</summary>
public sealed record ResentMessage(MessageEntity Message, bool Resent);

/// <summary>POST /api/messages/{id}/resend: an unknown message goes back to the send queue, once (a repeated request changes nothing).</summary>
public sealed class MessageResender(MessageStore messages, QueuePublisher queue, TimeProvider clock)
{
    /// <returns>The message, or not found, or a conflict when it is not unknown (and was not resent before).</returns>
    public async Task<Outcome<ResentMessage>> ResendUnknownAsync(string tenantId, string messageId, CancellationToken cancellationToken)
    {
        var reopened = false;
        var message = await messages.UpdateAsync(tenantId, messageId, m => reopened = m.ReopenUnknown(clock.GetUtcNow(), UnknownResend.Marker), cancellationToken).ConfigureAwait(false);
        if (message is null)
            return Failure.NotFound("message");
        if (!reopened)
        {
            // Already resent by an earlier copy of this request: the same answer, nothing sent again.
            var resentBefore = message.History.Any(h => h.Detail == UnknownResend.Marker);
            return resentBefore ? Outcome.Ok(new ResentMessage(message, false)) : Failure.Conflict($"The message is {message.Status}; only an unknown message can be resent.");
        }
        await queue.SendAsync(QueueNames.OutboundMessages, new SendMessageCommand(SendMessageCommand.CurrentVersion, tenantId, messageId, message.CorrelationId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return Outcome.Ok(new ResentMessage(message, true));
    }
}
