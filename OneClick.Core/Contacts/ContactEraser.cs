using System.Text.Json.Nodes;
using Azure.Data.Tables;
using OneClick.Core.Lists;
using OneClick.Core.Messages;
using OneClick.Core.Storage;

namespace OneClick.Core.Contacts;

/// <summary>
/// Erasure of a contact (the right to be forgotten): its list memberships (each list's count kept right), the contact
/// row with its name, number and attributes, the number's index row and its tag rows. Its messages stay as
/// delivery history but lose the personal data: the number ("to") and the content sent (the payload) are scrubbed.
/// A message still waiting to be sent is skipped by <see cref="ConsentSendGuard"/> ("contact_erased").
/// Everything else that mentions the person in any other table or blob (conversations, sessions, campaign recipients,
/// automation runs, group messages, parked webhook bodies) is the <see cref="PersonalDataSweep"/>'s part.
/// </summary>
public sealed class ContactEraser(ContactStore contacts, ListStore lists, StorageAccount storage, PersonalDataSweep sweep)
{
    public const string ErasedNumber = "erased";

    /// <returns>False when there is no such contact.</returns>
    public async Task<bool> EraseAsync(string tenantId, string contactId, CancellationToken cancellationToken)
    {
        var contact = await contacts.GetAsync(tenantId, contactId, cancellationToken).ConfigureAwait(false);
        if (contact is null)
            return false;
        // Memberships first: while the contact row exists, a retried erase can still find everything.
        await lists.RemoveFromAllListsAsync(tenantId, contactId, cancellationToken).ConfigureAwait(false);
        await ScrubMessagesAsync(tenantId, contactId, cancellationToken).ConfigureAwait(false);
        // Contacts: its own rows go last (below); suppression rows stay so an opt-out keeps being honoured.
        // Messages: scrubbed above, keeping the shape the send path reads.
        await sweep.SweepAsync(PersonalDataSweep.For(contact), [TableNames.Contacts, TableNames.Messages], cancellationToken).ConfigureAwait(false);
        return await contacts.DeleteRowsAsync(contact, cancellationToken).ConfigureAwait(false);
    }

    private async Task ScrubMessagesAsync(string tenantId, string contactId, CancellationToken cancellationToken)
    {
        var messages = storage.Table(TableNames.Messages);
        // A scan of the tenant's messages: erasure is rare, and a contact index on messages is not worth its writes.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and ContactId eq {contactId}");
        var ids = new List<string>();
        await foreach (var message in messages.QueryAsync<MessageEntity>(filter, select: [nameof(MessageEntity.RowKey)], cancellationToken: cancellationToken).ConfigureAwait(false))
            ids.Add(message.RowKey);
        foreach (var id in ids)
        {
            await messages.UpdateWithRetryAsync<MessageEntity>(tenantId, id, m =>
            {
                if (m.To == ErasedNumber)
                    return false;
                var payload = new JsonObject { ["messaging_product"] = "whatsapp", ["type"] = m.Type, ["erased"] = true };
                // UpdatedAt stays: the send path reads it as the age of a claim.
                (m.To, m.PayloadJson) = (ErasedNumber, payload.ToJsonString());
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
    }
}
