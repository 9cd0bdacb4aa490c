using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Groups;

/// <summary>Groups, their indexes, parked events, conversations and per-participant statuses; everything partitioned by tenant.</summary>
public sealed class GroupStore(StorageAccount storage)
{
    private TableClient Groups => storage.Table(TableNames.Groups);
    private TableClient Messages => storage.Table(TableNames.GroupMessages);

    public static string NewId() => "g" + Guid.CreateVersion7().ToString("N");

    public static bool IsValidId(string? id) => id is { Length: 33 } && id[0] == 'g' && id.Skip(1).All(char.IsAsciiHexDigit);

    private static string RequestKey(string requestId) => "request|" + TableKey.Escape(requestId);

    private static string MetaKey(string metaGroupId) => "meta|" + TableKey.Escape(metaGroupId);

    // ---- groups -----------------------------------------------------------------------------------------------

    public Task AddAsync(GroupEntity group, CancellationToken cancellationToken) => Groups.AddEntityAsync(group, cancellationToken);

    public Task<GroupEntity?> GetAsync(string tenantId, string groupId, CancellationToken cancellationToken) =>
        Groups.FindAsync<GroupEntity>(tenantId, GroupEntity.RowKeyFor(groupId), cancellationToken);

    public Task<GroupEntity?> UpdateAsync(string tenantId, string groupId, Func<GroupEntity, bool> change, CancellationToken cancellationToken) =>
        Groups.UpdateWithRetryAsync(tenantId, GroupEntity.RowKeyFor(groupId), change, cancellationToken);

    public Task<ResultPage<GroupEntity>> ListAsync(string tenantId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Groups.QueryAsync<GroupEntity>(RowRanges.StartsWith(tenantId, GroupEntity.RowPrefix), cancellationToken: cancellationToken),
            continuationToken, pageSize, g => g);

