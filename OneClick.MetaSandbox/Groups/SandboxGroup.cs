using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace OneClick.MetaSandbox.Groups;

/// <summary>A pending join request (approval_required groups).</summary>
internal sealed record JoinRequest(
    [property: JsonPropertyName("join_request_id")] string JoinRequestId,
    [property: JsonPropertyName("wa_id")] string WaId,
    [property: JsonPropertyName("creation_timestamp")] long CreationTimestamp);

/// <summary>A pinned message of a group.</summary>
internal sealed record GroupPin(string MessageId, DateTimeOffset PinnedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// One group of the sandbox. Mutable; every change goes through <see cref="Gate"/> so concurrent Graph calls,
/// control calls and sends see a consistent group.
/// </summary>
internal sealed class SandboxGroup
{
    public const int MaxParticipants = 8;
    public const int MaxPins = 3;

    public required string Id { get; init; }
    public required string PhoneNumberId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required long Sequence { get; init; }

    public Lock Gate { get; } = new();

    public string Subject { get; set; } = "";
    public string Description { get; set; } = "";
    public string JoinApprovalMode { get; set; } = "auto_approve";
    public string InviteLink { get; set; } = NewInviteLink();
    public bool Suspended { get; set; }
    public bool Deleted { get; set; }

    /// <summary>Participants' wa_ids (digits), or BSUIDs for people known only by one; the business excluded.</summary>
    public List<string> Participants { get; } = [];

    /// <summary>People removed by the business: Meta does not let them rejoin through the invite link.</summary>
    public HashSet<string> Removed { get; } = new(StringComparer.Ordinal);

    public List<JoinRequest> JoinRequests { get; } = [];

    /// <summary>Pinned messages, oldest first.</summary>
    public List<GroupPin> Pins { get; } = [];

    /// <summary>A Meta-looking group id: base64 of "capi_group:&lt;15 digits&gt;:&lt;18 digits&gt;" (45 bytes, so no padding, no '/').</summary>
    public static string NewId()
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"capi_group:{RandomDigits(15)}:{RandomDigits(18)}");
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(text));
    }

    public static string NewInviteLink() =>
        "https://chat.whatsapp.com/" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))
            .Replace("+", "", StringComparison.Ordinal).Replace("/", "", StringComparison.Ordinal).TrimEnd('=');

    public static string NewRequestId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string RandomDigits(int count)
    {
        var builder = new StringBuilder(count);
        for (var i = 0; i < count; i++)
        {
            builder.Append((char)('0' + RandomNumberGenerator.GetInt32(i == 0 ? 1 : 0, 10)));
        }

        return builder.ToString();
    }

    /// <summary>A snapshot for the control API.</summary>
    public GroupSnapshot Snapshot()
    {
        lock (Gate)
        {
            return new GroupSnapshot(Id, PhoneNumberId, Subject, Description, JoinApprovalMode, InviteLink, Suspended, Deleted,
                [.. Participants], [.. JoinRequests], [.. Pins], CreatedAt);
        }
    }
}

internal sealed record GroupSnapshot(
    string Id, string PhoneNumberId, string Subject, string Description, string JoinApprovalMode, string InviteLink,
    bool Suspended, bool Deleted, IReadOnlyList<string> Participants, IReadOnlyList<JoinRequest> JoinRequests,
    IReadOnlyList<GroupPin> Pins, DateTimeOffset CreatedAt);
