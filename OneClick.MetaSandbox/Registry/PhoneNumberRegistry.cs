using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using OneClick.MetaSandbox.Messages;

namespace OneClick.MetaSandbox.Registry;

/// <summary>The business phone numbers the sandbox answers for, keyed by phone-number-id.</summary>
internal sealed partial class PhoneNumberRegistry(TimeProvider time)
{
    // Values Meta documents for the phone-number node (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/phone-numbers, https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput, https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits).
    private static readonly string[] QualityRatings = ["GREEN", "YELLOW", "RED", "NA", "UNKNOWN"];
    private static readonly string[] ThroughputLevels = ["STANDARD", "HIGH", "NOT_APPLICABLE"];
    private static readonly string[] MessagingLimitTiers = ["TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"];
    private static readonly string[] Statuses = ["CONNECTED", "DISCONNECTED", "FLAGGED", "MIGRATED", "PENDING", "RESTRICTED", "UNVERIFIED", "DELETED", "BANNED", "RATE_LIMITED"];

    private readonly ConcurrentDictionary<string, PhoneNumberRegistration> _numbers = new(StringComparer.Ordinal);

    public PhoneNumberRegistration? Find(string phoneNumberId) =>
        _numbers.TryGetValue(phoneNumberId, out var number) ? number : null;

    public IReadOnlyList<PhoneNumberRegistration> All() =>
        [.. _numbers.Values.OrderBy(number => number.PhoneNumberId, StringComparer.Ordinal)];

    public void Save(PhoneNumberRegistration number) => _numbers[number.PhoneNumberId] = number;

    public bool Remove(string phoneNumberId) => _numbers.TryRemove(phoneNumberId, out _);

    public void Clear() => _numbers.Clear();

    /// <summary>Checks a registration request and fills in sandbox defaults; returns an error message when invalid.</summary>
    public (PhoneNumberRegistration? Number, string? Error) CreateFrom(RegisterPhoneNumberRequest request)
    {
        var id = request.PhoneNumberId?.Trim();
        if (string.IsNullOrEmpty(id) || !IdPattern().IsMatch(id))
        {
            return (null, "phoneNumberId is required and may contain only letters, digits, '_' and '-' (Meta uses numeric ids).");
        }

        if (string.IsNullOrEmpty(request.AccessToken))
        {
            return (null, "accessToken is required.");
        }

        if (string.IsNullOrEmpty(request.AppSecret))
        {
            return (null, "appSecret is required (it signs the webhooks).");
        }

        Uri? webhookUrl = null;
        if (!string.IsNullOrWhiteSpace(request.WebhookUrl))
        {
            if (!Uri.TryCreate(request.WebhookUrl, UriKind.Absolute, out webhookUrl)
                || (webhookUrl.Scheme != Uri.UriSchemeHttp && webhookUrl.Scheme != Uri.UriSchemeHttps))
            {
                return (null, "webhookUrl must be an absolute http(s) URL.");
            }
        }

        var display = request.DisplayPhoneNumber is null ? "15550000000" : Recipients.NormalizePhone(request.DisplayPhoneNumber);
        if (display is null)
        {
            return (null, "displayPhoneNumber must be a phone number of 8 to 15 digits.");
        }

        var (quality, qualityError) = OneOf("qualityRating", request.QualityRating, "GREEN", QualityRatings);
        var (throughput, throughputError) = OneOf("throughputLevel", request.ThroughputLevel, "STANDARD", ThroughputLevels);
        var (tier, tierError) = OneOf("messagingLimitTier", request.MessagingLimitTier, "TIER_2K", MessagingLimitTiers);
        var (status, statusError) = OneOf("status", request.Status, "CONNECTED", Statuses);
        var error = qualityError ?? throughputError ?? tierError ?? statusError;
        if (error is not null)
        {
            return (null, error);
        }

        return (new PhoneNumberRegistration(
            PhoneNumberId: id,
            WabaId: string.IsNullOrWhiteSpace(request.WabaId) ? $"waba-{id}" : request.WabaId.Trim(),
            AccessToken: request.AccessToken,
            AppSecret: request.AppSecret,
            WebhookUrl: webhookUrl,
            DisplayPhoneNumber: display,
            VerifiedName: string.IsNullOrWhiteSpace(request.VerifiedName) ? "Sandbox Business" : request.VerifiedName.Trim(),
            QualityRating: quality!,
            ThroughputLevel: throughput!,
            MessagingLimitTier: tier!,
            Status: status!,
            TokenExpired: request.TokenExpired ?? false,
            IsOfficialBusinessAccount: request.IsOfficialBusinessAccount ?? true,
            RegisteredAt: time.GetUtcNow()), null);
    }

    private static (string? Value, string? Error) OneOf(string field, string? value, string fallback, string[] allowed)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return (fallback, null);
        }

        var upper = value.Trim().ToUpperInvariant();
        return allowed.Contains(upper, StringComparer.Ordinal)
            ? (upper, null)
            : (null, $"{field} must be one of {string.Join(", ", allowed)}.");
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();
}