    /// <summary>Groups that count toward Meta's per-number cap (all but failed and deleted ones), counted up to <paramref name="limit"/>.</summary>
    public async Task<int> CountLiveAsync(string tenantId, int limit, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var group in Groups.QueryAsync<GroupEntity>(RowRanges.StartsWith(tenantId, GroupEntity.RowPrefix),
            select: ["State"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (group.State is not (GroupStates.Failed or GroupStates.Deleted) && ++count >= limit)
                break;
        }
        return count;
    }

    public async Task IndexRequestAsync(string tenantId, string requestId, string groupId, CancellationToken cancellationToken) =>
        await Groups.UpsertEntityAsync(new GroupIndexEntity { PartitionKey = tenantId, RowKey = RequestKey(requestId), GroupId = groupId },
            TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    public async Task IndexMetaIdAsync(string tenantId, string metaGroupId, string groupId, CancellationToken cancellationToken) =>
        await Groups.UpsertEntityAsync(new GroupIndexEntity { PartitionKey = tenantId, RowKey = MetaKey(metaGroupId), GroupId = groupId },
            TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    public async Task<string?> FindByRequestIdAsync(string tenantId, string requestId, CancellationToken cancellationToken) =>
        (await Groups.FindAsync<GroupIndexEntity>(tenantId, RequestKey(requestId), cancellationToken).ConfigureAwait(false))?.GroupId;

    public async Task<string?> FindByMetaIdAsync(string tenantId, string metaGroupId, CancellationToken cancellationToken) =>
        (await Groups.FindAsync<GroupIndexEntity>(tenantId, MetaKey(metaGroupId), cancellationToken).ConfigureAwait(false))?.GroupId;

    // ---- parked events ----------------------------------------------------------------------------------------

    /// <summary>Parks an event under a key ("request:{id}" or "meta:{group id}"); the same event twice is one row.</summary>
    public async Task ParkAsync(string tenantId, string key, string field, string itemJson, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(field + "\n" + itemJson)))[..32];
        await Groups.UpsertEntityAsync(new ParkedGroupEventEntity
        {
            PartitionKey = tenantId,
            RowKey = $"parked|{TableKey.Escape(key)}|{hash}",
            Field = field,
            ItemJson = itemJson,
            ReceivedAt = receivedAt,
        }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ParkedGroupEventEntity>> ParkedAsync(string tenantId, string key, CancellationToken cancellationToken)
    {
        var parked = new List<ParkedGroupEventEntity>();
        await foreach (var row in Groups.QueryAsync<ParkedGroupEventEntity>(
            RowRanges.StartsWith(tenantId, $"parked|{TableKey.Escape(key)}|"), cancellationToken: cancellationToken).ConfigureAwait(false))
            parked.Add(row);
        return parked;
    }

    public async Task RemoveParkedAsync(ParkedGroupEventEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        try
        {
            await Groups.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (TableErrors.IsNotFound(e))
        {
            // Replayed and removed by a concurrent replay.
        }
    }

    // ---- conversation -----------------------------------------------------------------------------------------

    public static string ConversationPrefix(string groupId) => $"conv|{groupId}|";

    public static string ConversationKey(string groupId, DateTimeOffset at, string direction, string id) =>
        $"{ConversationPrefix(groupId)}{TableKey.Sortable(at)}|{direction}|{TableKey.Escape(id)}";

    /// <summary>Writes a conversation row; the same row twice (a duplicate webhook) is one row.</summary>
    public async Task UpsertMessageAsync(GroupMessageEntity message, CancellationToken cancellationToken) =>
        await Messages.UpsertEntityAsync(message, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);

    public Task<ResultPage<GroupMessageEntity>> ConversationAsync(string tenantId, string groupId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Messages.QueryAsync<GroupMessageEntity>(RowRanges.StartsWith(tenantId, ConversationPrefix(groupId)), cancellationToken: cancellationToken),
            continuationToken, pageSize, m => m);

    /// <summary>An inbound message of the group by wamid (for pins), searching the conversation.</summary>
    public async Task<GroupMessageEntity?> FindInboundAsync(string tenantId, string groupId, string wamid, CancellationToken cancellationToken)
    {
        var suffix = "|in|" + TableKey.Escape(wamid);
        await foreach (var row in Messages.QueryAsync<GroupMessageEntity>(RowRanges.StartsWith(tenantId, ConversationPrefix(groupId)),
            select: ["RowKey", "MetaMessageId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey.EndsWith(suffix, StringComparison.Ordinal))
                return row;
        }
        return null;
    }

    public async Task RecordOutboundAsync(GroupMessageEntity conversationRow, int participantCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationRow);
        await Messages.UpsertEntityAsync(new GroupOutboundEntity
        {
            PartitionKey = conversationRow.PartitionKey,
            RowKey = "out|" + conversationRow.MessageId,
            GroupId = conversationRow.GroupId,
            ConversationRowKey = conversationRow.RowKey,
            ParticipantCount = participantCount,
        }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        await Messages.UpsertEntityAsync(conversationRow, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public Task<GroupOutboundEntity?> FindOutboundAsync(string tenantId, string messageId, CancellationToken cancellationToken) =>
        Messages.FindAsync<GroupOutboundEntity>(tenantId, "out|" + messageId, cancellationToken);

    // ---- per-participant statuses ------------------------------------------------------------------------------

    private static string StatusPrefix(string messageId) => $"pstatus|{messageId}|";

    /// <summary>Moves one participant's status forward only (delivered &lt; read); duplicates and late arrivals change nothing.</summary>
    public async Task RecordParticipantStatusAsync(string tenantId, string messageId, string waId, string status, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var rowKey = StatusPrefix(messageId) + TableKey.Escape(waId);
        while (true)
        {
            var row = await Messages.FindAsync<ParticipantStatusEntity>(tenantId, rowKey, cancellationToken).ConfigureAwait(false);
            var isNew = row is null;
            row ??= new ParticipantStatusEntity { PartitionKey = tenantId, RowKey = rowKey, MessageId = messageId, WaId = waId };
            var changed = false;
            if (status == "delivered" && row.DeliveredAt is null)
                (row.DeliveredAt, changed) = (at, true);
            if (status == "read" && row.ReadAt is null)
                (row.ReadAt, changed) = (at, true);
            var rank = Rank(status);
            if (rank > Rank(row.Status))
                (row.Status, changed) = (status, true);
            if (!changed)
                return;
            try
            {
                if (isNew)
                    await Messages.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                else
                    await Messages.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (TableErrors.IsConflict(e) || TableErrors.IsPreconditionFailed(e))
            {
                // A concurrent webhook for the same participant: read again and reapply.
            }
        }
    }

    public async Task<IReadOnlyList<ParticipantStatusEntity>> ParticipantStatusesAsync(string tenantId, string messageId, CancellationToken cancellationToken)
    {
        var rows = new List<ParticipantStatusEntity>();
        await foreach (var row in Messages.QueryAsync<ParticipantStatusEntity>(RowRanges.StartsWith(tenantId, StatusPrefix(messageId)),
            cancellationToken: cancellationToken).ConfigureAwait(false))
            rows.Add(row);
        return rows;
    }

    private static int Rank(string? status) => status switch
    {
        "delivered" => 1,
        "read" or "played" => 2,
        _ => 0,
    };
}
