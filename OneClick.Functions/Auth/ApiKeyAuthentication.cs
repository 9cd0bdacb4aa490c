using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OneClick.Core.Caching;
using OneClick.Core.Configuration;
using OneClick.Core.Tenants;

namespace OneClick.Functions.Auth;

/// <summary>
/// "Authorization: Bearer &lt;key&gt;". The admin key (a setting, a Key Vault reference in Azure) provisions
/// tenants; a tenant's own key (stored only as a hash) reaches that tenant's data and nothing else.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IConfiguration configuration,
    TenantStore tenants,
    IMemoryCache cache,
    UnknownKeys unknown,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TenantClaim = "oneclick_tenant";
    public const string AdminRole = "admin";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var key = header["Bearer ".Length..].Trim();
        if (key.Length is 0 or > 200)
            return AuthenticateResult.Fail("Malformed API key.");

        var adminKey = configuration[SettingNames.ConfigKey(SettingNames.AdminApiKey)];
        if (IsUsableAdminKey(adminKey) && ApiKeys.Matches(key, adminKey!))
            return Success(new Claim(ClaimTypes.Role, AdminRole));

        // Known keys go in the shared cache (there are as many as tenants); unknown ones, which a caller can make up
        // without end, only in the bounded UnknownKeys.
        var cacheKey = ApiKeys.CacheKey(key);
        if (cache.TryGetValue(cacheKey, out string? tenantId) && tenantId is not null)
            return Success(new Claim(TenantClaim, tenantId));
        if (unknown.IsUnknown(cacheKey))
            return AuthenticateResult.Fail("Unknown API key.");
        tenantId = await tenants.FindTenantIdByApiKeyAsync(key, Context.RequestAborted).ConfigureAwait(false);
        if (tenantId is null)
        {
            unknown.Remember(cacheKey);
            return AuthenticateResult.Fail("Unknown API key.");
        }
        // Short, so a revoked key stops working soon on every instance.
        cache.Set(cacheKey, tenantId, TimeSpan.FromSeconds(60));
        return Success(new Claim(TenantClaim, tenantId));
    }

    /// <summary>
    /// A Key Vault reference that App Service could not resolve stays in the setting as its own text, which is
    /// guessable; such a value, or a short one, means "no admin key" rather than a key anyone could send.
    /// </summary>
    public static bool IsUsableAdminKey(string? adminKey) =>
        adminKey is { Length: >= 16 } && !adminKey.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase);

    private static AuthenticateResult Success(Claim claim) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity([claim], SchemeName)), SchemeName));

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required",
            "Send 'Authorization: Bearer <API key>' with a valid key.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "This key cannot use this endpoint.");

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
            Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).ConfigureAwait(false);
    }
}

public static class Policies
{
    public const string Tenant = "tenant";
    public const string Admin = "admin";
    public const string TenantOrAdmin = "tenant-or-admin";
}

public static class PrincipalExtensions
{
    public static string? TenantId(this ClaimsPrincipal user) => user.FindFirstValue(ApiKeyAuthenticationHandler.TenantClaim);

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(ApiKeyAuthenticationHandler.AdminRole);

    /// <summary>The admin reaches every tenant; a tenant only itself.</summary>
    public static bool CanAccessTenant(this ClaimsPrincipal user, string tenantId) =>
        user.IsAdmin() || user.TenantId() == tenantId;
}
