using OneClick.Core.Messages;

namespace OneClick.Tests.Units;

/// <summary>The status state machine and late (out-of-order) status webhooks, without storage.</summary>
[Trait("Category", "Unit")]
public sealed class MessageStatusTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("queued", "sending", true)]
    [InlineData("sending", "accepted", true)]
    [InlineData("accepted", "sent", true)]
    [InlineData("sent", "read", true)] // a skipped step (delivered never came) is fine
    [InlineData("read", "delivered", false)] // never backwards
    [InlineData("delivered", "delivered", false)]
    [InlineData("sending", "queued", true)] // a send attempt handing the message back for a retry
    [InlineData("accepted", "queued", false)]
    [InlineData("scheduled", "cancelled", true)]
    [InlineData("queued", "skipped", true)]
    [InlineData("sending", "cancelled", false)] // too late to cancel once a send may be on the wire
    [InlineData("cancelled", "queued", false)]
    [InlineData("skipped", "sent", false)]
    [InlineData("sent", "failed", true)]
    [InlineData("delivered", "failed", false)] // it reached the phone: a later failure cannot undo that
    [InlineData("failed", "delivered", true)] // Meta later reports it reached the user after all
    [InlineData("failed", "sent", false)]
    public void CanMove_follows_the_funnel(string current, string next, bool allowed) =>
        Assert.Equal(allowed, MessageStatus.CanMove(current, next));

    [Fact]
    public void MoveTo_records_each_allowed_change_and_ignores_a_refused_one()
    {
        var message = new MessageEntity { Status = MessageStatus.Queued };
        Assert.True(message.MoveTo(MessageStatus.Sending, T0));
        Assert.True(message.MoveTo(MessageStatus.Read, T0.AddSeconds(2)));
        Assert.False(message.MoveTo(MessageStatus.Delivered, T0.AddSeconds(3)));

        Assert.Equal(MessageStatus.Read, message.Status);
        Assert.Equal(T0.AddSeconds(2), message.UpdatedAt);
        Assert.Equal(["sending", "read"], message.History.Select(h => h.Status));
    }

    [Fact]
    public void A_late_step_goes_into_the_history_before_the_first_later_step_once_and_the_status_stays()
    {
        var message = new MessageEntity { Status = MessageStatus.Queued };
        message.MoveTo(MessageStatus.Accepted, T0);
        message.MoveTo(MessageStatus.Read, T0.AddSeconds(5));

        Assert.True(message.RecordPassedStep(MessageStatus.Delivered, T0.AddSeconds(4)));
        Assert.True(message.RecordPassedStep(MessageStatus.Sent, T0.AddSeconds(3)));
        Assert.False(message.RecordPassedStep(MessageStatus.Delivered, T0.AddSeconds(4))); // a redelivered webhook

        Assert.Equal(MessageStatus.Read, message.Status);
        Assert.Equal(["accepted", "sent", "delivered", "read"], message.History.Select(h => h.Status));
    }

    [Theory]
    [InlineData("read", "read")] // not passed: the same step
    [InlineData("delivered", "read")] // ahead, not behind: that is a move
    [InlineData("read", "failed")] // only sent and delivered are recorded late
    [InlineData("accepted", "sent")]
    public void Only_sent_or_delivered_behind_the_current_status_is_a_passed_step(string current, string late)
    {
        var message = new MessageEntity { Status = current };
        Assert.False(message.RecordPassedStep(late, T0));
        Assert.Empty(message.History);
    }
}
