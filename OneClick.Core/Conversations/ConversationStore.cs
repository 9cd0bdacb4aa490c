using Azure;
using Azure.Data.Tables;
using OneClick.Core.Messages;
using OneClick.Core.Storage;

namespace OneClick.Core.Conversations;

/// <summary>
/// One row of a contact's conversation. Table "conversations", PartitionKey = "{tenant}|{contactId}", RowKey =
/// "{sortable time}|{direction}|{key}", so a conversation is one range query in time order. Inbound rows hold the
/// message (key = escaped wamid, time = Meta's timestamp, so a duplicate webhook lands on the same row);
/// outbound rows only point at the message in the messages table (key = message id, time = its creation).
/// </summary>
public sealed class ConversationEntryEntity : ITableEntity
{
    public const string Inbound = "in";
    public const string Outbound = "out";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Direction { get; set; } = Inbound;
    public DateTimeOffset At { get; set; }
    /// <summary>Outbound: the OneClick message id. Inbound: null.</summary>
    public string? MessageId { get; set; }

    // Inbound only.
    public string? MetaMessageId { get; set; }
    public string? Type { get; set; }
    public string? From { get; set; }
    /// <summary>The text a person would read: body, caption, button or list title, reaction emoji, …</summary>
    public string? Text { get; set; }
    public string? MediaId { get; set; }
    public string? MediaMimeType { get; set; }
    /// <summary>Meta's context.id: the wamid of the business message this one answers.</summary>
    public string? ContextMetaMessageId { get; set; }
    /// <summary>The OneClick message it answers, when Meta's context.id is one of ours.</summary>
    public string? ReplyToMessageId { get; set; }
    /// <summary>Button or list reply id, or a template quick-reply payload.</summary>
    public string? ReplyId { get; set; }
    public string? ErrorsJson { get; set; }
    /// <summary>A Flow's reply (nfm_reply): the response_json object the customer's answers came in.</summary>
    public string? FlowResponseJson { get; set; }
    /// <summary>The message object as Meta sent it (cut at 30,000 characters, see <see cref="PayloadTruncated"/>).</summary>
    public string? PayloadJson { get; set; }
    public bool PayloadTruncated { get; set; }
    public DateTimeOffset? ReceivedAt { get; set; }

    public static string PartitionFor(string tenantId, string contactId) => $"{tenantId}|{contactId}";

    public static string RowKeyFor(DateTimeOffset at, string direction, string key) => $"{TableKey.Sortable(at)}|{direction}|{key}";
}

public sealed class ConversationStore(StorageAccount storage, MessageStore messages)
{
    private TableClient Table => storage.Table(TableNames.Conversations);

    /// <summary>Stores an inbound message; a second copy of the same message overwrites it with the same content.</summary>
    public Task SaveInboundAsync(string tenantId, string contactId, ConversationEntryEntity entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.PartitionKey = ConversationEntryEntity.PartitionFor(tenantId, contactId);
        entry.RowKey = ConversationEntryEntity.RowKeyFor(entry.At, ConversationEntryEntity.Inbound, TableKey.Escape(entry.MetaMessageId!));
        entry.Direction = ConversationEntryEntity.Inbound;
        return Table.UpsertEntityAsync(entry, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>
    /// The pointer from a contact's conversation to an outbound message. Written before the message itself, so a
    /// stored message is never missing from its conversation; a pointer whose message was never stored is skipped on read.
    /// </summary>
    public static Task AddOutboundPointerAsync(StorageAccount storage, MessageEntity message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(message);
        if (string.IsNullOrEmpty(message.ContactId))
            return Task.CompletedTask; // group messages have no contact conversation
        return storage.Table(TableNames.Conversations).UpsertEntityAsync(new ConversationEntryEntity
        {
            PartitionKey = ConversationEntryEntity.PartitionFor(message.TenantId, message.ContactId),
            RowKey = ConversationEntryEntity.RowKeyFor(message.CreatedAt, ConversationEntryEntity.Outbound, message.Id),
            Direction = ConversationEntryEntity.Outbound,
            At = message.CreatedAt,
            MessageId = message.Id,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>One page of a conversation, oldest first; outbound rows come with their message.</summary>
    public async Task<ResultPage<(ConversationEntryEntity Entry, MessageEntity? Message)>> PageAsync(
        string tenantId, string contactId, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        var page = await Paging.ReadPageAsync(
            Table.QueryAsync<ConversationEntryEntity>(e => e.PartitionKey == ConversationEntryEntity.PartitionFor(tenantId, contactId), pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, e => e).ConfigureAwait(false);
        var withMessages = await Task.WhenAll(page.Items.Select(async e =>
            (e, e.Direction == ConversationEntryEntity.Outbound && e.MessageId is not null
                ? await messages.GetAsync(tenantId, e.MessageId, cancellationToken).ConfigureAwait(false)
                : null))).ConfigureAwait(false);
        var items = withMessages.Where(x => x.e.Direction == ConversationEntryEntity.Inbound || x.Item2 is not null).ToList();
        return new ResultPage<(ConversationEntryEntity, MessageEntity?)>(items, page.ContinuationToken);
    }
}
