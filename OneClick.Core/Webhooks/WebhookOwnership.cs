using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using OneClick.Core.Tenants;

namespace OneClick.Core.Webhooks;

/// <summary>
/// Decides whether a webhook change belongs to the tenant whose URL (and secret) received it. One Meta app
/// may serve many tenants that all store the same app secret, so a valid signature alone proves only that
/// the body came through that app: the change must also name the tenant's own WABA (<c>entry[].id</c>) and,
/// where it carries one, the tenant's phone number (<c>value.metadata.phone_number_id</c>).
/// The change must also have come through the tenant's own kind of callback: a tenant on the platform app is reached
/// only through the app-level callback, a tenant with its own app only through its own URL
/// (https://developers.facebook.com/docs/graph-api/webhooks/getting-started).
/// A foreign change is dropped, logged and counted, never thrown: Meta would retry it for days.
/// A tenant's accounts are cached for as long as its app secret is (<see cref="Secrets.TenantSecrets"/>): a campaign's
/// status webhooks come in thousands a second, and one tenant read each was a third of their storage requests.
/// </summary>
public sealed partial class WebhookOwnership(TenantStore tenants, IMemoryCache cache, ILogger<WebhookOwnership> logger)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);
    private readonly ILogger _logger = logger;
    private static readonly Meter Meter = new("OneClick");
    private static readonly Counter<long> ForeignChanges =
        Meter.CreateCounter<long>("oneclick.webhook.foreign_changes", "{change}", "Webhook changes refused because their WABA or phone number id is not the receiving tenant's.");

    /// <summary>The tenant's accounts as stored with its credentials; a tenant without them owns nothing.</summary>
    /// <param name="viaPlatformApp">The body came through the app-level callback (signed with the platform app's secret).</param>
    public async Task<Owner> ForTenantAsync(string tenantId, bool viaPlatformApp, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey(tenantId), out Accounts? known))
            return OwnerOf(tenantId, known, viaPlatformApp);
        var tenant = await tenants.GetAsync(tenantId, cancellationToken).ConfigureAwait(false);
        // Only a tenant with its accounts stored is remembered: one that has none yet may store them any moment.
        if (tenant?.WabaId is { } wabaId)
            cache.Set(CacheKey(tenantId), new Accounts(wabaId, tenant.PhoneNumberId, tenant.UsesPlatformApp), CacheFor);
        return OwnerOf(tenantId, tenant is null ? null : new Accounts(tenant.WabaId, tenant.PhoneNumberId, tenant.UsesPlatformApp), viaPlatformApp);
    }

    /// <summary>The tenant's callback must be the one the body came through; otherwise it owns nothing here.</summary>
    private Owner OwnerOf(string tenantId, Accounts? accounts, bool viaPlatformApp)
    {
        var unreachable = accounts is null || accounts.UsesPlatformApp == viaPlatformApp ? null
            : viaPlatformApp ? "Meta app (the tenant has its own)" : "Meta app (the tenant uses the platform app)";
        return new Owner(this, tenantId, accounts?.WabaId, accounts?.PhoneNumberId, unreachable);
    }

    /// <summary>A change on the app-level callback for a WABA no tenant connected: dropped, logged, counted.</summary>
    public void RefuseUnrouted(string? wabaId, string? field)
    {
        ForeignChanges.Add(1, new KeyValuePair<string, object?>("oneclick.tenant_id", "(none)"));
        LogUnrouted(_logger, field ?? "(none)", wabaId ?? "(none)");
    }

    /// <summary>The tenant's accounts just changed on this instance; other instances see it within the cache time.</summary>
    public void Forget(string tenantId) => cache.Remove(CacheKey(tenantId));

    private static string CacheKey(string tenantId) => "webhook-owner:" + tenantId;

    private sealed record Accounts(string? WabaId, string? PhoneNumberId, bool UsesPlatformApp);

    public sealed class Owner
    {
        private readonly WebhookOwnership _ownership;
        private readonly string _tenantId;
        private readonly string? _wabaId;
        private readonly string? _phoneNumberId;
        private readonly string? _unreachable;

        internal Owner(WebhookOwnership ownership, string tenantId, string? wabaId, string? phoneNumberId, string? unreachable) =>
            (_ownership, _tenantId, _wabaId, _phoneNumberId, _unreachable) = (ownership, tenantId, wabaId, phoneNumberId, unreachable);

        public string TenantId => _tenantId;

        /// <summary>True if the change is this tenant's to apply; otherwise records the refusal.</summary>
        public bool Owns(WebhookEntry entry, WebhookChange change)
        {
            ArgumentNullException.ThrowIfNull(entry);
            ArgumentNullException.ThrowIfNull(change);
            if (_unreachable is not null)
                return Refuse(_unreachable, change.Field);
            if (_wabaId is null || !string.Equals(entry.Id, _wabaId, StringComparison.Ordinal))
                return Refuse("WABA id", change.Field);
            var phoneNumberId = PhoneNumberIdOf(change.Value);
            if (phoneNumberId is not null && !string.Equals(phoneNumberId, _phoneNumberId, StringComparison.Ordinal))
                return Refuse("phone number id", change.Field);
            return true;
        }

        private bool Refuse(string what, string? field)
        {
            ForeignChanges.Add(1, new KeyValuePair<string, object?>("oneclick.tenant_id", _tenantId));
            LogForeign(_ownership._logger, _tenantId, field ?? "(none)", what);
            return false;
        }

        private static string? PhoneNumberIdOf(JsonElement value) =>
            value.ValueKind == JsonValueKind.Object &&
            value.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object &&
            metadata.TryGetProperty("phone_number_id", out var id)
                ? (id.ValueKind == JsonValueKind.String ? id.GetString() : id.GetRawText())
                : null;
    }

    [LoggerMessage(LogLevel.Warning, "Webhook change {Field} for tenant {TenantId} names another account's {What}; not applied")]
    private static partial void LogForeign(ILogger logger, string tenantId, string field, string what);

    [LoggerMessage(LogLevel.Warning, "Webhook change {Field} on the app-level callback names WABA {WabaId}, which no tenant connected; not applied")]
    private static partial void LogUnrouted(ILogger logger, string field, string wabaId);
}
