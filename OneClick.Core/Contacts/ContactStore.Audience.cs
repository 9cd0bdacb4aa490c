using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Contacts;

/// <summary>A change to a contact. Null members leave that part as it is.</summary>
/// <param name="Name">The new name; "" clears it.</param>
/// <param name="Attributes">Merged into the attributes; a null value removes that key.</param>
/// <param name="Tags">Replaces the whole set of tags.</param>
/// <param name="AddTags">Added to the tags.</param>
/// <param name="RemoveTags">Removed from the tags.</param>
public sealed record ContactPatch(
    string? Name = null,
    IReadOnlyDictionary<string, string?>? Attributes = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<string>? AddTags = null,
    IReadOnlyList<string>? RemoveTags = null);

/// <summary>A change would take a contact past a storage limit (attributes or tags); nothing was written.</summary>
public sealed class ContactLimitException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

public sealed partial class ContactStore
{
    public const int MaxAttributes = 50;
    /// <summary>Entity-group transactions hold at most 100 operations.</summary>
    public const int MaxTransactionActions = 100;

    public static string NewId() => "c" + Guid.CreateVersion7().ToString("N")[..24];

    public static Dictionary<string, string> ReadAttributes(ContactEntity contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(contact.AttributesJson) ?? [];
    }

    /// <summary>
    /// Applies <paramref name="patch"/> with optimistic concurrency. The contact row and its tag index rows change in
    /// one entity-group transaction (they share the tenant's partition), so TagsJson and the "tag|" rows never disagree.
    /// Returns null when there is no such contact.
    /// </summary>
    /// <exception cref="ContactLimitException">The result would not fit; nothing was written.</exception>
    public async Task<ContactEntity?> UpdateAsync(string tenantId, string contactId, ContactPatch patch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patch);
        while (true)
        {
            var contact = await GetAsync(tenantId, contactId, cancellationToken).ConfigureAwait(false);
            if (contact is null)
                return null;
            var oldTags = contact.Tags;
            var tags = new SortedSet<string>(patch.Tags ?? oldTags, StringComparer.Ordinal);
            foreach (var tag in patch.AddTags ?? [])
                tags.Add(tag);
            foreach (var tag in patch.RemoveTags ?? [])
                tags.Remove(tag);
            if (tags.Count > Tags.MaxPerContact)
                throw new ContactLimitException("tags", $"A contact has at most {Tags.MaxPerContact} tags; this change gives it {tags.Count}.");

            var attributes = ReadAttributes(contact);
            foreach (var (key, value) in patch.Attributes ?? new Dictionary<string, string?>())
            {
                if (value is null)
                    attributes.Remove(key);
                else
                    attributes[key] = value;
            }
            if (attributes.Count > MaxAttributes)
                throw new ContactLimitException("attributes", $"A contact has at most {MaxAttributes} attributes; this change gives it {attributes.Count}.");
            string attributesJson;
            try
            {
                attributesJson = AttributesJson(attributes);
            }
            catch (ContactAttributesTooLargeException e)
            {
                throw new ContactLimitException("attributes", e.Message);
            }

            var name = patch.Name is null ? contact.Name : patch.Name.Length == 0 ? null : patch.Name;
            var tagsJson = JsonSerializer.Serialize(tags);
            if (name == contact.Name && attributesJson == contact.AttributesJson && tagsJson == contact.TagsJson)
                return contact;
            (contact.Name, contact.AttributesJson, contact.TagsJson, contact.UpdatedAt) = (name, attributesJson, tagsJson, clock.GetUtcNow());

            try
            {
                await SaveWithTagsAsync(contact, oldTags, [.. tags], cancellationToken).ConfigureAwait(false);
                return contact;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Changed under us: read again and reapply the patch.
            }
        }
    }

    /// <summary>
    /// Writes a changed contact (ETag-checked) together with the tag rows that appear or disappear. With more than
    /// 100 operations (a set of 50 tags replaced by 50 others) the removals go in a second transaction.
    /// </summary>
    internal async Task SaveWithTagsAsync(ContactEntity contact, IReadOnlyCollection<string> oldTags, IReadOnlyCollection<string> newTags, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, contact, contact.ETag) };
        actions.AddRange(TagRows(contact.PartitionKey, contact.Id, newTags.Except(oldTags)).Select(t => new TableTransactionAction(TableTransactionActionType.UpsertReplace, t)));
        var removals = oldTags.Except(newTags)
            .Select(t => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(contact.PartitionKey, ContactTagEntity.RowKeyFor(t, contact.Id)), ETag.All))
            .ToList();
        var later = new List<TableTransactionAction>();
        foreach (var removal in removals)
            (actions.Count < MaxTransactionActions ? actions : later).Add(removal);
        try
        {
            var response = await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            contact.ETag = response.Value[0].Headers.ETag ?? contact.ETag;
        }
        catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex is > 0)
        {
            // A tag row that should be there is not (written by an older version, or removed by hand): save the
            // contact with the additions, then delete what is left of the removals one by one.
            var response = await Table.SubmitTransactionAsync(actions.Where(a => a.ActionType != TableTransactionActionType.Delete), cancellationToken).ConfigureAwait(false);
            contact.ETag = response.Value[0].Headers.ETag ?? contact.ETag;
            later.AddRange(actions.Where(a => a.ActionType == TableTransactionActionType.Delete));
        }
        catch (TableTransactionFailedException e) when (e.Status == 412)
        {
            throw new RequestFailedException(412, "The contact changed meanwhile.", e);
        }
        foreach (var removal in later)
            await Table.DeleteEntityAsync(removal.Entity.PartitionKey, removal.Entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
    }

    internal static IEnumerable<ContactTagEntity> TagRows(string tenantId, string contactId, IEnumerable<string> tags) =>
        tags.Select(t => new ContactTagEntity { PartitionKey = tenantId, RowKey = ContactTagEntity.RowKeyFor(t, contactId), ContactId = contactId });

    /// <summary>Records consent like <see cref="SetOptInAsync"/>, and says whether anything changed.</summary>
    public async Task<(ContactEntity? Contact, bool Changed)> ChangeOptInAsync(
        string tenantId, string contactId, bool optedIn, string source, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var changed = false;
        var contact = await Table.UpdateWithRetryAsync<ContactEntity>(tenantId, ContactEntity.RowKeyFor(contactId), c =>
        {
            var state = optedIn ? OptInStates.OptedIn : OptInStates.OptedOut;
            changed = c.OptInState != state;
            if (!changed)
                return false;
            c.OptInState = state;
            if (optedIn)
                (c.OptInSource, c.OptInAt) = (source, at);
            else
                (c.OptOutSource, c.OptOutAt) = (source, at);
            c.UpdatedAt = clock.GetUtcNow();
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return (contact, changed);
    }

    /// <summary>
    /// Deletes the contact row, its identity index rows (phone, BSUID, parent BSUID) and its tag rows in one transaction. List memberships and
    /// message history are the <see cref="ContactEraser"/>'s part. Returns false when there is no such contact.
    /// </summary>
    internal async Task<bool> DeleteRowsAsync(ContactEntity contact, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Delete, contact, ETag.All),
        };
        foreach (var key in IdentityKeysOf(contact))
        {
            var index = await Table.FindAsync<ContactUserIndexEntity>(contact.PartitionKey, key, cancellationToken).ConfigureAwait(false);
            if (index is not null && index.ContactId == contact.Id)
                actions.Add(new(TableTransactionActionType.Delete, index, ETag.All));
        }
        // TagsJson and the tag rows are written together, so TagsJson says which tag rows there are.
        var tagRows = TagRows(contact.PartitionKey, contact.Id, contact.Tags).ToList();
        var first = actions.Concat(tagRows.Select(t => new TableTransactionAction(TableTransactionActionType.Delete, t, ETag.All))).ToList();
        try
        {
            foreach (var chunk in first.Chunk(MaxTransactionActions))
                await Table.SubmitTransactionAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            // Something was already gone (a concurrent erase, a missing tag row): delete what is left one by one.
            foreach (var action in first)
            {
                try
                {
                    await Table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException gone) when (gone.Status == 404)
                {
                }
            }
        }
        return true;
    }

    /// <summary>Point reads of several contacts at once; missing ones are left out, the order is kept.</summary>
    public async Task<IReadOnlyList<ContactEntity>> GetManyAsync(string tenantId, IReadOnlyList<string> contactIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contactIds);
        var found = new ContactEntity?[contactIds.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, contactIds.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => found[i] = await GetAsync(tenantId, contactIds[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return found.OfType<ContactEntity>().ToList();
    }

    /// <summary>
    /// Reads contacts in id order after <paramref name="afterRowKey"/>, at most <paramref name="maxExamined"/> rows,
    /// keeping those <paramref name="keep"/> accepts, until <paramref name="pageSize"/> are kept. Returns them and the
    /// row key to continue after (null at the end).
    /// </summary>
    public async Task<(IReadOnlyList<ContactEntity> Items, string? ContinueAfter)> ScanAsync(
        string tenantId, string? afterRowKey, int pageSize, int maxExamined, Func<ContactEntity, bool> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var end = ContactEntity.RowPrefix[..^1] + (char)(ContactEntity.RowPrefix[^1] + 1);
        var filter = afterRowKey is null
            ? RowRanges.StartsWith(tenantId, ContactEntity.RowPrefix)
            : TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and RowKey gt {afterRowKey} and RowKey lt {end}");
        var items = new List<ContactEntity>();
        var examined = 0;
        string? last = null;
        await foreach (var contact in Table.QueryAsync<ContactEntity>(filter, maxPerPage: Math.Min(1000, maxExamined), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            examined++;
            last = contact.RowKey;
            if (keep(contact))
                items.Add(contact);
            if (items.Count >= pageSize || examined >= maxExamined)
                return (items, last);
        }
        return (items, null);
    }
}
