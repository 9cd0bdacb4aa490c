using OneClick.Core.Lists;
using OneClick.Core.Storage;

namespace OneClick.Core.Contacts;

/// <summary>Filters for listing contacts; every one is optional and they combine with AND.</summary>
/// <param name="Search">Case-insensitive text found in the name, or digits found in the number.</param>
public sealed record ContactFilter(string? Tag = null, string? ListId = null, string? OptInState = null, string? Search = null);

/// <summary>
/// Pages through contacts with filters. The cheapest index leads: a list's member rows, else a tag's index rows, else
/// the contact rows themselves; the other filters are applied to the contacts read. A page therefore holds at most
/// pageSize contacts but may hold fewer (even none) while a continuation token says there is more: each request
/// examines at most <see cref="MaxExamined"/> contacts, so a rare match costs several short pages, never a long request.
/// </summary>
public sealed class ContactSearch(ContactStore contacts, ListStore lists)
{
    public const int MaxExamined = 2000;
    private const string ScanTokenPrefix = "after:";

    public async Task<ResultPage<ContactEntity>> PageAsync(string tenantId, ContactFilter filter, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.ListId is not null || filter.Tag is not null)
        {
            var ids = filter.ListId is not null
                ? await lists.PageMemberIdsAsync(tenantId, filter.ListId, continuationToken, pageSize, cancellationToken).ConfigureAwait(false)
                : await contacts.PageIdsByTagAsync(tenantId, filter.Tag!, continuationToken, pageSize, cancellationToken).ConfigureAwait(false);
            var found = await contacts.GetManyAsync(tenantId, ids.Items, cancellationToken).ConfigureAwait(false);
            return new ResultPage<ContactEntity>(found.Where(c => Matches(c, filter)).ToList(), ids.ContinuationToken);
        }
        if (filter.OptInState is null && filter.Search is null)
            return await contacts.PageAsync(tenantId, continuationToken, pageSize, cancellationToken).ConfigureAwait(false);

        string? after = null;
        if (continuationToken is not null)
        {
            if (!continuationToken.StartsWith(ScanTokenPrefix, StringComparison.Ordinal) || !continuationToken.StartsWith(ScanTokenPrefix + ContactEntity.RowPrefix, StringComparison.Ordinal))
                throw new FormatException("Not a continuation token of a filtered contact list.");
            after = continuationToken[ScanTokenPrefix.Length..];
        }
        var (items, continueAfter) = await contacts.ScanAsync(tenantId, after, pageSize, MaxExamined, c => Matches(c, filter), cancellationToken).ConfigureAwait(false);
        return new ResultPage<ContactEntity>(items, continueAfter is null ? null : ScanTokenPrefix + continueAfter);
    }

    public static bool Matches(ContactEntity contact, ContactFilter filter)
    {
        ArgumentNullException.ThrowIfNull(contact);
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.OptInState is not null && contact.OptInState != filter.OptInState)
            return false;
        if (filter.Tag is not null && filter.ListId is not null && !contact.Tags.Contains(filter.Tag))
            return false;
        if (filter.Search is { } search)
        {
            var digits = new string(search.Where(char.IsAsciiDigit).ToArray());
            var inName = contact.Name?.Contains(search, StringComparison.OrdinalIgnoreCase) == true;
            var inNumber = digits.Length >= 3 && contact.PhoneNumber.Contains(digits, StringComparison.Ordinal);
            if (!inName && !inNumber)
                return false;
        }
        return true;
    }
}
