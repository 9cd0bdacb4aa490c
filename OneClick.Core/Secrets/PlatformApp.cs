using Microsoft.Extensions.Caching.Memory;

namespace OneClick.Core.Secrets;

/// <summary>The operator's Meta app: the secret that signs its webhooks and the token of its verification handshake.</summary>
public sealed record PlatformAppValues(string AppSecret, string WebhookVerifyToken)
{
    // Records print their members; keep secrets out of any log line that formats this object.
    public override string ToString() => "PlatformAppValues { *** }";
}

/// <summary>
/// The platform app's secrets, set by the operator through the admin API and never shown to anyone: the app-level
/// webhook callback checks signatures with them. Stored in the same secret store as tenant secrets under names no tenant
/// secret can take (those are all <c>tenant-{id}-…</c>), and cached briefly like them.
/// </summary>
public sealed class PlatformApp(ISecretStore store, IMemoryCache cache)
{
    public const string AppSecretName = "platform-app-secret";
    public const string VerifyTokenName = "platform-webhook-verify-token";
    private const string CacheKey = "platform-app";

    /// <summary>Short: another instance's admin PUT reaches this one within this time.</summary>
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);

    /// <returns>The platform app's secrets, or null when the operator has not set them.</returns>
    public async Task<PlatformAppValues?> GetAsync(CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey, out PlatformAppValues? cached))
            return cached;
        var appSecret = await store.GetAsync(AppSecretName, cancellationToken).ConfigureAwait(false);
        var verifyToken = appSecret is null ? null : await store.GetAsync(VerifyTokenName, cancellationToken).ConfigureAwait(false);
        // "Not configured" is cached too: the callback is anonymous, and each unsigned POST must not cost a Key Vault read.
        var values = appSecret is null || verifyToken is null ? null : new PlatformAppValues(appSecret, verifyToken);
        cache.Set(CacheKey, values, CacheFor);
        return values;
    }

    public async Task SetAsync(PlatformAppValues values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        // The verify token first: GetAsync reads the secret first, so a first setting cut in half reads as not configured.
        await store.SetAsync(VerifyTokenName, values.WebhookVerifyToken, cancellationToken).ConfigureAwait(false);
        await store.SetAsync(AppSecretName, values.AppSecret, cancellationToken).ConfigureAwait(false);
        cache.Remove(CacheKey);
    }
}
