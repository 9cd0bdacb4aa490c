using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using OneClick.Core.Results;
using OneClick.Core.Storage;

namespace OneClick.Core.Webhooks;

/// <summary>
/// One row per WABA id and per phone number id a tenant has connected (PartitionKey <c>waba-{id}</c> or
/// <c>phone-{id}</c>), naming its tenant: how the app-level callback finds the tenant of a change, and what keeps two
/// tenants from connecting the same account.
/// </summary>
public sealed class WebhookRouteEntity : ITableEntity
{
    public const string OwnerRowKey = "owner";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = OwnerRowKey;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string TenantId { get; set; } = "";
    public DateTimeOffset ClaimedAt { get; set; }
}

/// <summary>
/// The reverse index from Meta's account ids to tenants (table <c>webhookroutes</c>). It only routes: the tenant's own
/// profile stays the authority (<see cref="WebhookOwnership"/> checks every change against it), so a row left behind by a
/// request cut short can block an id, never misroute a change. Claims are inserts, which the table serialises: two tenants
/// claiming one WABA at once cannot both win, and a retried claim finds its own row and goes on.
/// A found route is cached for as long as the tenant's accounts are (<see cref="WebhookOwnership"/>): every status webhook
/// of a platform tenant needs it. A WABA that moved to another tenant reaches it within that time on other instances;
/// meanwhile the old tenant's ownership check refuses it, so a stale route delays a change, never misroutes it.
/// </summary>
public sealed class WebhookRoutes(StorageAccount storage, IMemoryCache cache, TimeProvider clock)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    private TableClient Table => storage.Table(TableNames.WebhookRoutes);

    public static string WabaKey(string wabaId) => "waba-" + wabaId;

    public static string PhoneKey(string phoneNumberId) => "phone-" + phoneNumberId;

    /// <returns>The tenant that connected this WABA, or null.</returns>
    public async Task<string?> FindTenantByWabaAsync(string wabaId, CancellationToken cancellationToken)
    {
        if (!TableKey.IsValid(wabaId))
            return null;
        var key = WabaKey(wabaId);
        if (cache.TryGetValue(CacheKey(key), out string? tenantId))
            return tenantId;
        var row = await Table.FindAsync<WebhookRouteEntity>(key, WebhookRouteEntity.OwnerRowKey, cancellationToken).ConfigureAwait(false);
        // Only a route that exists is remembered: an unconnected WABA may be claimed any moment.
        if (row is not null)
            cache.Set(CacheKey(key), row.TenantId, CacheFor);
        return row?.TenantId;
    }

    private static string CacheKey(string key) => "webhook-route:" + key;

    /// <summary>
    /// Claims the WABA and the phone number for the tenant; a conflict when another tenant holds either, in which case
    /// nothing this call added is kept.
    /// </summary>
    public async Task<Failure?> ClaimAsync(string tenantId, string wabaId, string phoneNumberId, CancellationToken cancellationToken)
    {
        var added = new List<string>();
        foreach (var (key, what) in new[] { (WabaKey(wabaId), $"WhatsApp Business Account {wabaId}"), (PhoneKey(phoneNumberId), $"Phone number id {phoneNumberId}") })
        {
            var (owner, isNew) = await TryClaimAsync(key, tenantId, cancellationToken).ConfigureAwait(false);
            if (owner == tenantId)
            {
                if (isNew)
                    added.Add(key);
                continue;
            }
            foreach (var mine in added)
                await ReleaseAsync(mine, tenantId, CancellationToken.None).ConfigureAwait(false);
            return Failure.Conflict($"{what} is connected to another tenant. Each WhatsApp account and number belongs to one tenant.");
        }
        return null;
    }

    /// <summary>Removes the tenant's rows for ids it no longer uses; another tenant's row is left alone.</summary>
    public async Task ReleaseAsync(string tenantId, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
            await ReleaseAsync(key, tenantId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(string Owner, bool IsNew)> TryClaimAsync(string key, string tenantId, CancellationToken cancellationToken)
    {
        cache.Remove(CacheKey(key));
        while (true)
        {
            try
            {
                await Table.AddEntityAsync(new WebhookRouteEntity { PartitionKey = key, TenantId = tenantId, ClaimedAt = clock.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
                return (tenantId, true);
            }
            catch (RequestFailedException e) when (TableErrors.IsConflict(e))
            {
                // Held already: by this tenant (a retry) or another. Released meanwhile: try again.
                if (await Table.FindAsync<WebhookRouteEntity>(key, WebhookRouteEntity.OwnerRowKey, cancellationToken).ConfigureAwait(false) is { } row)
                    return (row.TenantId, false);
            }
        }
    }

    private async Task ReleaseAsync(string key, string tenantId, CancellationToken cancellationToken)
    {
        cache.Remove(CacheKey(key));
        var row = await Table.FindAsync<WebhookRouteEntity>(key, WebhookRouteEntity.OwnerRowKey, cancellationToken).ConfigureAwait(false);
        if (row is null || row.TenantId != tenantId)
            return;
        try
        {
            // The ETag: a row another tenant claimed after this read is not ours to delete.
            await Table.DeleteEntityAsync(key, WebhookRouteEntity.OwnerRowKey, row.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (TableErrors.IsNotFound(e) || TableErrors.IsPreconditionFailed(e))
        {
        }
    }
}
