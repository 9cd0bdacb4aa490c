using Azure;
using OneClick.Core.Messages;

namespace OneClick.Core.Campaigns.StatusWebhooks;

/// <summary>
/// The last version (status and ETag) of recent recipient rows as this instance wrote them, by row and Meta message id:
/// the send path notes the rows it leaves at accepted, <see cref="CampaignStatusWriter"/> every row it commits. A status
/// for such a send then changes the row under that ETag, with no read and no marker asserted. The ETag keeps it exact:
/// a row changed since (a reply, or a status applied by another instance) refuses the write, and the step reads the row
/// instead. Rows another instance wrote are unknown here. Thread-safe.
/// </summary>
public sealed class RowVersions(int capacity = RowVersions.DefaultCapacity)
{
    /// <summary>The rows of a full-size campaign (100,000 recipients) whose statuses lag behind its sends.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Recent<Version> _versions = new(capacity);

    /// <param name="Status">accepted, sent, delivered, read or played: the row's status as written.</param>
    public readonly record struct Version(string Status, ETag ETag);

    /// <summary>Remembers a row just written by this instance.</summary>
    public void Note(CampaignRecipientEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        Note(row.PartitionKey, row.RowKey, row.MetaMessageId, row.Status, row.ETag);
    }

    /// <summary>
    /// Remembers a row's status and ETag for its send <paramref name="metaMessageId"/>; a status off the way to read
    /// (failed, queued again, …) forgets it, so such rows are always read.
    /// </summary>
    public void Note(string partition, string recipientKey, string? metaMessageId, string status, ETag etag)
    {
        if (metaMessageId is null)
            return;
        var key = Key(partition, recipientKey, metaMessageId);
        if (!IsOnTheLadder(status) || etag == default)
            _versions.Remove(key);
        else
            _versions.Set(key, new Version(status, etag));
    }

    public Version? Find(string partition, string recipientKey, string metaMessageId) =>
        _versions.TryGet(Key(partition, recipientKey, metaMessageId), out var version) ? version : null;

    private static bool IsOnTheLadder(string status) => status == MessageStatus.Accepted || StatusMarkers.Level(status) > 0;

    private static string Key(string partition, string recipientKey, string metaMessageId) => $"{partition}|{recipientKey}|{metaMessageId}";
}
