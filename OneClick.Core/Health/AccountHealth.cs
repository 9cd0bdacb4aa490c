using System.Text.Json;
using System.Text.Json.Serialization;
using OneClick.Core.Sending;
using OneClick.Core.Tenants;

namespace OneClick.Core.Health;

/// <param name="Type">Meta's restriction_type, e.g. RESTRICTED_BIZ_INITIATED_MESSAGING.</param>
/// <param name="ExpiresAt">Meta's expiration; null when Meta gave none.</param>
public sealed record AccountRestriction(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset? ExpiresAt);

/// <summary>
/// What Meta's account_update events mean for sending
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/account_update):
/// a ban (DISABLED_UPDATE with DISABLE) holds every send; RESTRICTED_BIZ_INITIATED_MESSAGING holds business-initiated
/// messages (templates: free-form messages only go inside a customer's service window, as replies);
/// RESTRICTED_CUSTOMER_INITIATED_MESSAGING holds those replies. A restriction ends at its expiration or when Meta sends
/// an ACCOUNT_RESTRICTION without it; a ban ends with REINSTATE.
/// </summary>
public static class AccountHealth
{
    public const string Restricted = "account_restricted";
    public const string Disabled = "account_disabled";
    public const string BusinessInitiated = "RESTRICTED_BIZ_INITIATED_MESSAGING";
    public const string CustomerInitiated = "RESTRICTED_CUSTOMER_INITIATED_MESSAGING";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IReadOnlyList<AccountRestriction> Restrictions(TenantEntity tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return tenant.RestrictionsJson is { } json ? JsonSerializer.Deserialize<List<AccountRestriction>>(json, Json) ?? [] : [];
    }

    public static string Serialize(IEnumerable<AccountRestriction> restrictions) => JsonSerializer.Serialize(restrictions.ToList(), Json);

    public static IEnumerable<AccountRestriction> Active(TenantEntity tenant, DateTimeOffset now) =>
        Restrictions(tenant).Where(r => r.ExpiresAt is null || r.ExpiresAt > now);

    /// <summary>Why a message (business-initiated = a template) cannot go now, or null.</summary>
    public static SkipReason? Hold(TenantEntity? tenant, bool businessInitiated, DateTimeOffset now)
    {
        if (tenant is null)
            return null;
        if (tenant.BanState == "DISABLE")
            return new SkipReason(Disabled, "Meta disabled this WhatsApp Business Account (account_update DISABLED_UPDATE); nothing is sent until Meta reinstates it.");
        var type = businessInitiated ? BusinessInitiated : CustomerInitiated;
        if (Active(tenant, now).FirstOrDefault(r => r.Type == type) is not { } restriction)
            return null;
        var until = restriction.ExpiresAt is { } at ? $" until {at:yyyy-MM-dd HH:mm} UTC" : "";
        return new SkipReason(Restricted, businessInitiated
            ? $"Meta restricted this account from business-initiated messaging{until} ({type}); templates are held until Meta lifts it."
            : $"Meta restricted this account from replying to customers{until} ({type}); messages are held until Meta lifts it.");
    }
}
