using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Tenants;

public sealed class TenantStore(StorageAccount storage, TimeProvider clock, Caching.UnknownKeys unknownKeys)
{
    private TableClient Tenants => storage.Table(TableNames.Tenants);
    private TableClient Keys => storage.Table(TableNames.ApiKeys);

    /// <returns>The new tenant and its API key (shown once), or null when the id is taken.</returns>
    public async Task<(TenantEntity Tenant, string ApiKey)?> CreateAsync(
        string id, string name, string defaultRegion, string? apiKey, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var tenant = new TenantEntity { PartitionKey = id, Name = name, DefaultRegion = defaultRegion, CreatedAt = now };
        try
        {
            await Tenants.AddEntityAsync(tenant, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (TableErrors.IsConflict(e))
        {
            return null;
        }

        apiKey ??= ApiKeys.Generate();
        try
        {
            await Keys.AddEntityAsync(
                new ApiKeyEntity { PartitionKey = ApiKeys.Hash(apiKey), TenantId = id, CreatedAt = now },
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Without a key the tenant is unusable: take it back rather than leave half a tenant.
            await Tenants.DeleteEntityAsync(id, TenantEntity.ProfileRowKey, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        // A caller that tried the key before it existed (the demo's readiness poll, a client racing the seeder) is
        // remembered as unknown for a minute; on this instance the key works at once.
        unknownKeys.Forget(ApiKeys.CacheKey(apiKey));
        return (tenant, apiKey);
    }

    public Task<TenantEntity?> GetAsync(string id, CancellationToken cancellationToken) =>
        Tenants.FindAsync<TenantEntity>(id, TenantEntity.ProfileRowKey, cancellationToken);

    public Task<ResultPage<TenantEntity>> ListAsync(string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Tenants.QueryAsync<TenantEntity>(t => t.RowKey == TenantEntity.ProfileRowKey, cancellationToken: cancellationToken),
            continuationToken, pageSize, t => t);

    public async Task<string?> FindTenantIdByApiKeyAsync(string apiKey, CancellationToken cancellationToken)
    {
        var key = await Keys.FindAsync<ApiKeyEntity>(ApiKeys.Hash(apiKey), ApiKeyEntity.KeyRowKey, cancellationToken).ConfigureAwait(false);
        return key?.TenantId;
    }

    /// <summary>Updates the profile with optimistic concurrency, retrying on a concurrent change.</summary>
    public Task<TenantEntity?> UpdateAsync(string id, Action<TenantEntity> change, CancellationToken cancellationToken) =>
        Tenants.UpdateWithRetryAsync<TenantEntity>(id, TenantEntity.ProfileRowKey, t =>
        {
            change(t);
            return true;
        }, cancellationToken);
}
