namespace OneClick.Core.Campaigns;

/// <summary>
/// Queue "campaign-dispatch": expand one page of one audience source of an occurrence into recipients and a
/// send batch, then queue the next page. <see cref="Source"/> indexes the campaign's audience sources;
/// <see cref="Continuation"/> is that source's position (a storage token or an offset).
/// With <see cref="Watch"/> set it is instead the occurrence's completion watch: it checks the counts and comes back
/// a little later until the occurrence is complete (so send batches never read the counters).
/// <see cref="Held"/> is set while dispatch waits for the sends to catch up (see <see cref="CampaignOptions.MaxQueuedAhead"/>).
/// </summary>
public sealed record DispatchCampaignCommand(
    int V, string TenantId, string CampaignId, string Occurrence, int Source, string? Continuation, string CorrelationId, bool Watch = false, string? Held = null)
{
    public const int CurrentVersion = 1;
}

/// <summary>
/// Queue "campaign-sends": send to up to <see cref="CampaignRecipientStore.BatchSize"/> recipients of one occurrence.
/// <see cref="Rows"/>, when dispatch sets it, holds the rows exactly as dispatch stored them with their ETags, so the
/// first attempt claims without reading them again; the claim's ETag check proves they are unchanged, and any
/// change (a second copy of the batch, a retry) makes the sender read them as stored.
/// </summary>
public sealed record SendCampaignBatchCommand(
    int V, string TenantId, string CampaignId, string Occurrence, IReadOnlyList<string> Recipients, string CorrelationId,
    IReadOnlyList<RecipientSnapshot>? Rows = null)
{
    public const int CurrentVersion = 1;
}

/// <summary>A recipient row as dispatch inserted it (every property it sets), with the ETag the insert returned.</summary>
public sealed record RecipientSnapshot(string Key, string ETag, string To, string Type, string Step, DateTimeOffset UpdatedAt, string? Content)
{
    public static RecipientSnapshot? Of(CampaignRecipientEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        // Only a fresh, queued row with a known ETag: anything else is read from the store.
        return row.Status == Messages.MessageStatus.Queued && row.Attempts == 0 && row.ClaimedAt is null && !string.IsNullOrEmpty(row.ETag.ToString())
            ? new RecipientSnapshot(row.RowKey, row.ETag.ToString(), row.To, row.RecipientType, row.Step, row.UpdatedAt, row.ContentJson)
            : null;
    }

    /// <param name="occurrence">The occurrence's key (<see cref="CampaignRecipientEntity.PartitionFor"/>).</param>
    public CampaignRecipientEntity ToEntity(string occurrence) => new()
    {
        PartitionKey = CampaignRecipientStore.PartitionOf(occurrence, Key), RowKey = Key, ETag = new Azure.ETag(ETag), To = To, RecipientType = Type,
        Status = Messages.MessageStatus.Queued, Step = Step, UpdatedAt = UpdatedAt, ContentJson = Content,
    };
}

/// <summary>
/// The campaign reference in Meta's biz_opaque_callback_data, "oc2:{campaign}:{occurrence}:{recipient}" (well under
/// Meta's 512 characters). Status webhooks echo it, which settles recipients whose send OneClick never saw answered.
/// </summary>
public static class CampaignCallbackReference
{
    public const string Prefix = "oc2:";

    public static string For(string campaignId, string occurrence, string recipientKey) => $"{Prefix}{campaignId}:{occurrence}:{recipientKey}";

    public static (string CampaignId, string Occurrence, string RecipientKey)? Parse(string? callbackData)
    {
        if (callbackData is null || !callbackData.StartsWith(Prefix, StringComparison.Ordinal))
            return null;
        var parts = callbackData[Prefix.Length..].Split(':', 3);
        return parts.Length == 3 && CampaignStore.IsValidId(parts[0]) && parts[1].Length == 19 && parts[1].All(char.IsAsciiDigit) && parts[2].Length is > 0 and <= 400
            ? (parts[0], parts[1], parts[2])
            : null;
    }
}

public sealed class CampaignOptions
{
    public const string Section = "Campaigns";

    /// <summary>How long a recipient's send claim protects it; a claim older than this found on retry means "unknown".</summary>
    public TimeSpan SendLease { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>An occurrence found later than this after its due time is recorded as missed instead of sent late.</summary>
    public TimeSpan MaxLateness { get; set; } = TimeSpan.FromHours(1);
    /// <summary>Meta calls in flight at once per instance (all batches together).</summary>
    public int MaxConcurrentSends { get; set; } = 64;
    /// <summary>Tries per recipient for retryable errors before it fails.</summary>
    public int MaxAttempts { get; set; } = 8;
    /// <summary>An occurrence whose queued count has not moved for this long gets its remaining recipients queued again.</summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>
    /// Dispatch stays at most this many recipients ahead of the sends of an occurrence (queued or being sent), so a
    /// pause holds little on the queue and the store works near the sends rather than across the whole audience.
    /// </summary>
    public int MaxQueuedAhead { get; set; } = 5_000;
    /// <summary>The longest dispatch waits for a surplus of queued recipients that does not move at all.</summary>
    public TimeSpan MaxDispatchHold { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A test-only seam: called at each step of the dispatch and send paths so tests can simulate a crash there
/// (a process dying cannot be arranged otherwise). Production registers none.
/// </summary>
public interface ICampaignFaultPoint
{
    /// <param name="point">"dispatch.inserted", "send.claimed", "send.called", "send.recorded".</param>
    ValueTask AtAsync(string point, string campaignId, CancellationToken cancellationToken);
}

