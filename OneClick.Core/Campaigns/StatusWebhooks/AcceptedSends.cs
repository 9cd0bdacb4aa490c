using Azure;
using OneClick.Core.Messages;

namespace OneClick.Core.Campaigns.StatusWebhooks;

/// <summary>
/// Recipient rows this instance's send path left at accepted, with their ETags, so that the send's "sent" status
/// changes the row under that ETag without reading it first (<see cref="CampaignStatusWriter"/>). The ETag is what keeps
/// it exact: a row changed since (a reply, or a status applied by another instance) refuses the write, and the step
/// then reads the row. Another instance's sends are unknown here and are read as before. Thread-safe.
/// </summary>
public sealed class AcceptedSends(int capacity = AcceptedSends.DefaultCapacity)
{
    /// <summary>The sends of a full-size campaign (100,000 recipients) whose statuses lag behind its sends.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ETag> _etags = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Remembers a row just written: at accepted with its Meta message id, its ETag; at any other status, nothing.</summary>
    public void Note(CampaignRecipientEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.MetaMessageId is not { } wamid)
            return;
        var key = Key(row.PartitionKey, row.RowKey, wamid);
        lock (_lock)
        {
            if (row.Status != MessageStatus.Accepted || row.ETag == default)
            {
                _etags.Remove(key);
                return;
            }
            if (_etags.TryAdd(key, row.ETag))
            {
                _order.Enqueue(key);
                if (_order.Count > capacity)
                    _etags.Remove(_order.Dequeue());
            }
            else
                _etags[key] = row.ETag;
        }
    }

    /// <summary>The ETag of the row as the send path left it at accepted for this send, and forgets it (it is used once).</summary>
    public ETag? Take(string partition, string recipientKey, string metaMessageId)
    {
        lock (_lock)
            return _etags.Remove(Key(partition, recipientKey, metaMessageId), out var etag) ? etag : null;
    }

    private static string Key(string partition, string recipientKey, string metaMessageId) => $"{partition}|{recipientKey}|{metaMessageId}";
}
