using OneClick.Core.Tenants;

namespace OneClick.Functions.Auth;

public static class CurrentTenant
{
    /// <summary>The calling tenant's profile (endpoints that use this require the tenant policy).</summary>
    public static async Task<TenantEntity> GetAsync(HttpContext http, TenantStore tenants, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var tenantId = http.User.TenantId() ?? throw new InvalidOperationException("Endpoint requires the tenant policy.");
        return await tenants.GetAsync(tenantId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Tenant {tenantId} has a key but no profile.");
    }
}
