using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Lists;

/// <summary>How a bulk change to a list's members went. Counts are of rows actually written.</summary>
public sealed record MemberChange(int Changed, int Unchanged);

public sealed partial class ListStore
{
    public const int MaxNameLength = 200;

    /// <summary>
    /// Members change in transactions with the list row: 2 rows per contact (member and reverse index) plus the list
    /// row, whose ETag-checked MemberCount moves by exactly the number of rows added or removed.
    /// </summary>
    private const int ContactsPerTransaction = 49;

    public async Task<ContactListEntity> CreateAsync(string tenantId, string name, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var list = new ContactListEntity { PartitionKey = tenantId, RowKey = ContactListEntity.RowKeyFor(NewId()), Name = name, CreatedAt = now, UpdatedAt = now };
        await Table.AddEntityAsync(list, cancellationToken).ConfigureAwait(false);
        return list;
    }

    public Task<ContactListEntity?> RenameAsync(string tenantId, string listId, string name, CancellationToken cancellationToken) =>
        Table.UpdateWithRetryAsync<ContactListEntity>(tenantId, ContactListEntity.RowKeyFor(listId), list =>
        {
            if (list.Name == name)
                return false;
            (list.Name, list.UpdatedAt) = (name, clock.GetUtcNow());
            return true;
        }, cancellationToken);

    /// <summary>One page of the tenant's lists, in id (creation) order.</summary>
    public Task<ResultPage<ContactListEntity>> PageAsync(string tenantId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Table.QueryAsync<ContactListEntity>(RowRanges.StartsWith(tenantId, ContactListEntity.RowPrefix), pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, l => l);

    /// <summary>One page of a list's memberships (contact id and when it was added), in contact id order.</summary>
    public Task<ResultPage<ListMemberEntity>> PageMembersAsync(string tenantId, string listId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Table.QueryAsync<ListMemberEntity>(RowRanges.StartsWith(tenantId, ListMemberEntity.PrefixFor(listId)), pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, m => m);

    /// <summary>Deletes a list with all its memberships; false when there is no such list.</summary>
    public async Task<bool> DeleteAsync(string tenantId, string listId, CancellationToken cancellationToken)
    {
        if (await GetAsync(tenantId, listId, cancellationToken).ConfigureAwait(false) is null)
            return false;
        // Memberships first, so a crash half-way leaves a list that can be deleted again rather than orphan rows.
        while (true)
        {
            var page = await PageMemberIdsAsync(tenantId, listId, null, 500, cancellationToken).ConfigureAwait(false);
            if (page.Items.Count == 0)
                break;
            foreach (var chunk in page.Items.Chunk(ContactsPerTransaction))
            {
                var actions = chunk.SelectMany(contactId => new[]
                {
                    new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(tenantId, ListMemberEntity.RowKeyFor(listId, contactId)), ETag.All),
                    new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(tenantId, ContactInListEntity.RowKeyFor(contactId, listId)), ETag.All),
                }).ToList();
                await DeleteAllAsync(actions, cancellationToken).ConfigureAwait(false);
            }
        }
        try
        {
            await Table.DeleteEntityAsync(tenantId, ContactListEntity.RowKeyFor(listId), ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (TableErrors.IsNotFound(e))
        {
            // Deleted concurrently: the outcome is the same.
        }
        return true;
    }

    /// <summary>
    /// Adds the contacts (which the caller has checked exist) to the list. Counts only rows actually added, so repeated
    /// and concurrent adds keep MemberCount right. Returns null when there is no such list.
    /// </summary>
    public async Task<MemberChange?> AddMembersAsync(string tenantId, string listId, IEnumerable<string> contactIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contactIds);
        int added = 0, already = 0;
        foreach (var chunk in contactIds.Distinct(StringComparer.Ordinal).Chunk(ContactsPerTransaction))
        {
            while (true)
            {
                var list = await GetAsync(tenantId, listId, cancellationToken).ConfigureAwait(false);
                if (list is null)
                    return null;
                var fresh = await NotMembersAsync(tenantId, listId, chunk, cancellationToken).ConfigureAwait(false);
                if (fresh.Count == 0)
                {
                    already += chunk.Length;
                    break;
                }
                var now = clock.GetUtcNow();
                list.MemberCount += fresh.Count;
                list.UpdatedAt = now;
                var actions = fresh.SelectMany(contactId => new[]
                {
                    new TableTransactionAction(TableTransactionActionType.Add, new ListMemberEntity { PartitionKey = tenantId, RowKey = ListMemberEntity.RowKeyFor(listId, contactId), ContactId = contactId, AddedAt = now }),
                    new TableTransactionAction(TableTransactionActionType.UpsertReplace, new ContactInListEntity { PartitionKey = tenantId, RowKey = ContactInListEntity.RowKeyFor(contactId, listId), ListId = listId }),
                }).Append(new TableTransactionAction(TableTransactionActionType.UpdateReplace, list, list.ETag)).ToList();
                try
                {
                    await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                    added += fresh.Count;
                    already += chunk.Length - fresh.Count;
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
                {
                    // A concurrent change to the list or its members: look again.
                }
            }
        }
        return new MemberChange(added, already);
    }

    /// <summary>Removes the contacts from the list, counting only rows actually removed. Null when there is no such list.</summary>
    public async Task<MemberChange?> RemoveMembersAsync(string tenantId, string listId, IEnumerable<string> contactIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contactIds);
        int removed = 0, absent = 0;
        foreach (var chunk in contactIds.Distinct(StringComparer.Ordinal).Chunk(ContactsPerTransaction))
        {
            while (true)
            {
                var list = await GetAsync(tenantId, listId, cancellationToken).ConfigureAwait(false);
                if (list is null)
                    return null;
                var notMembers = await NotMembersAsync(tenantId, listId, chunk, cancellationToken).ConfigureAwait(false);
                var members = chunk.Except(notMembers).ToList();
                if (members.Count == 0)
                {
                    absent += chunk.Length;
                    break;
                }
                list.MemberCount = Math.Max(0, list.MemberCount - members.Count);
                list.UpdatedAt = clock.GetUtcNow();
                var actions = members
                    .Select(contactId => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(tenantId, ListMemberEntity.RowKeyFor(listId, contactId)), ETag.All))
                    .Append(new TableTransactionAction(TableTransactionActionType.UpdateReplace, list, list.ETag)).ToList();
                try
                {
                    await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                }
                catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
                {
                    continue;
                }
                // The reverse rows only help erasure find memberships: one left behind by a crash here is harmless.
                await DeleteAllAsync(members.Select(contactId => new TableTransactionAction(TableTransactionActionType.Delete,
                    new TableEntity(tenantId, ContactInListEntity.RowKeyFor(contactId, listId)), ETag.All)).ToList(), cancellationToken).ConfigureAwait(false);
                removed += members.Count;
                absent += chunk.Length - members.Count;
                break;
            }
        }
        return new MemberChange(removed, absent);
    }

