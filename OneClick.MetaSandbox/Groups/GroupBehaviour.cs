using System.Text.Json.Serialization;

namespace OneClick.MetaSandbox.Groups;

/// <summary>
/// The Groups API part of a phone number's behaviour (<c>"groups": {...}</c> in PUT /_sandbox/phone-numbers/{id}/behaviour).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class GroupBehaviour
{
    /// <summary>Operations a code can be injected into; "*" means every one of them.</summary>
    public static readonly string[] Operations =
        ["create", "list", "get", "update", "delete", "invite_link", "join_requests", "participants", "send", "pin", "*"];

    /// <summary>Time after a create (or delete) call at which the group_lifecycle_update webhook is sent.</summary>
    public int LifecycleDelayMs { get; set; } = 100;

    /// <summary>When set, creations are accepted (request id) and then fail in the lifecycle webhook with this code.</summary>
    public int? CreateFailureCode { get; set; }

    /// <summary>Operation → code answered synchronously (131041, 131207, 131208, 131211, 131215, ...).</summary>
    public Dictionary<string, int>? Errors { get; set; } = [];

    /// <summary>Groups this number may have before creation fails with 131211 (Meta: 10,000).</summary>
    public int MaxGroups { get; set; } = 10_000;

    /// <summary>
    /// Where aggregated group statuses put the participant: "recipient_participant_id", "participant_recipient_id",
    /// or "alternate" (delivered uses the first spelling, read the second), since Meta's documents use both.
    /// </summary>
    public string ParticipantIdField { get; set; } = "alternate";

    public int? ErrorFor(string operation) =>
        Errors is { } errors && (errors.TryGetValue(operation, out var code) || errors.TryGetValue("*", out code)) ? code : null;

    public string? Validate()
    {
        if (LifecycleDelayMs is < 0 or > 600_000)
        {
            return "groups.lifecycleDelayMs must be between 0 and 600000.";
        }

        if (CreateFailureCode is <= 0)
        {
            return "groups.createFailureCode must be a positive Meta error code.";
        }

        if (MaxGroups < 0)
        {
            return "groups.maxGroups must be 0 or more.";
        }

        if (ParticipantIdField is not ("alternate" or "recipient_participant_id" or "participant_recipient_id"))
        {
            return "groups.participantIdField must be alternate, recipient_participant_id or participant_recipient_id.";
        }

        foreach (var (operation, code) in Errors ?? [])
        {
            if (!Operations.Contains(operation, StringComparer.Ordinal))
            {
                return $"groups.errors keys must be among {string.Join(", ", Operations)}; '{operation}' is not.";
            }

            if (code <= 0)
            {
                return "groups.errors map an operation to a positive Meta error code.";
            }
        }

        return null;
    }
}
