using OneClick.Core.Messages;

namespace OneClick.Core.Sending;

/// <summary>
/// A rule that may stop a message just before it is sent (consent, the 24-hour window, …). Every guard is
/// asked for every message, at send time, before the message is claimed; the first reason wins and the
/// message becomes <see cref="MessageStatus.Skipped"/> with it.
/// </summary>
public interface ISendGuard
{
    Task<SkipReason?> SkipReasonAsync(MessageEntity message, CancellationToken cancellationToken);
}

/// <param name="Reason">A stable code for filters and stats, e.g. "opted_out", "outside_window".</param>
/// <param name="Detail">A sentence for people.</param>
public sealed record SkipReason(string Reason, string Detail);
