using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Messages;

public sealed class MessageStore(StorageAccount storage)
{
    private TableClient Messages => storage.Table(TableNames.Messages);
    private TableClient ByMetaId => storage.Table(TableNames.MessagesByMetaId);

    public static string NewId() => "m" + Guid.CreateVersion7().ToString("N");

    public static bool IsValidId(string? id) => id is { Length: 33 } && id[0] == 'm' && id.Skip(1).All(char.IsAsciiHexDigit);

    public async Task AddAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        await Conversations.ConversationStore.AddOutboundPointerAsync(storage, message, cancellationToken).ConfigureAwait(false);
        await Messages.AddEntityAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public Task<MessageEntity?> GetAsync(string tenantId, string messageId, CancellationToken cancellationToken) =>
        Messages.FindAsync<MessageEntity>(tenantId, messageId, cancellationToken);

    public Task<ResultPage<MessageEntity>> ListAsync(string tenantId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Messages.QueryAsync<MessageEntity>(m => m.PartitionKey == tenantId, cancellationToken: cancellationToken),
            continuationToken, pageSize, m => m);

    /// <summary>
    /// Reads, changes and writes back a message with optimistic concurrency, retrying when a concurrent
    /// writer (a webhook, another worker) got there first. <paramref name="change"/> returns false to leave it as it is.
    /// </summary>
    public Task<MessageEntity?> UpdateAsync(
        string tenantId, string messageId, Func<MessageEntity, bool> change, CancellationToken cancellationToken) =>
        Messages.UpdateWithRetryAsync(tenantId, messageId, change, cancellationToken);

    public Task IndexMetaIdAsync(string tenantId, string metaMessageId, string messageId, CancellationToken cancellationToken) =>
        ByMetaId.UpsertEntityAsync(
            new MessageByMetaIdEntity { PartitionKey = tenantId, RowKey = TableKey.Escape(metaMessageId), MessageId = messageId },
            TableUpdateMode.Replace, cancellationToken);

    public async Task<string?> FindIdByMetaIdAsync(string tenantId, string metaMessageId, CancellationToken cancellationToken)
    {
        var index = await FindByMetaIdAsync(tenantId, metaMessageId, cancellationToken).ConfigureAwait(false);
        return string.IsNullOrEmpty(index?.MessageId) ? null : index.MessageId;
    }

    public Task<MessageByMetaIdEntity?> FindByMetaIdAsync(string tenantId, string metaMessageId, CancellationToken cancellationToken) =>
        ByMetaId.FindAsync<MessageByMetaIdEntity>(tenantId, TableKey.Escape(metaMessageId), cancellationToken);

    /// <summary>Indexes a campaign batch's wamids in transactions of up to 100 (all in the tenant's partition).</summary>
    public async Task IndexCampaignSendsAsync(
        string tenantId, IReadOnlyList<(string Wamid, string RecipientPartition, string RecipientRow)> sends, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sends);
        foreach (var chunk in sends.DistinctBy(s => s.Wamid).Chunk(100))
        {
            await ByMetaId.SubmitTransactionAsync(chunk.Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new MessageByMetaIdEntity
            {
                PartitionKey = tenantId,
                RowKey = TableKey.Escape(s.Wamid),
                CampaignRecipientPartition = s.RecipientPartition,
                CampaignRecipientRow = s.RecipientRow,
            })), cancellationToken).ConfigureAwait(false);
        }
    }
}
