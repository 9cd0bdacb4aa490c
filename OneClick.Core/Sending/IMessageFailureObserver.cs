using OneClick.Core.Messages;

namespace OneClick.Core.Sending;

/// <summary>
/// Told when the send path fails a message for good with Meta's synchronous error (the message as stored, with
/// <see cref="MessageEntity.ErrorCode"/>). Failures reported later by a status webhook reach the
/// <see cref="Webhooks.IWebhookChangeHandler"/>s instead. Must be idempotent: a retried send may report again.
/// </summary>
public interface IMessageFailureObserver
{
    Task MessageFailedAsync(MessageEntity message, CancellationToken cancellationToken);
}
