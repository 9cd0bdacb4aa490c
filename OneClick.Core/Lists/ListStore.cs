using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Lists;

public sealed partial class ListStore(StorageAccount storage, TimeProvider clock)
{
    private TableClient Table => storage.Table(TableNames.Lists);

    public static string NewId() => "l" + Guid.CreateVersion7().ToString("N")[..24];

    public static bool IsValidId(string? id) => id is { Length: > 1 and <= 64 } && id[0] == 'l' && id.Skip(1).All(char.IsAsciiLetterOrDigit);

    public Task<ContactListEntity?> GetAsync(string tenantId, string listId, CancellationToken cancellationToken) =>
        Table.FindAsync<ContactListEntity>(tenantId, ContactListEntity.RowKeyFor(listId), cancellationToken);

    /// <summary>One page of the ids of a list's members, in contact id order.</summary>
    public Task<ResultPage<string>> PageMemberIdsAsync(string tenantId, string listId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Table.QueryAsync<ListMemberEntity>(RowRanges.StartsWith(tenantId, ListMemberEntity.PrefixFor(listId)), pageSize, [nameof(ListMemberEntity.ContactId)], cancellationToken),
            continuationToken, pageSize, m => m.ContactId);

    public async Task<bool> IsMemberAsync(string tenantId, string listId, string contactId, CancellationToken cancellationToken) =>
        await Table.FindAsync<ListMemberEntity>(tenantId, ListMemberEntity.RowKeyFor(listId, contactId), cancellationToken).ConfigureAwait(false) is not null;
}
