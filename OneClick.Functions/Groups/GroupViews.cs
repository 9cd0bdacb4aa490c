using OneClick.Core.Contacts;
using OneClick.Core.Groups;
using OneClick.Functions.Messages;

namespace OneClick.Functions.Groups;

public sealed record GroupFailure(int? Code, string? Reason);

/// <param name="WaId">The phone (wa_id) when Meta showed one; null for a participant known only by BSUID.</param>
/// <param name="UserId">The business-scoped user id, when Meta showed one.</param>
public sealed record GroupParticipantView(string? WaId, string? UserId, DateTimeOffset Since, string? How);

public sealed record GroupJoinRequestView(string JoinRequestId, string WaId, string State, DateTimeOffset At);

public sealed record GroupPinView(string MessageId, string MetaMessageId, DateTimeOffset PinnedAt, DateTimeOffset ExpiresAt);

public sealed record GroupView(
    string Id, string State, string? MetaGroupId, string? RequestId, string Subject, string Description, string JoinApprovalMode,
    string? InviteLink, bool Suspended, int ParticipantCount, IReadOnlyList<GroupParticipantView> Participants,
    int PendingJoinRequestCount, IReadOnlyList<GroupJoinRequestView> JoinRequests, IReadOnlyList<GroupPinView> Pins,
    string? PictureSha256, GroupFailure? Failure, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static GroupView From(GroupEntity g, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(g);
        var participants = g.Participants.Where(p => p.Value.Member)
            .Select(p => UserIds.IsAny(p.Key)
                ? new GroupParticipantView(null, p.Key, DateTimeOffset.FromUnixTimeSeconds(p.Value.At), p.Value.How)
                : new GroupParticipantView(p.Key, p.Value.UserId, DateTimeOffset.FromUnixTimeSeconds(p.Value.At), p.Value.How))
            .OrderBy(p => p.WaId ?? p.UserId, StringComparer.Ordinal).ToList();
        var requests = g.JoinRequests
            .Select(r => new GroupJoinRequestView(r.Key, r.Value.WaId, r.Value.State, DateTimeOffset.FromUnixTimeSeconds(r.Value.At)))
            .OrderBy(r => r.At).ToList();
        var pins = g.Pins.Where(p => p.ExpiresAt > now)
            .Select(p => new GroupPinView(p.MessageId, p.MetaMessageId, p.PinnedAt, p.ExpiresAt)).ToList();
        return new(g.Id, g.State, g.MetaGroupId, g.RequestId, g.Subject, g.Description, g.JoinApprovalMode, g.InviteLink, g.Suspended,
            participants.Count, participants, requests.Count(r => r.State == "pending"), requests, pins, g.PictureSha256,
            g.FailureCode is null && g.FailureReason is null ? null : new GroupFailure(g.FailureCode, g.FailureReason),
            g.LastError, g.CreatedAt, g.UpdatedAt);
    }
}

public sealed record GroupSummaryView(string Id, string State, string Subject, bool Suspended, int ParticipantCount, DateTimeOffset CreatedAt)
{
    public static GroupSummaryView From(GroupEntity g)
    {
        ArgumentNullException.ThrowIfNull(g);
        return new(g.Id, g.State, g.Subject, g.Suspended, g.Members.Count, g.CreatedAt);
    }
}

public sealed record GroupMessageError(int? Code, string? Title, string? Details);

/// <summary>One message of a group's conversation.</summary>
public sealed record GroupConversationItem(
    string Direction, string? MessageId, string? MetaMessageId, string? Sender, string? ProfileName, string Type, string? Text,
    GroupMessageError? Error, DateTimeOffset At)
{
    public static GroupConversationItem From(GroupMessageEntity m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new(m.Direction, m.MessageId, m.MetaMessageId, m.From, m.ProfileName, m.Type, m.Text,
            m.ErrorCode is null ? null : new GroupMessageError(m.ErrorCode, m.ErrorTitle, m.ErrorDetails), m.At);
    }
}

/// <summary>A message sent to a group with its delivery per participant ("delivered to n of m, read by k").</summary>
public sealed record GroupMessageView(string GroupId, MessageView Message, GroupDeliverySummary Group);

/// <summary>A group's invite link, as Meta last gave it.</summary>
public sealed record GroupInviteLinkView(string? InviteLink);

/// <summary>A group's pending join requests, as Meta lists them.</summary>
public sealed record GroupJoinRequestsView(IReadOnlyList<JoinRequestView> Items);
