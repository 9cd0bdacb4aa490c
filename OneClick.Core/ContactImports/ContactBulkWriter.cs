using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Data.Tables;
using OneClick.Core.Contacts;
using OneClick.Core.Storage;

namespace OneClick.Core.ContactImports;

/// <summary>One valid CSV row: a normalised number ("" when the row names the person by BSUID only) with what to merge into its contact.</summary>
public sealed record ImportRow(long Row, string PhoneNumber, string? Name, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> Tags, string? UserId = null)
{
    public ContactIdentity Identity => new(PhoneNumber.Length > 0 ? PhoneNumber : null, UserId);
}

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
        var merged = MergeDuplicates(rows.Where(r => r.PhoneNumber.Length > 0).ToList());
        // Rows that name the person by BSUID only take the one-by-one path that finds a contact by any identity.
        var existing = new ConcurrentQueue<ImportRow>(rows.Where(r => r.PhoneNumber.Length == 0));
        var rejections = new ConcurrentQueue<RowRejection>();
        int created = 0, updated = 0, unchanged = 0;
        var suppressed = await SuppressionsAsync(tenantId, merged, cancellationToken).ConfigureAwait(false);

        await Parallel.ForEachAsync(Pack(merged), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            var pending = group.ToList();
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                var (actions, owners) = NewContactActions(tenantId, pending, suppressed);
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
            var contact = await contacts.FindAsync(tenantId, row.Identity, cancellationToken).ConfigureAwait(false);
            var made = false;
            if (contact is null && row.PhoneNumber.Length == 0)
            {
                (contact, made) = await contacts.ResolveAsync(tenantId, row.Identity, row.Name, cancellationToken).ConfigureAwait(false);
                if (made && row.Attributes.Count == 0 && row.Tags.Count == 0)
                    return Outcome.Created;
            }
            else if (contact is null)
            {
                try
                {
                    var suppression = await contacts.FindSuppressionAsync(tenantId, row.Identity, cancellationToken).ConfigureAwait(false);
                    await Table.SubmitTransactionAsync(NewContactActions(tenantId, [row], suppression is null ? null : new() { [row.Row] = suppression }).Actions, cancellationToken).ConfigureAwait(false);
                    return Outcome.Created;
                }
                catch (TableTransactionFailedException e) when (e.Status == 409)
                {
                    continue;
                }
            }
            else
            {
                // The row's other identity (its BSUID, or its phone for a contact known by BSUID) is linked to the contact.
                contact = await contacts.ChangeIdentityAsync(contact, row.Identity, replace: false, cancellationToken).ConfigureAwait(false);
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
                return made ? Outcome.Created : Outcome.Unchanged;
            if (tags.Count > Tags.MaxPerContact || attributes.Count > ContactStore.MaxAttributes || attributesJson.Length > ContactStore.MaxAttributesJsonLength)
            {
                rejections.Enqueue(new RowRejection(row.Row, $"Merged into the existing contact this row would exceed a limit ({Tags.MaxPerContact} tags, {ContactStore.MaxAttributes} attributes, {ContactStore.MaxAttributesJsonLength} characters of attributes)."));
                return Outcome.Rejected;
            }
            (contact.Name, contact.AttributesJson, contact.TagsJson, contact.UpdatedAt) = (name, attributesJson, tagsJson, clock.GetUtcNow());
            try
            {
                await contacts.SaveWithTagsAsync(contact, oldTags, [.. tags], cancellationToken).ConfigureAwait(false);
                return made ? Outcome.Created : Outcome.Updated;
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
            var rowActions = 2 + (row.UserId is null ? 0 : 1) + row.Tags.Count;
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

    /// <summary>
    /// The suppressions (opt-outs Meta sent for people who were not contacts yet) that name these rows, by row number.
    /// A tenant with few suppressions has them all read at once; one with many has each new row checked.
    /// </summary>
    private async Task<Dictionary<long, SuppressionEntity>> SuppressionsAsync(string tenantId, List<ImportRow> rows, CancellationToken cancellationToken)
    {
        var found = new ConcurrentDictionary<long, SuppressionEntity>();
        var snapshot = await contacts.SuppressionSnapshotAsync(tenantId, cancellationToken).ConfigureAwait(false);
        if (snapshot is { Count: 0 })
            return [];
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = Parallelism * 2, CancellationToken = cancellationToken }, async (row, ct) =>
        {
            var suppression = snapshot is not null
                ? row.Identity.Keys().Select(k => snapshot.GetValueOrDefault(k)).FirstOrDefault(s => s is not null)
                : await contacts.FindSuppressionAsync(tenantId, row.Identity, ct).ConfigureAwait(false);
            if (suppression is not null)
                found[row.Row] = suppression;
        }).ConfigureAwait(false);
        return new Dictionary<long, SuppressionEntity>(found);
    }

    /// <returns>The actions, and for each action the index of its row in <paramref name="rows"/>.</returns>
    private (List<TableTransactionAction> Actions, List<int> Owners) NewContactActions(string tenantId, List<ImportRow> rows, Dictionary<long, SuppressionEntity>? suppressed)
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
                UserId = row.UserId,
                Name = row.Name,
                AttributesJson = JsonSerializer.Serialize(row.Attributes),
                TagsJson = JsonSerializer.Serialize(tags),
                CreatedAt = now,
                UpdatedAt = now,
            };
            // The number's index row first: a conflict on it names the row that already exists.
            actions.Add(new(TableTransactionActionType.Add, new ContactPhoneIndexEntity { PartitionKey = tenantId, RowKey = ContactPhoneIndexEntity.RowKeyFor(row.PhoneNumber), ContactId = contact.Id }));
            actions.Add(new(TableTransactionActionType.Add, contact));
            if (suppressed?.GetValueOrDefault(row.Row) is { } suppression)
                (contact.OptInState, contact.OptOutSource, contact.OptOutAt) = (OptInStates.OptedOut, suppression.Source, suppression.At);
            var identityRows = 0;
            if (row.UserId is not null)
            {
                actions.Add(new(TableTransactionActionType.Add, new ContactUserIndexEntity { PartitionKey = tenantId, RowKey = ContactUserIndexEntity.UserRowKeyFor(row.UserId), ContactId = contact.Id }));
                identityRows = 1;
            }
            actions.AddRange(ContactStore.TagRows(tenantId, contact.Id, tags).Select(t => new TableTransactionAction(TableTransactionActionType.UpsertReplace, t)));
            owners.AddRange(Enumerable.Repeat(i, 2 + identityRows + tags.Count));
        }
        return (actions, owners);
    }
}
