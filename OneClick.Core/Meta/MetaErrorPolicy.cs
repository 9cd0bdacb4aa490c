namespace OneClick.Core.Meta;

public enum MetaErrorKind
{
    /// <summary>Throughput, rate limits and transient service errors: try again later.</summary>
    Retryable,
    /// <summary>Per-user marketing limit: try this recipient again no sooner than 24 hours.</summary>
    RetryAfterADay,
    /// <summary>Anything else: the request or recipient is wrong; retrying cannot help.</summary>
    Terminal,
}

/// <summary>What to do with each Meta error code (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).</summary>
public static class MetaErrorPolicy
{
    private static readonly HashSet<int> RetryableCodes = [1, 2, 4, 80007, 80008, 130429, 131000, 131016, 131056, 131057, 131208];

    /// <summary>Codes that mean "slow down" rather than "something broke".</summary>
    private static readonly HashSet<int> ThrottlingCodes = [4, 80007, 80008, 130429, 131056, 131208];

    public static MetaErrorKind Classify(int code) =>
        RetryableCodes.Contains(code) ? MetaErrorKind.Retryable
        : code == 131049 ? MetaErrorKind.RetryAfterADay
        : MetaErrorKind.Terminal;

    public static bool IsThrottling(int code) => ThrottlingCodes.Contains(code);

    /// <summary>Codes that say the tenant's credentials are wrong, with what to do about it.</summary>
    public static string? ExplainCredentialProblem(MetaApiException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Code switch
        {
            190 when error.Subcode == 463 => "The access token has expired. Generate a permanent system-user token in Meta Business Settings and store it again.",
            190 => "The access token is invalid or revoked. Store a valid system-user access token.",
            0 => "Meta rejected the access token. Store a valid system-user access token.",
            100 when error.Subcode == 33 => "The phone number id does not exist or this token cannot access it. Check the phone number id in WhatsApp Manager.",
            33 => "The business phone number was deleted or the id is invalid.",
            10 or (>= 200 and <= 299) => "The token lacks the whatsapp_business_messaging / whatsapp_business_management permission.",
            _ => null,
        };
    }
}