    /// <summary>The ids of the lists a contact is in (from the reverse index rows).</summary>
    public async Task<IReadOnlyList<string>> ListIdsOfContactAsync(string tenantId, string contactId, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var row in Table.QueryAsync<ContactInListEntity>(RowRanges.StartsWith(tenantId, ContactInListEntity.PrefixFor(contactId)), cancellationToken: cancellationToken).ConfigureAwait(false))
            ids.Add(row.ListId);
        return ids;
    }

    /// <summary>Takes a contact out of every list it is in, each list's count kept right.</summary>
    public async Task RemoveFromAllListsAsync(string tenantId, string contactId, CancellationToken cancellationToken)
    {
        foreach (var listId in await ListIdsOfContactAsync(tenantId, contactId, cancellationToken).ConfigureAwait(false))
        {
            await RemoveMembersAsync(tenantId, listId, [contactId], cancellationToken).ConfigureAwait(false);
            // Also when the list is gone or the contact was no longer in it: the reverse row must not outlive the contact.
            await DeleteAllAsync([new(TableTransactionActionType.Delete, new TableEntity(tenantId, ContactInListEntity.RowKeyFor(contactId, listId)), ETag.All)], cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<List<string>> NotMembersAsync(string tenantId, string listId, string[] contactIds, CancellationToken cancellationToken)
    {
        var isMember = new bool[contactIds.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, contactIds.Length), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => isMember[i] = await IsMemberAsync(tenantId, listId, contactIds[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return contactIds.Where((_, i) => !isMember[i]).ToList();
    }

    /// <summary>Deletes rows in one transaction, or one by one when some are already gone.</summary>
    private async Task DeleteAllAsync(IReadOnlyList<TableTransactionAction> deletes, CancellationToken cancellationToken)
    {
        try
        {
            await Table.SubmitTransactionAsync(deletes, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            foreach (var delete in deletes)
            {
                try
                {
                    await Table.DeleteEntityAsync(delete.Entity.PartitionKey, delete.Entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException gone) when (TableErrors.IsNotFound(gone))
                {
                }
            }
        }
    }
}
