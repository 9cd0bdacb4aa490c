using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Data.Tables;
using OneClick.Core.Contacts;
using OneClick.Core.Storage;

namespace OneClick.Core.ContactImports;

/// <summary>One valid CSV row: a normalised number with what to merge into its contact.</summary>
public sealed record ImportRow(long Row, string PhoneNumber, string? Name, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> Tags);

public sealed record RowRejection(long Row, string Reason);

public sealed record BulkUpsertResult(int Created, int Updated, int Unchanged, IReadOnlyList<RowRejection> Rejections);

/// <summary>
/// Creates or merges many contacts at once, idempotently: a row merges into the contact of its number (a non-empty name
/// replaces the name, attributes are overlaid, tags are added), and a row that would change nothing writes nothing, so
/// importing a file again changes nothing. New contacts go optimistically, with no read first, in entity-group
/// transactions of up to 100 rows (contact + number index + tag rows, all in the tenant's partition); a transaction that
/// meets an existing number hands its rows to the read-merge-write path, which checks the contact's ETag.
/// </summary>
public sealed class ContactBulkWriter(ContactStore contacts, StorageAccount storage, TimeProvider clock)
{
    /// <summary>Transactions in flight at once: storage latency, not CPU, is what they overlap.</summary>
    public const int Parallelism = 8;
    private const int MaxTransactionChars = 1_500_000;

    private TableClient Table => storage.Table(TableNames.Contacts);

