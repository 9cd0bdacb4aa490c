using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Contacts;

/// <summary>
/// Contacts by any of their WhatsApp identities (phone, BSUID, parent BSUID). Since 2026 Meta names a user by a
/// business-scoped user id beside, or instead of, the phone number, so a person may first write with a BSUID only
/// and later with both: the second message links the phone to the contact the first one made, never a second contact.
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
/// </summary>
public sealed partial class ContactStore
{
    public async Task<ContactEntity?> FindAsync(string tenantId, ContactIdentity identity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        foreach (var key in identity.Keys())
        {
            var index = await Table.FindAsync<ContactUserIndexEntity>(tenantId, key, cancellationToken).ConfigureAwait(false);
            if (index is not null && await GetAsync(tenantId, index.ContactId, cancellationToken).ConfigureAwait(false) is { } contact)
                return contact;
        }
        return null;
    }

    public Task<ContactEntity?> FindByUserIdAsync(string tenantId, string userId, CancellationToken cancellationToken) =>
        FindAsync(tenantId, UserIds.IsParentUserId(userId) ? new ContactIdentity(ParentUserId: userId) : new ContactIdentity(UserId: userId), cancellationToken);

    /// <summary>
    /// The person's contact, found by whichever identity it already has, with the identities it lacked linked to it;
    /// or a new contact holding them all (opted out when a suppression names any of them).
    /// </summary>
    public async Task<(ContactEntity Contact, bool Created)> ResolveAsync(string tenantId, ContactIdentity identity, string? name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (identity.IsEmpty)
            throw new ArgumentException("An identity needs a phone number or a user id.", nameof(identity));
        while (true)
        {
            if (await FindAsync(tenantId, identity, cancellationToken).ConfigureAwait(false) is { } existing)
                return (await ChangeIdentityAsync(existing, identity, replace: false, cancellationToken).ConfigureAwait(false), false);

            var now = clock.GetUtcNow();
            var contact = new ContactEntity
            {
                PartitionKey = tenantId,
                RowKey = ContactEntity.RowKeyFor(NewId()),
                PhoneNumber = identity.Phone ?? "",
                UserId = identity.UserId,
                ParentUserId = identity.ParentUserId,
                Username = identity.Username,
                Name = name,
                CreatedAt = now,
                UpdatedAt = now,
            };
            await ApplySuppressionAsync(contact, identity, cancellationToken).ConfigureAwait(false);
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, contact) };
            actions.AddRange(identity.Keys().Select(k => new TableTransactionAction(TableTransactionActionType.Add, IndexRow(tenantId, k, contact.Id))));
            try
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return (contact, true);
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                // Another message of the same person made the contact first: link into it.
            }
        }
    }

    /// <summary>
    /// Gives the contact the identities in <paramref name="identity"/>. Linking (<paramref name="replace"/> false) only
    /// fills in what is missing; replacing (Meta's user_changed_number / user_changed_user_id) moves the contact to the
    /// new value and frees the old one. An identity another contact already holds is left with that contact.
    /// </summary>
    public async Task<ContactEntity> ChangeIdentityAsync(ContactEntity contact, ContactIdentity identity, bool replace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contact);
        ArgumentNullException.ThrowIfNull(identity);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var actions = new List<TableTransactionAction>();
            var changed = false;
            void Change(string? wanted, string current, Func<string, string> keyFor, Action<string> set)
            {
                if (wanted is null || wanted == current || taken.Contains(keyFor(wanted)) || (current.Length > 0 && !replace))
                    return;
                if (current.Length > 0 && !missing.Contains(keyFor(current)))
                    actions.Add(new(TableTransactionActionType.Delete, IndexRow(contact.PartitionKey, keyFor(current), contact.Id), ETag.All));
                actions.Add(new(TableTransactionActionType.Add, IndexRow(contact.PartitionKey, keyFor(wanted), contact.Id)));
                set(wanted);
                changed = true;
            }
            Change(identity.Phone, contact.PhoneNumber, ContactPhoneIndexEntity.RowKeyFor, v => contact.PhoneNumber = v);
            Change(identity.UserId, contact.UserId ?? "", ContactUserIndexEntity.UserRowKeyFor, v => contact.UserId = v);
            Change(identity.ParentUserId, contact.ParentUserId ?? "", ContactUserIndexEntity.ParentRowKeyFor, v => contact.ParentUserId = v);
            if (identity.Username is not null && identity.Username != contact.Username)
                (contact.Username, changed) = (identity.Username, true);
            if (!changed)
                return contact;
            contact.UpdatedAt = clock.GetUtcNow();
            actions.Insert(0, new(TableTransactionActionType.UpdateReplace, contact, contact.ETag));
            try
            {
                var response = await Table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                contact.ETag = response.Value[0].Headers.ETag ?? contact.ETag;
                return contact;
            }
            catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is int failed && failed > 0)
            {
                taken.Add(actions[failed].Entity.RowKey);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex is int gone && gone > 0)
            {
                missing.Add(actions[gone].Entity.RowKey); // the old index row is already gone: nothing to free
            }
            catch (TableTransactionFailedException e) when (e.Status == 412)
            {
                // Changed meanwhile: start again from the stored contact.
            }
            contact = await GetAsync(contact.PartitionKey, contact.Id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Contact {contact.Id} was erased while its identity changed.");
        }
    }

    private static ContactUserIndexEntity IndexRow(string tenantId, string rowKey, string contactId) =>
        new() { PartitionKey = tenantId, RowKey = rowKey, ContactId = contactId };

    /// <summary>The index rows a contact owns (its phone, BSUID and parent BSUID), for erasure.</summary>
    internal static IEnumerable<string> IdentityKeysOf(ContactEntity contact) =>
        new ContactIdentity(contact.PhoneNumber.Length > 0 ? contact.PhoneNumber : null, contact.UserId, contact.ParentUserId).Keys();
}
