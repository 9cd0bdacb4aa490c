using System.Text.Json.Nodes;
using OneClick.Core.Campaigns;
using OneClick.Core.Messages;

namespace OneClick.Functions.Campaigns;

public sealed record FailedStats(long Total, IReadOnlyDictionary<string, long> ByCode);

public sealed record SkippedStats(long Total, IReadOnlyDictionary<string, long> ByReason);

/// <summary>
/// Counts of one occurrence. Every recipient is in exactly one of queued, unknown, accepted, sent, delivered, read,
/// failed, skipped and cancelled (their sum is <see cref="Targeted"/>); <see cref="Reached"/>, <see cref="DeliveredOrRead"/>
/// are the funnel (everyone who got at least that far) and <see cref="Replied"/> counts replies.
/// <see cref="UnknownSince"/> is when the first of the <see cref="Unknown"/> became unknown (POST …/resend-unknown sends them again).
/// </summary>
public sealed record CampaignStatsView(
    string? Occurrence, long Targeted, long Queued, long Unknown, long Accepted, long Sent, long Delivered, long Read, long Replied,
    FailedStats Failed, SkippedStats Skipped, long Cancelled, long Reached, long DeliveredOrRead, DateTimeOffset? UnknownSince = null)
{
    public static CampaignStatsView From(string? occurrence, CampaignCounts counts, DateTimeOffset? unknownSince = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        long Of(string bucket) => counts[bucket];
        var failed = counts.Values.Where(c => c.Key.StartsWith("failed:", StringComparison.Ordinal) && c.Value != 0).ToDictionary(c => c.Key["failed:".Length..], c => c.Value);
        var skipped = counts.Values.Where(c => c.Key.StartsWith("skipped:", StringComparison.Ordinal) && c.Value != 0).ToDictionary(c => c.Key["skipped:".Length..], c => c.Value);
        var read = Of(MessageStatus.Read) + Of(MessageStatus.Played);
        return new(occurrence, counts.Sum(_ => true), Of(CampaignCounts.QueuedBucket), Of(MessageStatus.Unknown), Of(MessageStatus.Accepted),
            Of(MessageStatus.Sent), Of(MessageStatus.Delivered), read, Of(CampaignCounts.RepliedBucket),
            new FailedStats(failed.Values.Sum(), failed), new SkippedStats(skipped.Values.Sum(), skipped), Of(MessageStatus.Cancelled),
            Of(MessageStatus.Accepted) + Of(MessageStatus.Sent) + Of(MessageStatus.Delivered) + read, Of(MessageStatus.Delivered) + read,
            Of(MessageStatus.Unknown) > 0 ? unknownSince : null);
    }
}

public sealed record CampaignView(
    string Id, string Name, string Status, string? StatusReason, JsonNode? Message, JsonNode? Audience, JsonNode? Schedule,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? LaunchedAt, string? LatestOccurrence, DateTimeOffset? NextDueAt,
    CampaignStatsView? Stats)
{
    public static CampaignView From(CampaignEntity c, CampaignStatsView? stats = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.Id, c.Name, c.Status, c.StatusReason, JsonNode.Parse(c.MessageJson), JsonNode.Parse(c.AudienceJson), JsonNode.Parse(c.ScheduleJson),
            c.CreatedAt, c.UpdatedAt, c.LaunchedAt, c.LatestOccurrence, c.NextDueAt, stats);
    }
}

public sealed record RecipientView(
    string Recipient, string? ContactId, string To, string RecipientType, string Status, string? MetaMessageId, int? ErrorCode, string? ErrorTitle,
    string? SkipReason, string? Detail, int Attempts, DateTimeOffset UpdatedAt, DateTimeOffset? RepliedAt)
{
    public static RecipientView From(CampaignRecipientEntity r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.RowKey, r.ContactId.Length == 0 ? null : r.ContactId, r.To, r.RecipientType, r.Status, r.MetaMessageId, r.ErrorCode, r.ErrorTitle,
            r.SkipReason, r.Detail, r.Attempts, r.UpdatedAt, r.RepliedAt);
    }
}

public sealed record OccurrenceView(string Occurrence, DateTimeOffset DueAt, string Status, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt);

/// <summary>A campaign's occurrences so far and the next <see cref="Upcoming"/> ones its schedule will create.</summary>
public sealed record OccurrencesView(string TimeZone, IReadOnlyList<OccurrenceView> Past, IReadOnlyList<OccurrenceView> Upcoming);

/// <summary>A campaign after launch, pause, resume, cancel or retry-failed; <see cref="Affected"/> is how many recipients the action changed.</summary>
public sealed record CampaignControlView(CampaignView Campaign, int Affected);

/// <summary>Pending scheduled work: a message's (<see cref="MessageId"/>) or a campaign occurrence's (<see cref="CampaignId"/>).</summary>
public sealed record ScheduleView(string Id, string Kind, string? CampaignId, string? MessageId, DateTimeOffset DueAt);

public sealed record PreviewRequest(AudienceSpec? Audience, SendMessageRequest? Message);
