using System.Globalization;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Messages;
using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns.StatusWebhooks;

/// <summary>
/// Marker rows that let a status webhook be applied without reading its recipient row (see <see cref="CampaignStatusWriter"/>):
/// "~~|{recipient}|{Meta message id}|{level}" in the recipient's shard partition, one per level the send reached
/// (sent 1, delivered 2, read 3, played 4). They sort after the counter rows ("~d|…", "~z") and recipient keys, so
/// recipient pages ("RowKey lt '~'") and counter reads ("RowKey ge '~' and lt '~~'") never see them.
/// </summary>
public static class StatusMarkers
{
    public const string Prefix = "~~";

    /// <summary>The marker level of a status: its place on sent → delivered → read → played, 0 off that ladder.</summary>
    public static int Level(string status) => status switch
    {
        MessageStatus.Sent => 1,
        MessageStatus.Delivered => 2,
        MessageStatus.Read => 3,
        MessageStatus.Played => 4,
        _ => 0,
    };

    /// <summary>The status a blind step assumes the recipient is at (the one below on the ladder), or null when the step must read the row.</summary>
    public static string? BlindGuess(string status) => status switch
    {
        MessageStatus.Delivered => MessageStatus.Sent,
        MessageStatus.Read => MessageStatus.Delivered,
        MessageStatus.Played => MessageStatus.Read,
        _ => null,
    };

    public static string RowKey(string recipientKey, string metaMessageId, int level) =>
        $"{Prefix}|{recipientKey}|{TableKey.Escape(metaMessageId)}|{level.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Inserts a marker: fails (409) when the send already reached that level.</summary>
    public static TableTransactionAction Add(string partition, string recipientKey, string metaMessageId, int level) =>
        new(TableTransactionActionType.Add, new TableEntity(partition, RowKey(recipientKey, metaMessageId, level)));

    /// <summary>Asserts a marker exists: an empty merge fails (404) when the send has not reached that level.</summary>
    public static TableTransactionAction Assert(string partition, string recipientKey, string metaMessageId, int level) =>
        new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, RowKey(recipientKey, metaMessageId, level)), ETag.All);

    /// <summary>The marker inserts or deletes that take a send from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static IEnumerable<TableTransactionAction> Changes(string partition, string recipientKey, string metaMessageId, int from, int to)
    {
        for (var level = from + 1; level <= to; level++)
            yield return Add(partition, recipientKey, metaMessageId, level);
        for (var level = to + 1; level <= from; level++)
            yield return new(TableTransactionActionType.Delete, new TableEntity(partition, RowKey(recipientKey, metaMessageId, level)), ETag.All);
    }
}
