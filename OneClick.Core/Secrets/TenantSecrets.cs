using Microsoft.Extensions.Caching.Memory;
using OneClick.Core.Caching;

namespace OneClick.Core.Secrets;

/// <summary>A tenant's Meta secrets. Never returned by the API, never logged.</summary>
public sealed record TenantSecretValues(string AccessToken, string AppSecret, string WebhookVerifyToken)
{
    // Records print their members; keep secrets out of any log line that formats this object.
    public override string ToString() => "TenantSecretValues { *** }";
}

/// <summary>
/// Reads and writes tenant secrets under Key Vault-safe names, with a short in-memory cache so the
/// webhook and send paths do not call Key Vault on every request. A tenant without secrets (an id anyone can put in a
/// webhook URL) is remembered as unknown for a minute, in a bounded cache.
/// </summary>
public sealed class TenantSecrets(ISecretStore store, IMemoryCache cache, UnknownKeys unknown)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    public async Task<TenantSecretValues?> GetAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey(tenantId), out TenantSecretValues? cached))
            return cached;
        if (unknown.IsUnknown(CacheKey(tenantId)))
            return null;

        // One read settles an unknown tenant; the other two are read only when the first exists.
        var accessToken = await store.GetAsync(Name(tenantId, "access-token"), cancellationToken).ConfigureAwait(false);
        var appSecret = accessToken is null ? null : await store.GetAsync(Name(tenantId, "app-secret"), cancellationToken).ConfigureAwait(false);
        var verifyToken = appSecret is null ? null : await store.GetAsync(Name(tenantId, "verify-token"), cancellationToken).ConfigureAwait(false);
        if (accessToken is null || appSecret is null || verifyToken is null)
        {
            unknown.Remember(CacheKey(tenantId));
            return null;
        }

        var values = new TenantSecretValues(accessToken, appSecret, verifyToken);
        cache.Set(CacheKey(tenantId), values, CacheFor);
        return values;
    }

    public async Task SetAsync(string tenantId, TenantSecretValues values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        await store.SetAsync(Name(tenantId, "access-token"), values.AccessToken, cancellationToken).ConfigureAwait(false);
        await store.SetAsync(Name(tenantId, "app-secret"), values.AppSecret, cancellationToken).ConfigureAwait(false);
        await store.SetAsync(Name(tenantId, "verify-token"), values.WebhookVerifyToken, cancellationToken).ConfigureAwait(false);
        cache.Remove(CacheKey(tenantId));
        // Other instances may go on answering "unknown" for up to UnknownKeys.RememberFor.
        unknown.Forget(CacheKey(tenantId));
    }

    /// <summary>
    /// A tenant on the platform app keeps only its access token. Its own app secret and verify token are replaced by random
    /// values nobody holds (a deleted Key Vault secret keeps its name soft-deleted, and purge protection keeps it from being set again for 90 days): a secret it used before
    /// stops working at once, and its per-tenant callback accepts nothing, so a body signed with the platform secret
    /// reaches it only through the app-level callback, which routes by WABA id.
    /// </summary>
    public Task SetForPlatformAppAsync(string tenantId, string accessToken, CancellationToken cancellationToken) =>
        SetAsync(tenantId, new TenantSecretValues(accessToken, Unguessable(), Unguessable()), cancellationToken);

    private static string Unguessable() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    // Key Vault secret names allow only letters, digits and '-'; tenant ids are validated to fit.
    private static string Name(string tenantId, string kind) => $"tenant-{tenantId}-{kind}";

    private static string CacheKey(string tenantId) => "tenant-secrets:" + tenantId;
}
