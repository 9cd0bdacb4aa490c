using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Contacts;

public sealed partial class ContactStore(StorageAccount storage, TimeProvider clock)
{
    private TableClient Table => storage.Table(TableNames.Contacts);

    /// <summary>Table Storage keeps at most 32K characters in a string property; the attributes are one.</summary>
    public const int MaxAttributesJsonLength = 30_000;

    public static bool IsValidId(string? id) => id is { Length: > 1 and <= 64 } && id[0] == 'c' && id.Skip(1).All(char.IsAsciiLetterOrDigit);

    /// <summary>Creates the contact for a number, or merges into the one that already has it.</summary>
    public async Task<(ContactEntity Contact, bool Created)> CreateOrMergeAsync(
        string tenantId, string e164, string? name, IReadOnlyDictionary<string, string>? attributes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var existing = await FindByPhoneAsync(tenantId, e164, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
                return (await MergeAsync(existing, name, attributes, cancellationToken).ConfigureAwait(false), false);

            var now = clock.GetUtcNow();
            var contact = new ContactEntity
            {
                PartitionKey = tenantId,
                RowKey = ContactEntity.RowKeyFor("c" + Guid.CreateVersion7().ToString("N")[..24]),
                PhoneNumber = e164,
                Name = name,
                AttributesJson = AttributesJson(attributes ?? new Dictionary<string, string>()),
                CreatedAt = now,
                UpdatedAt = now,
            };
            await ApplySuppressionAsync(contact, new ContactIdentity(e164), cancellationToken).ConfigureAwait(false);
            var index = new ContactPhoneIndexEntity
            {
                PartitionKey = tenantId,
                RowKey = ContactPhoneIndexEntity.RowKeyFor(e164),
                ContactId = contact.Id,
            };
            try
            {
                await Table.SubmitTransactionAsync(
                    [new(TableTransactionActionType.Add, contact), new(TableTransactionActionType.Add, index)],
                    cancellationToken).ConfigureAwait(false);
                return (contact, true);
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                // Another request created this number first; merge into it.
            }
        }
    }

    /// <exception cref="ContactAttributesTooLargeException">The attributes are too large to store.</exception>
    private static string AttributesJson(IReadOnlyDictionary<string, string> attributes)
    {
        var json = JsonSerializer.Serialize(attributes);
        return json.Length <= MaxAttributesJsonLength ? json : throw new ContactAttributesTooLargeException(json.Length);
    }

    public Task<ContactEntity?> GetAsync(string tenantId, string contactId, CancellationToken cancellationToken) =>
        Table.FindAsync<ContactEntity>(tenantId, ContactEntity.RowKeyFor(contactId), cancellationToken);

    public async Task<ContactEntity?> FindByPhoneAsync(string tenantId, string e164, CancellationToken cancellationToken)
    {
        var index = await Table.FindAsync<ContactPhoneIndexEntity>(tenantId, ContactPhoneIndexEntity.RowKeyFor(e164), cancellationToken).ConfigureAwait(false);
        return index is null ? null : await GetAsync(tenantId, index.ContactId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One page of the tenant's contacts, in id order.</summary>
    public Task<ResultPage<ContactEntity>> PageAsync(string tenantId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Table.QueryAsync<ContactEntity>(RowRanges.StartsWith(tenantId, ContactEntity.RowPrefix), pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, c => c);

    /// <summary>One page of the ids of the contacts that carry <paramref name="tag"/>.</summary>
    public Task<ResultPage<string>> PageIdsByTagAsync(string tenantId, string tag, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Table.QueryAsync<ContactTagEntity>(RowRanges.StartsWith(tenantId, ContactTagEntity.PrefixFor(tag)), pageSize, [nameof(ContactTagEntity.ContactId)], cancellationToken),
            continuationToken, pageSize, t => t.ContactId);

    /// <summary>
    /// Records consent. An opt-out always wins over what was before; an opt-in is recorded with its source and time.
    /// Returns null when there is no such contact.
    /// </summary>
    public Task<ContactEntity?> SetOptInAsync(string tenantId, string contactId, bool optedIn, string source, DateTimeOffset at, CancellationToken cancellationToken) =>
        Table.UpdateWithRetryAsync<ContactEntity>(tenantId, ContactEntity.RowKeyFor(contactId), contact =>
        {
            var state = optedIn ? OptInStates.OptedIn : OptInStates.OptedOut;
            if (contact.OptInState == state)
                return false;
            contact.OptInState = state;
            if (optedIn)
                (contact.OptInSource, contact.OptInAt) = (source, at);
            else
                (contact.OptOutSource, contact.OptOutAt) = (source, at);
            contact.UpdatedAt = clock.GetUtcNow();
            return true;
        }, cancellationToken);

    private async Task<ContactEntity> MergeAsync(
        ContactEntity contact, string? name, IReadOnlyDictionary<string, string>? attributes, CancellationToken cancellationToken)
    {
        if (name is null && (attributes is null || attributes.Count == 0))
            return contact;
        while (true)
        {
            var merged = JsonSerializer.Deserialize<Dictionary<string, string>>(contact.AttributesJson) ?? [];
            foreach (var (key, value) in attributes ?? new Dictionary<string, string>())
                merged[key] = value;
            var mergedJson = AttributesJson(merged);
            contact.Name = name ?? contact.Name;
            contact.AttributesJson = mergedJson;
            contact.UpdatedAt = clock.GetUtcNow();
            try
            {
                await Table.UpdateEntityAsync(contact, contact.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return contact;
            }
            catch (RequestFailedException e) when (TableErrors.IsPreconditionFailed(e))
            {
                contact = await GetAsync(contact.PartitionKey, contact.Id, cancellationToken).ConfigureAwait(false) ?? contact;
            }
        }
    }
}

/// <summary>A contact's attributes (with those merged in) would not fit in its table row.</summary>
public sealed class ContactAttributesTooLargeException(int length)
    : Exception($"The attributes take {length} characters as JSON; at most {ContactStore.MaxAttributesJsonLength} fit.");
