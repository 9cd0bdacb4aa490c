namespace OneClick.Core.Messages;

/// <summary>
/// A message's life: scheduled → queued → sending → accepted (Meta took it) → sent → delivered → read,
/// or failed, or skipped on purpose before any send. "unknown" marks a send whose outcome OneClick could not observe; it is never re-sent and the
/// status webhook settles it. Webhooks arrive duplicated and out of order, so a status only moves forward.
/// </summary>
public static class MessageStatus
{
    public const string Scheduled = "scheduled";
    public const string Queued = "queued";
    public const string Sending = "sending";
    public const string Unknown = "unknown";
    public const string Accepted = "accepted";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Read = "read";
    public const string Played = "played";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    /// <summary>Not sent on purpose (opted out, outside the 24-hour window, …); the reason is on the message.</summary>
    public const string Skipped = "skipped";

    private static int Rank(string status) => status switch
    {
        Scheduled => 0,
        Queued => 1,
        Sending => 2,
        Unknown => 3,
        Accepted => 4,
        Sent => 5,
        Delivered => 6,
        Read => 7,
        Played => 8,
        _ => -1,
    };

    /// <summary>Whether a message now in <paramref name="current"/> may move to <paramref name="next"/>.</summary>
    public static bool CanMove(string current, string next)
    {
        if (current == next || current is Cancelled or Skipped)
            return false;
        if (next is Cancelled or Skipped)
            return current is Scheduled or Queued;
        if (next == Failed)
            return Rank(current) < Rank(Delivered);
        if (current == Failed)
            // A failure is final unless Meta later reports the message reached the user.
            return Rank(next) >= Rank(Delivered);
        if (current == Sending && next is Queued or Scheduled)
            return true; // a send attempt handing the message back for a later retry
        return Rank(next) > Rank(current);
    }

    /// <summary>
    /// Whether <paramref name="late"/> is a step the message has already gone past (a delivered that arrives after read):
    /// it is kept in the history, in its place, but does not move the status back.
    /// </summary>
    public static bool IsPassedStep(string current, string late) =>
        late is Sent or Delivered && current is Sent or Delivered or Read or Played && Rank(late) < Rank(current);

    /// <summary>Statuses reported by Meta's status webhooks.</summary>
    public static bool IsWebhookStatus(string status) => status is Sent or Delivered or Read or Played or Failed;
}
