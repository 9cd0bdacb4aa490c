namespace OneClick.Core.Campaigns;

/// <summary>What an audience comes to before sending: how many would get the message and why the others would not.</summary>
public sealed record AudiencePreviewResult(
    long Recipients, long Groups, long OptedOut, long OutsideWindow, long Excluded, long Duplicates, long NotFound, bool Truncated, bool FreeForm);

/// <summary>
/// Walks an audience the way dispatch will (same sources, same rules) and counts; stops after
/// <see cref="MaxContacts"/> contacts and says so (<c>truncated</c>), so a request never runs long.
/// </summary>
public sealed class AudiencePreview(AudienceReader reader, TimeProvider clock)
{
    public const int MaxContacts = 20_000;

    public async Task<AudiencePreviewResult> PreviewAsync(string tenantId, AudienceSpec audience, bool freeForm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audience);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long recipients = 0, groups = 0, optedOut = 0, outside = 0, excluded = 0, duplicates = 0, notFound = 0;
        var truncated = false;
        var now = clock.GetUtcNow();
        foreach (var source in AudienceReader.Sources(audience))
        {
            string? continuation = null;
            do
            {
                if (seen.Count >= MaxContacts)
                {
                    truncated = true;
                    break;
                }
                var page = await reader.PageAsync(tenantId, audience, source, continuation, cancellationToken).ConfigureAwait(false);
                continuation = page.Next;
                var fresh = page.Keys.Where(seen.Add).ToList();
                duplicates += page.Keys.Count - fresh.Count;
                groups += fresh.Count(k => k.StartsWith(CampaignRecipientEntity.GroupPrefix, StringComparison.Ordinal));
                var ids = fresh.Where(k => !k.StartsWith(CampaignRecipientEntity.GroupPrefix, StringComparison.Ordinal)).ToList();
                var contacts = await reader.ContactsAsync(tenantId, ids, cancellationToken).ConfigureAwait(false);
                var exclusions = new HashSet<string>(StringComparer.Ordinal);
                foreach (var list in audience.ExcludeLists ?? [])
                    exclusions.UnionWith(await reader.MembersAmongAsync(tenantId, list, ids, cancellationToken).ConfigureAwait(false));
                foreach (var id in ids)
                {
                    if (exclusions.Contains(id))
                        excluded++;
                    else if (!contacts.TryGetValue(id, out var contact))
                        notFound++;
                    else if (contact.IsOptedOut)
                        optedOut++;
                    else if (freeForm && (contact.LastInboundAt is null || now - contact.LastInboundAt >= CampaignDispatcher.Window))
                        outside++;
                    else
                        recipients++;
                }
            }
            while (continuation is not null);
        }
        return new AudiencePreviewResult(recipients + groups, groups, optedOut, outside, excluded, duplicates, notFound, truncated, freeForm);
    }
}
