using OneClick.MetaSandbox.Faults;
using OneClick.MetaSandbox.Webhooks;

namespace OneClick.MetaSandbox.Groups;

/// <summary>
/// Aggregated group statuses (https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/groups-messaging): one webhook for one message and one status type holds a status per
/// participant. Meta's documents spell the participant field two ways; "alternate" uses recipient_participant_id for
/// delivered and participant_recipient_id for read, so clients meet both. A participant known only by business-scoped
/// user id comes as recipient_participant_user_id (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids).
/// </summary>
internal static class GroupStatuses
{
    public static IReadOnlyList<StatusUpdate> PerParticipant(StatusUpdate groupStatus, IReadOnlyList<string> participants, ActiveBehaviour behaviour)
    {
        var field = GroupsGraphApi.Behaviour(behaviour).ParticipantIdField;
        var legacy = field == "participant_recipient_id" || (field == "alternate" && groupStatus.Status == "read");
        // A participant known only by BSUID is named by recipient_participant_user_id.
        return [.. participants.Select(participant => Messages.Recipients.LooksLikeUserId(participant)
            ? groupStatus with { RecipientParticipantUserId = participant }
            : legacy
                ? groupStatus with { ParticipantRecipientId = participant }
                : groupStatus with { RecipientParticipantId = participant })];
    }
}
