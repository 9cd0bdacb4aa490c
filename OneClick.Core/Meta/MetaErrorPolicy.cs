namespace OneClick.Core.Meta;

public enum MetaErrorKind
{
    /// <summary>Throughput, rate limits and transient service errors: try again later.</summary>
    Retryable,
    /// <summary>Per-user marketing limit: try this recipient again no sooner than 24 hours.</summary>
    RetryAfterADay,
    /// <summary>Anything else: the request or recipient is wrong; retrying cannot help.</summary>
    Terminal,
    /// <summary>The business account cannot send to anyone now (spam limit, policy block, lock, payment): stop, do not fail the rest.</summary>
    Account,
}

/// <summary>Who an error is about, for the policy table (docs/campaigns.md, "Send errors").</summary>
public enum MetaErrorCategory
{
    /// <summary>Passes on a later try: retried with backoff.</summary>
    Transient,
    /// <summary>The per-user marketing limit: retried after 24 hours.</summary>
    RetryAfterADay,
    /// <summary>This message or request is wrong (payload, template, flow): failed, not retried.</summary>
    Permanent,
    /// <summary>This recipient cannot get it (not on WhatsApp, opted out, identity…): failed for that recipient only.</summary>
    Recipient,
    /// <summary>The business account is blocked from sending: campaigns pause with the reason instead of failing everyone.</summary>
    Account,
}

/// <summary>
/// What to do with each Meta error code, from Meta's error-code list
/// (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes). Codes not in the table are permanent:
/// an unknown error is never retried in a loop, unless Graph marks it <c>is_transient</c>.
/// </summary>
public static class MetaErrorPolicy
{
    private static readonly Dictionary<int, MetaErrorCategory> Table = new()
    {
        // Transient: Graph/service errors, throughput, rate limits.
        [1] = MetaErrorCategory.Transient,
        [2] = MetaErrorCategory.Transient,
        [4] = MetaErrorCategory.Transient,
        [80007] = MetaErrorCategory.Transient,
        [80008] = MetaErrorCategory.Transient,
        [130429] = MetaErrorCategory.Transient,
        [131000] = MetaErrorCategory.Transient,
        [131016] = MetaErrorCategory.Transient,
        [131056] = MetaErrorCategory.Transient, // pair rate limit: that user only, at least 6 s apart (PairRateLimitDelay)
        [131057] = MetaErrorCategory.Transient, // maintenance mode, e.g. during a throughput upgrade
        [131208] = MetaErrorCategory.Transient,
        // 132069: the flow is throttled to 10 messages an hour; it passes later.
        // https://developers.facebook.com/docs/whatsapp/flows/guides/healthmonitoring
        [132069] = MetaErrorCategory.Transient,

        [131049] = MetaErrorCategory.RetryAfterADay,

        // Account: every send from the account fails until the cause is fixed, so a campaign pauses with the reason.
        [131048] = MetaErrorCategory.Account, // spam rate limit
        [368] = MetaErrorCategory.Account,    // temporarily blocked for policy violations
        [131031] = MetaErrorCategory.Account, // business account locked
        [131042] = MetaErrorCategory.Account, // business eligibility: payment issue
        [131037] = MetaErrorCategory.Account, // the number's display name needs approval before it can send

        // Recipient: failed for this person only.
        [131026] = MetaErrorCategory.Recipient,
        [131050] = MetaErrorCategory.Recipient,
        [130472] = MetaErrorCategory.Recipient,
        [131021] = MetaErrorCategory.Recipient,
        [131030] = MetaErrorCategory.Recipient,
        [131047] = MetaErrorCategory.Recipient, // outside the 24-hour window: needs a template
        [131062] = MetaErrorCategory.Recipient, // BSUID recipient not supported for this message: needs the phone
        [137000] = MetaErrorCategory.Recipient, // identity key mismatch: the recipient's identity changed
        // 130497 (restricted from messaging users in one country) is per country, not per account: pausing a whole
        // campaign would stop recipients elsewhere who can be reached, so it fails that recipient only.
        [130497] = MetaErrorCategory.Recipient,

        // Permanent: the request, template or flow must change.
        [132068] = MetaErrorCategory.Permanent, // the flow is blocked
        // 131063, 131064 and 132008 are in the list but not in the copy of Meta's list read here; unknown
        // codes are never retried in a loop, so they are permanent until Meta says otherwise (is_transient overrides).
        [131063] = MetaErrorCategory.Permanent,
        [131064] = MetaErrorCategory.Permanent,
        [132008] = MetaErrorCategory.Permanent,
    };

    /// <summary>Codes that mean "slow down" rather than "something broke".</summary>
    private static readonly HashSet<int> ThrottlingCodes = [4, 80007, 80008, 130429, 131056, 131208];

    /// <summary>Meta allows about one message per 6 s from a business number to the same user (https://developers.facebook.com/docs/whatsapp/cloud-api/overview#throughput).</summary>
    public static readonly TimeSpan PairRateLimitDelay = TimeSpan.FromSeconds(6);

    /// <summary>A throttled flow may send 10 messages an hour: a retry sooner than 6 minutes hits the limit again.</summary>
    public static readonly TimeSpan FlowThrottledDelay = TimeSpan.FromMinutes(6);

    public static IReadOnlyDictionary<int, MetaErrorCategory> Categories => Table;

    public static MetaErrorCategory Categorize(int code, bool? isTransient = null)
    {
        var category = Table.TryGetValue(code, out var known) ? known : MetaErrorCategory.Permanent;
        // Graph's is_transient: honoured for what is about this message; account states and the 24-hour rule are not
        // cleared by trying again soon.
        return isTransient == true && category is MetaErrorCategory.Permanent or MetaErrorCategory.Recipient ? MetaErrorCategory.Transient : category;
    }

    public static MetaErrorKind Classify(int code, bool? isTransient = null) => Categorize(code, isTransient) switch
    {
        MetaErrorCategory.Transient => MetaErrorKind.Retryable,
        MetaErrorCategory.RetryAfterADay => MetaErrorKind.RetryAfterADay,
        MetaErrorCategory.Account => MetaErrorKind.Account,
        _ => MetaErrorKind.Terminal,
    };

    public static bool IsThrottling(int code) => ThrottlingCodes.Contains(code);

    /// <summary>The least a retry after this code must wait, whatever the backoff says.</summary>
    public static TimeSpan MinimumDelay(int? code) => code switch
    {
        131056 => PairRateLimitDelay,
        132069 => FlowThrottledDelay,
        _ => TimeSpan.Zero,
    };

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