    public async Task<BulkUpsertResult> UpsertAsync(string tenantId, IReadOnlyList<ImportRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var merged = MergeDuplicates(rows);
        var existing = new ConcurrentQueue<ImportRow>();
        var rejections = new ConcurrentQueue<RowRejection>();
        int created = 0, updated = 0, unchanged = 0;

        await Parallel.ForEachAsync(Pack(merged), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            var pending = group.ToList();
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                var (actions, owners) = NewContactActions(tenantId, pending);
                try
                {
                    await Table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
                    Interlocked.Add(ref created, pending.Count);
                    return;
                }
                catch (TableTransactionFailedException e) when (e.Status == 409)
                {
                    // One number exists. After a second conflict the group is probably a re-import: read them all.
                    if (attempt < 2 && e.FailedTransactionActionIndex is int failed && failed < owners.Count)
                    {
                        existing.Enqueue(pending[owners[failed]]);
                        pending.RemoveAt(owners[failed]);
                        continue;
                    }
                    foreach (var row in pending)
                        existing.Enqueue(row);
                    return;
                }
            }
        }).ConfigureAwait(false);

        await Parallel.ForEachAsync(existing, new ParallelOptions { MaxDegreeOfParallelism = Parallelism * 2, CancellationToken = cancellationToken }, async (row, ct) =>
        {
            switch (await MergeIntoExistingAsync(tenantId, row, rejections, ct).ConfigureAwait(false))
            {
                case Outcome.Created: Interlocked.Increment(ref created); break;
                case Outcome.Updated: Interlocked.Increment(ref updated); break;
                case Outcome.Unchanged: Interlocked.Increment(ref unchanged); break;
            }
        }).ConfigureAwait(false);
        return new BulkUpsertResult(created, updated, unchanged, [.. rejections.OrderBy(r => r.Row)]);
    }

    private enum Outcome { Created, Updated, Unchanged, Rejected }

    private async Task<Outcome> MergeIntoExistingAsync(string tenantId, ImportRow row, ConcurrentQueue<RowRejection> rejections, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var contact = await contacts.FindByPhoneAsync(tenantId, row.PhoneNumber, cancellationToken).ConfigureAwait(false);
            if (contact is null)
            {
                try
                {
                    await Table.SubmitTransactionAsync(NewContactActions(tenantId, [row]).Actions, cancellationToken).ConfigureAwait(false);
                    return Outcome.Created;
                }
                catch (TableTransactionFailedException e) when (e.Status == 409)
                {
                    continue;
                }
            }

            var oldTags = contact.Tags;
            var tags = new SortedSet<string>(oldTags, StringComparer.Ordinal);
            tags.UnionWith(row.Tags);
            var attributes = ContactStore.ReadAttributes(contact);
            foreach (var (key, value) in row.Attributes)
                attributes[key] = value;
            var attributesJson = JsonSerializer.Serialize(attributes);
            var name = row.Name ?? contact.Name;
            var tagsJson = JsonSerializer.Serialize(tags);
            if (name == contact.Name && attributesJson == contact.AttributesJson && tagsJson == contact.TagsJson)
                return Outcome.Unchanged;
            if (tags.Count > Tags.MaxPerContact || attributes.Count > ContactStore.MaxAttributes || attributesJson.Length > ContactStore.MaxAttributesJsonLength)
            {
                rejections.Enqueue(new RowRejection(row.Row, $"Merged into the existing contact this row would exceed a limit ({Tags.MaxPerContact} tags, {ContactStore.MaxAttributes} attributes, {ContactStore.MaxAttributesJsonLength} characters of attributes)."));
                return Outcome.Rejected;
            }
            (contact.Name, contact.AttributesJson, contact.TagsJson, contact.UpdatedAt) = (name, attributesJson, tagsJson, clock.GetUtcNow());
            try
            {
                await contacts.SaveWithTagsAsync(contact, oldTags, [.. tags], cancellationToken).ConfigureAwait(false);
                return Outcome.Updated;
            }
            catch (Azure.RequestFailedException e) when (e.Status == 412)
            {
                // Changed meanwhile: merge again.
            }
        }
        rejections.Enqueue(new RowRejection(row.Row, "The contact kept changing while this row was imported; import the row again."));
        return Outcome.Rejected;
    }

    /// <summary>Rows with the same number become one, in file order (the first row's number is kept for reports).</summary>
    private static List<ImportRow> MergeDuplicates(IReadOnlyList<ImportRow> rows)
    {
        var byNumber = new Dictionary<string, ImportRow>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var row in rows)
        {
            if (!byNumber.TryGetValue(row.PhoneNumber, out var seen))
            {
                byNumber[row.PhoneNumber] = row;
                order.Add(row.PhoneNumber);
                continue;
            }
            var attributes = new Dictionary<string, string>(seen.Attributes, StringComparer.Ordinal);
            foreach (var (key, value) in row.Attributes)
                attributes[key] = value;
            byNumber[row.PhoneNumber] = seen with { Name = row.Name ?? seen.Name, Attributes = attributes, Tags = seen.Tags.Union(row.Tags).Take(Tags.MaxPerContact).ToList() };
        }
        return order.Select(n => byNumber[n]).ToList();
    }

    /// <summary>Groups rows so each group's new-contact actions fit one transaction (100 actions, well under 4 MiB).</summary>
    private static IEnumerable<List<ImportRow>> Pack(List<ImportRow> rows)
    {
        var group = new List<ImportRow>();
        int actions = 0, chars = 0;
        foreach (var row in rows)
        {
            var rowActions = 2 + row.Tags.Count;
            var rowChars = 512 + (row.Name?.Length ?? 0) + row.Attributes.Sum(a => a.Key.Length + a.Value.Length + 8);
            if (group.Count > 0 && (actions + rowActions > ContactStore.MaxTransactionActions || chars + rowChars > MaxTransactionChars))
            {
                yield return group;
                (group, actions, chars) = ([], 0, 0);
            }
            group.Add(row);
            actions += rowActions;
            chars += rowChars;
        }
        if (group.Count > 0)
            yield return group;
    }

    /// <returns>The actions, and for each action the index of its row in <paramref name="rows"/>.</returns>
    private (List<TableTransactionAction> Actions, List<int> Owners) NewContactActions(string tenantId, List<ImportRow> rows)
    {
        var now = clock.GetUtcNow();
        var actions = new List<TableTransactionAction>();
        var owners = new List<int>();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var tags = new SortedSet<string>(row.Tags, StringComparer.Ordinal);
            var contact = new ContactEntity
            {
                PartitionKey = tenantId,
                RowKey = ContactEntity.RowKeyFor(ContactStore.NewId()),
                PhoneNumber = row.PhoneNumber,
                Name = row.Name,
                AttributesJson = JsonSerializer.Serialize(row.Attributes),
                TagsJson = JsonSerializer.Serialize(tags),
                CreatedAt = now,
                UpdatedAt = now,
            };
            // The number's index row first: a conflict on it names the row that already exists.
            actions.Add(new(TableTransactionActionType.Add, new ContactPhoneIndexEntity { PartitionKey = tenantId, RowKey = ContactPhoneIndexEntity.RowKeyFor(row.PhoneNumber), ContactId = contact.Id }));
            actions.Add(new(TableTransactionActionType.Add, contact));
            actions.AddRange(ContactStore.TagRows(tenantId, contact.Id, tags).Select(t => new TableTransactionAction(TableTransactionActionType.UpsertReplace, t)));
            owners.AddRange(Enumerable.Repeat(i, 2 + tags.Count));
        }
        return (actions, owners);
    }
}
