using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using OneClick.Core.Storage;

namespace OneClick.Core.Contacts;

/// <summary>
/// The part of erasure that is not the contact's own rows: every other table's rows of the tenant and every blob
/// under the tenant's prefix that mention the person. A row "mentions" the person when a column holds the contact id (also inside JSON, as an automation event does) or
/// any string holds the number's digits (with or without "+"), the BSUID or the parent BSUID.
/// - A row whose keys carry the contact id or an identifier (conversation entries, service-window session rows, index
///   rows) is deleted: its key is the personal data, and the feature that reads it needs nothing of it afterwards.
/// - Any other such row is history that other features count (campaign recipient status for stats, automation run
///   status, group message delivery): it stays, but the content columns (text, personalised content, event and payload
///   JSON) are replaced by "erased", and so is every other string column holding an identifier or the name, except JSON
///   that also holds other people (a group's participants): from that only the person's entries go.
/// Tables are scanned by the tenant's partitions (PartitionKey "{tenant}" or "{tenant}|…"): erasure is rare, and an
/// index by contact on every table is not worth its writes. Blobs (parked webhook bodies) are read under the tenant's
/// prefix and deleted when they mention the person. Every step is idempotent, so a retried erase finishes the job.
/// </summary>
public sealed class PersonalDataSweep(StorageAccount storage)
{
    public const string Erased = "erased";

    /// <summary>Columns that hold what the person wrote or was sent; erased in any row that mentions the person.</summary>
    private static readonly HashSet<string> ContentColumns = new(StringComparer.Ordinal)
    {
        "Text", "Caption", "Body", "ProfileName", "ContentJson", "PayloadJson", "EventJson", "ContextJson", "TimelineJson", "RawJson",
    };

    /// <summary>Tables whose rows about the person are deleted outright rather than scrubbed (no counts read from them).</summary>
    private static readonly HashSet<string> DeletedTables = new(StringComparer.Ordinal) { TableNames.Conversations, TableNames.Sessions };

    public sealed record Person(string TenantId, string ContactId, IReadOnlyList<string> Identifiers, string? Name);

    public static Person For(ContactEntity contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var identifiers = new List<string>();
        var digits = contact.PhoneNumber.TrimStart('+');
        if (digits.Length > 0)
            identifiers.Add(digits); // also matches "+digits"
        foreach (var id in new[] { contact.UserId, contact.ParentUserId })
            if (!string.IsNullOrWhiteSpace(id))
                identifiers.Add(id);
        return new(contact.PartitionKey, contact.Id, identifiers, string.IsNullOrWhiteSpace(contact.Name) ? null : contact.Name);
    }

    /// <param name="skipTables">Tables whose rows the caller erases itself (contacts: the contact row, its index and tag
    /// rows go last so a retry can still find the contact; suppression rows stay so an opt-out keeps being honoured).</param>
    public async Task SweepAsync(Person person, IReadOnlyCollection<string> skipTables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(person);
        ArgumentNullException.ThrowIfNull(skipTables);
        foreach (var table in TableNames.All.Except(skipTables))
            await SweepTableAsync(storage.Table(table), person, DeletedTables.Contains(table), cancellationToken).ConfigureAwait(false);
        await foreach (var container in storage.Blobs.GetBlobContainersAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            await SweepBlobsAsync(storage.Blobs.GetBlobContainerClient(container.Name), person, cancellationToken).ConfigureAwait(false);
    }

    private static async Task SweepTableAsync(TableClient table, Person person, bool deleteRows, CancellationToken cancellationToken)
    {
        // A row changed meanwhile (a late status update, ETag mismatch) is read and swept again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SweepTableOnceAsync(table, person, deleteRows, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (TableErrors.IsPreconditionFailed(e) && attempt < 5)
            {
                // Read the table again: the next pass sees the row's new version.
            }
        }
    }

