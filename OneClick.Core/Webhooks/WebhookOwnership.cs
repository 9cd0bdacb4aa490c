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
    public async Task<Owner> ForTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey(tenantId), out (string WabaId, string? PhoneNumberId) known))
            return new Owner(this, tenantId, known.WabaId, known.PhoneNumberId);
        var tenant = await tenants.GetAsync(tenantId, cancellationToken).ConfigureAwait(false);
        // Only a tenant with its accounts stored is remembered: one that has none yet may store them any moment.
        if (tenant?.WabaId is { } wabaId)
            cache.Set(CacheKey(tenantId), (wabaId, tenant.PhoneNumberId), CacheFor);
        return new Owner(this, tenantId, tenant?.WabaId, tenant?.PhoneNumberId);
    }

    /// <summary>The tenant's accounts just changed on this instance; other instances see it within the cache time.</summary>
    public void Forget(string tenantId) => cache.Remove(CacheKey(tenantId));

    private static string CacheKey(string tenantId) => "webhook-owner:" + tenantId;

    public sealed class Owner
    {
        private readonly WebhookOwnership _ownership;
        private readonly string _tenantId;
        private readonly string? _wabaId;
        private readonly string? _phoneNumberId;

        internal Owner(WebhookOwnership ownership, string tenantId, string? wabaId, string? phoneNumberId) =>
            (_ownership, _tenantId, _wabaId, _phoneNumberId) = (ownership, tenantId, wabaId, phoneNumberId);

        /// <summary>True if the change is this tenant's to apply; otherwise records the refusal.</summary>
        public bool Owns(WebhookEntry entry, WebhookChange change)
        {
            ArgumentNullException.ThrowIfNull(entry);
            ArgumentNullException.ThrowIfNull(change);
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
}
