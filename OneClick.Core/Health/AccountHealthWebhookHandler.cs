using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OneClick.Core.Tenants;
using OneClick.Core.Webhooks;

namespace OneClick.Core.Health;

/// <summary>
/// Keeps the tenant's account and number health from Meta's account-level webhooks and holds or releases campaigns to
/// match (<see cref="CampaignHolds"/>):
/// <list type="bullet">
/// <item>account_update (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/account_update):
/// ACCOUNT_RESTRICTION replaces the restrictions (an empty restriction_info lifts them), DISABLED_UPDATE sets the ban
/// state (REINSTATE lifts it), ACCOUNT_VIOLATION is shown.</item>
/// <item>phone_number_quality_update (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update):
/// the messaging limit tier, and the throughput that campaign pacing reads (<see cref="TenantEntity.MessagesPerSecond"/>).</item>
/// <item>business_capability_update: the limits shown.</item>
/// </list>
/// Each part keeps the time of the event it came from (the entry's "time"); an event older than the stored one is
/// ignored, so a late delivery never undoes a newer event, and a duplicate writes the same values again.
/// </summary>
public sealed partial class AccountHealthWebhookHandler(
    TenantStore tenants, CampaignHolds holds, ILogger<AccountHealthWebhookHandler> logger) : IWebhookChangeHandler
{
    public const string AccountUpdate = "account_update";
    public const string QualityUpdate = "phone_number_quality_update";
    public const string CapabilityUpdate = "business_capability_update";

    /// <summary>Meta's throughput levels in messages per second; high throughput needs an unlimited messaging limit (https://developers.facebook.com/docs/whatsapp/cloud-api/overview#throughput).</summary>
    public const int StandardMessagesPerSecond = 80;
    public const int HighMessagesPerSecond = 1000;

    public bool Wants(string field) => field is AccountUpdate or QualityUpdate or CapabilityUpdate;

    public async Task HandleAsync(WebhookChangeContext change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var at = change.EventTime ?? change.ReceivedAt;
        var value = change.Value;
        switch (change.Field)
        {
            case AccountUpdate:
                await AccountAsync(change.TenantId, value, at, cancellationToken).ConfigureAwait(false);
                break;
            case QualityUpdate:
                await QualityAsync(change.TenantId, value, at, cancellationToken).ConfigureAwait(false);
                break;
            case CapabilityUpdate:
                await tenants.UpdateAsync(change.TenantId, t =>
                {
                    if (t.CapabilityAt > at)
                        return;
                    t.CapabilityAt = at;
                    t.MaxDailyConversationsPerBusiness = Int(value, "max_daily_conversations_per_business") ?? t.MaxDailyConversationsPerBusiness;
                    t.MaxDailyConversationPerPhone = Int(value, "max_daily_conversation_per_phone") ?? t.MaxDailyConversationPerPhone;
                    t.MaxPhoneNumbersPerBusiness = Int(value, "max_phone_numbers_per_business") ?? t.MaxPhoneNumbersPerBusiness;
                }, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async Task AccountAsync(string tenantId, JsonElement value, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var @event = Str(value, "event");
        switch (@event)
        {
            case "ACCOUNT_RESTRICTION":
                var restrictions = new List<AccountRestriction>();
                if (value.TryGetProperty("restriction_info", out var info) && info.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in info.EnumerateArray())
                    {
                        if (Str(item, "restriction_type") is { } type)
                            restrictions.Add(new AccountRestriction(type, Int64(item, "expiration") is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null));
                    }
                }
                await tenants.UpdateAsync(tenantId, t =>
                {
                    if (t.RestrictionsAt > at)
                        return;
                    (t.RestrictionsJson, t.RestrictionsAt) = (restrictions.Count == 0 ? null : AccountHealth.Serialize(restrictions), at);
                }, cancellationToken).ConfigureAwait(false);
                break;
            case "DISABLED_UPDATE":
                var ban = value.TryGetProperty("ban_info", out var banInfo) && banInfo.ValueKind == JsonValueKind.Object ? banInfo : default;
                var state = ban.ValueKind == JsonValueKind.Object ? Str(ban, "waba_ban_state") : null;
                if (state is null)
                    break;
                await tenants.UpdateAsync(tenantId, t =>
                {
                    if (t.BanAt > at)
                        return;
                    (t.BanState, t.BanDate, t.BanAt) = (state, Str(ban, "waba_ban_date"), at);
                }, cancellationToken).ConfigureAwait(false);
                break;
            case "ACCOUNT_VIOLATION":
                var violation = value.TryGetProperty("violation_info", out var v) && v.ValueKind == JsonValueKind.Object ? Str(v, "violation_type") : null;
                await tenants.UpdateAsync(tenantId, t =>
                {
                    if (t.ViolationAt > at)
                        return;
                    (t.ViolationType, t.ViolationAt) = (violation ?? "UNKNOWN", at);
                }, cancellationToken).ConfigureAwait(false);
                return;
            default:
                LogIgnored(logger, tenantId, @event ?? "(none)");
                return;
        }
        // Campaigns follow the state as stored, not this event: a late event that changed nothing changes no campaign.
        await holds.ReconcileAsync(tenantId, cancellationToken).ConfigureAwait(false);
    }

    private async Task QualityAsync(string tenantId, JsonElement value, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var @event = Str(value, "event");
        var limit = Str(value, "current_limit");
        var updated = await tenants.UpdateAsync(tenantId, t =>
        {
            if (t.QualityAt > at)
                return;
            t.QualityAt = at;
            t.QualityEvent = @event ?? t.QualityEvent;
            t.MessagingLimitTier = limit ?? t.MessagingLimitTier;
            t.MaxDailyConversationsPerBusiness = Int(value, "max_daily_conversations_per_business") ?? t.MaxDailyConversationsPerBusiness;
            if (@event == "THROUGHPUT_UPGRADE")
                (t.ThroughputLevel, t.MessagesPerSecond) = ("HIGH", HighMessagesPerSecond);
            else if (limit is not null && limit != "TIER_UNLIMITED" && t.MessagesPerSecond > StandardMessagesPerSecond)
                // Higher throughput needs an unlimited messaging limit: a number that left it is back to the standard rate.
                (t.ThroughputLevel, t.MessagesPerSecond) = ("STANDARD", StandardMessagesPerSecond);
        }, cancellationToken).ConfigureAwait(false);
        if (updated is not null)
            LogQuality(logger, tenantId, @event ?? "(none)", updated.MessagingLimitTier ?? "(unknown)", updated.MessagesPerSecond);
    }

    private static string? Str(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static long? Int64(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out var p))
            return null;
        if (p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out var n))
            return n;
        return p.ValueKind == JsonValueKind.String && long.TryParse(p.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : null;
    }

    private static int? Int(JsonElement value, string name) => Int64(value, name) is { } n and >= int.MinValue and <= int.MaxValue ? (int)n : null;

    [LoggerMessage(LogLevel.Information, "account_update event {Event} for tenant {TenantId} does not affect sending; ignored")]
    private static partial void LogIgnored(ILogger logger, string tenantId, string @event);

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId}: phone_number_quality_update {Event}, tier {Tier}, {PerSecond} messages per second")]
    private static partial void LogQuality(ILogger logger, string tenantId, string @event, string tier, int perSecond);
}