    private static async Task SweepTableOnceAsync(TableClient table, Person person, bool deleteRows, CancellationToken cancellationToken)
    {
        // Two queries, the tenant's partition and the range "{tenant}|…" ('|' + 1 is '}'): an OR of the two is not a
        // range the service can seek to, and could have it scan every tenant's rows.
        string[] filters =
        [
            TableClient.CreateQueryFilter($"PartitionKey eq {person.TenantId}"),
            TableClient.CreateQueryFilter($"PartitionKey ge {person.TenantId + "|"} and PartitionKey lt {person.TenantId + "}"}"),
        ];
        var found = new List<TableEntity>();
        try
        {
            foreach (var filter in filters)
                await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
                    if (Mentions(row, person))
                        found.Add(row);
        }
        catch (RequestFailedException e) when (TableErrors.IsNotFound(e))
        {
            return; // the table does not exist yet: nothing to erase
        }
        foreach (var row in found)
        {
            try
            {
                if (deleteRows || KeyMentions(row, person))
                    await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
                else if (Scrub(row, person))
                    await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (TableErrors.IsNotFound(e))
            {
                // Deleted meanwhile: nothing left to erase.
            }
        }
    }

    private static bool KeyMentions(TableEntity row, Person person) =>
        Holds(row.PartitionKey, person, withName: false) || Holds(row.RowKey, person, withName: false)
        || row.PartitionKey.EndsWith("|" + person.ContactId, StringComparison.Ordinal) || row.RowKey.Contains(person.ContactId, StringComparison.Ordinal);

    private static bool Mentions(TableEntity row, Person person) =>
        KeyMentions(row, person)
        || row.Any(p => p.Value is string s && (s.Contains(person.ContactId, StringComparison.Ordinal) || Holds(s, person, withName: false)));

    private static bool Holds(string value, Person person, bool withName) =>
        person.Identifiers.Any(id => value.Contains(id, StringComparison.Ordinal))
        || (withName && person.Name is { } name && value.Contains(name, StringComparison.OrdinalIgnoreCase));

    private static bool Scrub(TableEntity row, Person person)
    {
        var changed = false;
        foreach (var (key, value) in row.ToList())
        {
            if (value is not string s || key is "PartitionKey" or "RowKey" or "odata.etag" || s == Erased)
                continue;
            var content = ContentColumns.Contains(key);
            if (!content && !Holds(s, person, withName: true))
                continue;
            // Content goes whole. Other JSON columns (a group's participants and join requests) also hold other people:
            // only the person's entries go, so the rest stays readable. JSON keeps its shape so typed readers still parse it.
            row[key] = ParseJson(s) switch
            {
                { } json when !content => Without(json, person).ToJsonString(),
                JsonObject => $$"""{"{{Erased}}":true}""",
                JsonArray => "[]",
                _ => Erased,
            };
            changed |= !Equals(row[key], s);
        }
        return changed;
    }

    /// <returns>The value's JSON object or array, or null for any other text.</returns>
    private static JsonNode? ParseJson(string value)
    {
        if (value.TrimStart() is not ['{' or '[', ..])
            return null;
        try
        {
            return JsonNode.Parse(value);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The JSON without the person: an object's property goes when its name holds one of the person's identifiers or its
    /// value is an object about the person (an entry of a map keyed by id); an array's element goes when it is
    /// about the person; any other string about the person becomes "erased".
    /// </summary>
    private static JsonNode Without(JsonNode node, Person person)
    {
        bool About(JsonNode? n) => n is not null && Holds(n.ToJsonString(), person, withName: true);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (Holds(name, person, withName: false) || (value is JsonObject && About(value)))
                        obj.Remove(name);
                    else if (value is JsonValue && value.GetValueKind() == JsonValueKind.String && About(value))
                        obj[name] = Erased;
                    else if (value is JsonArray)
                        Without(value, person);
                }
                break;
            case JsonArray array:
                for (var i = array.Count - 1; i >= 0; i--)
                {
                    if (array[i] is JsonArray inner)
                        Without(inner, person);
                    else if (About(array[i]))
                        array.RemoveAt(i);
                }
                break;
        }
        return node;
    }

    private static async Task SweepBlobsAsync(BlobContainerClient container, Person person, CancellationToken cancellationToken)
    {
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, person.TenantId + "/", cancellationToken).ConfigureAwait(false))
        {
            var client = container.GetBlobClient(blob.Name);
            var content = await client.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            if (Holds(content.Value.Content.ToString(), person, withName: true))
                await client.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
