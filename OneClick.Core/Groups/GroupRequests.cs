namespace OneClick.Core.Groups;

public sealed record CreateGroupRequest(string? Subject, string? Description, string? JoinApprovalMode);

public sealed record UpdateGroupRequest(string? Subject, string? Description);

public sealed record RemoveParticipantsRequest(IReadOnlyList<string?>? Participants);

public sealed record JoinRequestsDecision(IReadOnlyList<string?>? JoinRequestIds);

/// <param name="MessageId">A OneClick message id sent to the group, or the wamid of a message received in it.</param>
public sealed record PinRequest(string? MessageId, int? ExpirationDays);

public sealed record JoinRequestView(string JoinRequestId, string WaId, DateTimeOffset? CreatedAt);

public sealed record JoinRequestsAnswer(IReadOnlyList<string> Answered, IReadOnlyList<FailedJoinRequest> Failed);

public sealed record FailedJoinRequest(string JoinRequestId, int? Code, string? Reason);

public sealed record SyncReport(int ListedAtMeta, int Imported, int Updated);
