using System.Globalization;
using Azure.Data.Tables;
using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns;

/// <summary>One source of an audience: a list, a tag, the explicit contacts, the groups, or another campaign's recipients.</summary>
public sealed record AudienceSource(string Kind, string? Value);

/// <summary>One page of recipient keys from a source, and where the next page starts (null at the end).</summary>
public sealed record AudiencePage(IReadOnlyList<string> Keys, string? Next);

/// <summary>
/// Reads audiences page by page, never whole: list members, tag rows and re-targeted recipients come as storage
/// pages; explicit contacts and groups by offset. Contacts of a page are read with one range query over the
/// page's id span (ids are in order), falling back to point reads only for what that range did not cover.
/// </summary>
public sealed class AudienceReader(StorageAccount storage, ContactStore contacts, ListStore lists, CampaignRecipientStore recipients)
{
    /// <summary>Table Storage's largest page: one query per thousand recipients (dispatch stores them 99 at a time).</summary>
    public const int PageSize = 1000;

    public static IReadOnlyList<AudienceSource> Sources(AudienceSpec audience)
    {
        ArgumentNullException.ThrowIfNull(audience);
        var sources = new List<AudienceSource>();
        sources.AddRange((audience.Lists ?? []).Distinct(StringComparer.Ordinal).Select(l => new AudienceSource("list", l)));
        sources.AddRange((audience.Tags ?? []).Select(t => t.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Select(t => new AudienceSource("tag", t)));
        if (audience.Contacts is { Count: > 0 })
            sources.Add(new AudienceSource("contacts", null));
        if (audience.Groups is { Count: > 0 })
            sources.Add(new AudienceSource("groups", null));
        if (audience.FromCampaign is not null)
            sources.Add(new AudienceSource("recipients", null));
        return sources;
    }

    public async Task<AudiencePage> PageAsync(string tenantId, AudienceSpec audience, AudienceSource source, string? continuation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentNullException.ThrowIfNull(source);
        switch (source.Kind)
        {
            case "list":
                var members = await lists.PageMemberIdsAsync(tenantId, source.Value!, continuation, PageSize, cancellationToken).ConfigureAwait(false);
                return new AudiencePage(members.Items, members.ContinuationToken);
            case "tag":
                var tagged = await contacts.PageIdsByTagAsync(tenantId, source.Value!, continuation, PageSize, cancellationToken).ConfigureAwait(false);
                return new AudiencePage(tagged.Items, tagged.ContinuationToken);
            case "contacts":
            case "groups":
                var all = (source.Kind == "contacts" ? audience.Contacts! : audience.Groups!.Select(CampaignRecipientEntity.GroupRowKey).ToList()).Distinct(StringComparer.Ordinal).ToList();
                var offset = continuation is null ? 0 : int.Parse(continuation, CultureInfo.InvariantCulture);
                var keys = all.Skip(offset).Take(PageSize).ToList();
                return new AudiencePage(keys, offset + PageSize < all.Count ? (offset + PageSize).ToString(CultureInfo.InvariantCulture) : null);
            case "recipients":
                var from = audience.FromCampaign!;
                var page = await recipients.PageAsync(CampaignRecipientEntity.PartitionFor(tenantId, from.CampaignId, from.Occurrence), from.Status, continuation, PageSize, cancellationToken).ConfigureAwait(false);
                return new AudiencePage(page.Items.Select(r => r.RowKey).ToList(), page.ContinuationToken);
            default:
                throw new InvalidOperationException($"Unknown audience source {source.Kind}");
        }
    }

    /// <summary>The contacts among <paramref name="contactIds"/> that exist.</summary>
    public async Task<Dictionary<string, ContactEntity>> ContactsAsync(string tenantId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contactIds);
        var found = new Dictionary<string, ContactEntity>(StringComparer.Ordinal);
        if (contactIds.Count == 0)
            return found;
        var sorted = contactIds.Order(StringComparer.Ordinal).ToList();
        var first = ContactEntity.RowKeyFor(sorted[0]);
        var last = ContactEntity.RowKeyFor(sorted[^1]);
        var wanted = sorted.ToHashSet(StringComparer.Ordinal);
        var table = storage.Table(TableNames.Contacts);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and RowKey ge {first} and RowKey le {last}");
        string? coveredUpTo = null;
        var pagesRead = 0;
        await foreach (var page in table.QueryAsync<ContactEntity>(filter, 1000, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            foreach (var contact in page.Values)
            {
                if (wanted.Contains(contact.Id))
                    found[contact.Id] = contact;
            }
            coveredUpTo = page.ContinuationToken is null ? last : page.Values.Count > 0 ? page.Values[^1].RowKey : coveredUpTo;
            // A sparse page (few of the tenant's contacts) must not scan the whole tenant: stop and read the rest by id.
            if (++pagesRead >= 2 || page.ContinuationToken is null)
                break;
        }
        var rest = sorted.Where(id => !found.ContainsKey(id) && (coveredUpTo is null || string.CompareOrdinal(ContactEntity.RowKeyFor(id), coveredUpTo) > 0)).ToList();
        var pointReads = await Task.WhenAll(rest.Select(id => contacts.GetAsync(tenantId, id, cancellationToken))).ConfigureAwait(false);
        foreach (var contact in pointReads)
        {
            if (contact is not null)
                found[contact.Id] = contact;
        }
        return found;
    }

    /// <summary>The ids among <paramref name="contactIds"/> that are members of <paramref name="listId"/> (one range query).</summary>
    public async Task<HashSet<string>> MembersAmongAsync(string tenantId, string listId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contactIds);
        var members = new HashSet<string>(StringComparer.Ordinal);
        if (contactIds.Count == 0)
            return members;
        var wanted = contactIds.ToHashSet(StringComparer.Ordinal);
        var first = ListMemberEntity.RowKeyFor(listId, contactIds.Min(StringComparer.Ordinal)!);
        var last = ListMemberEntity.RowKeyFor(listId, contactIds.Max(StringComparer.Ordinal)!);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and RowKey ge {first} and RowKey le {last}");
        await foreach (var member in storage.Table(TableNames.Lists).QueryAsync<ListMemberEntity>(filter, 1000, [nameof(ListMemberEntity.ContactId)], cancellationToken).ConfigureAwait(false))
        {
            if (wanted.Contains(member.ContactId))
                members.Add(member.ContactId);
        }
        return members;
    }
}
