using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Contacts;

/// <summary>
/// "suppress|{identity key}": an opt-out for someone who is not a contact yet (Meta's user_preferences "stop", a
/// 131050, a STOP from an unknown BSUID). Whatever later makes that person a contact (a single send, an import, an
/// inbound message) makes the contact opted out, so campaigns and sends honour it through the contact's consent.
/// A "resume" lifts it. Kept beside the contacts (same partition) so a contact and its suppression are read together.
/// </summary>
public sealed class SuppressionEntity : ITableEntity
{
    public const string RowPrefix = "suppress|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Source { get; set; } = "";
    public DateTimeOffset At { get; set; }

    /// <param name="identityKey">An index row key: "phone|+…", "user|…" or "parent|…".</param>
    public static string RowKeyFor(string identityKey) => RowPrefix + identityKey;
}

public sealed partial class ContactStore
{
    /// <summary>An import loads at most this many suppressions at once; a tenant with more is checked row by row.</summary>
    public const int MaxSuppressionSnapshot = 5_000;

    /// <summary>
    /// Opts the person out of marketing by whichever identity arrived: their contact if there is one, else a suppression.
    /// Returns the contact (null when a suppression was recorded) and whether anything changed.
    /// </summary>
    public async Task<(ContactEntity? Contact, bool Changed)> OptOutAsync(string tenantId, ContactIdentity identity, string source, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (await FindAsync(tenantId, identity, cancellationToken).ConfigureAwait(false) is { } contact)
            return await ChangeOptInAsync(tenantId, contact.Id, false, source, at, cancellationToken).ConfigureAwait(false);
        var changed = false;
        foreach (var key in identity.Keys())
        {
            var row = new SuppressionEntity { PartitionKey = tenantId, RowKey = SuppressionEntity.RowKeyFor(key), Source = source, At = at };
            try
            {
                await Table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                changed = true;
            }
            catch (RequestFailedException e) when (TableErrors.IsConflict(e))
            {
                // Already suppressed: the first opt-out's source and time stand.
            }
        }
        return (null, changed);
    }

    /// <summary>Meta's "resume": the contact opts back in (if there is one) and any suppression of the person is lifted.</summary>
    public async Task<(ContactEntity? Contact, bool Changed)> ResumeAsync(string tenantId, ContactIdentity identity, string source, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var lifted = false;
        foreach (var key in identity.Keys())
        {
            try
            {
                await Table.DeleteEntityAsync(tenantId, SuppressionEntity.RowKeyFor(key), ETag.All, cancellationToken).ConfigureAwait(false);
                lifted = true;
            }
            catch (RequestFailedException e) when (TableErrors.IsNotFound(e))
            {
            }
        }
        if (await FindAsync(tenantId, identity, cancellationToken).ConfigureAwait(false) is { } contact)
            return await ChangeOptInAsync(tenantId, contact.Id, true, source, at, cancellationToken).ConfigureAwait(false);
        return (null, lifted);
    }

    public async Task<SuppressionEntity?> FindSuppressionAsync(string tenantId, ContactIdentity identity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        foreach (var key in identity.Keys())
        {
            if (await Table.FindAsync<SuppressionEntity>(tenantId, SuppressionEntity.RowKeyFor(key), cancellationToken).ConfigureAwait(false) is { } found)
                return found;
        }
        return null;
    }

    /// <summary>Every suppression of the tenant by identity key, or null when there are more than <see cref="MaxSuppressionSnapshot"/>.</summary>
    public async Task<IReadOnlyDictionary<string, SuppressionEntity>?> SuppressionSnapshotAsync(string tenantId, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, SuppressionEntity>(StringComparer.Ordinal);
        await foreach (var row in Table.QueryAsync<SuppressionEntity>(RowRanges.StartsWith(tenantId, SuppressionEntity.RowPrefix), maxPerPage: 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (found.Count == MaxSuppressionSnapshot)
                return null;
            found[row.RowKey[SuppressionEntity.RowPrefix.Length..]] = row;
        }
        return found;
    }

    /// <summary>A new contact starts opted out when a suppression names any of its identities.</summary>
    internal async Task ApplySuppressionAsync(ContactEntity contact, ContactIdentity identity, CancellationToken cancellationToken)
    {
        if (await FindSuppressionAsync(contact.PartitionKey, identity, cancellationToken).ConfigureAwait(false) is { } suppression)
            (contact.OptInState, contact.OptOutSource, contact.OptOutAt) = (OptInStates.OptedOut, suppression.Source, suppression.At);
    }
}
