using System.Text.Json;
using OneClick.Core.Messages;

namespace OneClick.Core.Campaigns;

/// <summary>
/// Counts by bucket: a recipient's current status, with failures by Meta code ("failed:131026") and skips by
/// reason ("skipped:opted_out"). "queued" covers queued and sending (not yet done). Each recipient is in exactly
/// one bucket, so the buckets always add up to the number targeted.
/// </summary>
public sealed class CampaignCounts
{
    public const string QueuedBucket = "queued";
    public const string RepliedBucket = "replied";

    private readonly Dictionary<string, long> _counts;

    public CampaignCounts() => _counts = new(StringComparer.Ordinal);

    private CampaignCounts(Dictionary<string, long> counts) => _counts = counts;

    public IReadOnlyDictionary<string, long> Values => _counts;

    public bool IsEmpty => _counts.Values.All(v => v == 0);

    public long this[string bucket] => _counts.GetValueOrDefault(bucket);

    public static string Bucket(CampaignRecipientEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Status switch
        {
            MessageStatus.Queued or MessageStatus.Sending or MessageStatus.Scheduled => QueuedBucket,
            MessageStatus.Failed => $"failed:{row.ErrorCode ?? 0}",
            MessageStatus.Skipped => $"skipped:{row.SkipReason ?? "other"}",
            _ => row.Status,
        };
    }

    public void Add(string bucket, long by)
    {
        if (by == 0)
            return;
        _counts[bucket] = _counts.GetValueOrDefault(bucket) + by;
    }

    public void Move(string from, string to)
    {
        if (from == to)
            return;
        Add(from, -1);
        Add(to, 1);
    }

    public void Add(CampaignCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (bucket, value) in other._counts)
            Add(bucket, value);
    }

    public long Sum(Func<string, bool> bucket) => _counts.Where(c => c.Key != RepliedBucket && bucket(c.Key)).Sum(c => c.Value);

    public string ToJson() => JsonSerializer.Serialize(_counts.Where(c => c.Value != 0).ToDictionary(c => c.Key, c => c.Value));

    public static CampaignCounts FromJson(string? json) =>
        new(string.IsNullOrEmpty(json) ? new(StringComparer.Ordinal) : new Dictionary<string, long>(JsonSerializer.Deserialize<Dictionary<string, long>>(json) ?? [], StringComparer.Ordinal));
}
