using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace OneClick.Core.Tenants;

/// <summary>A tenant's profile row: PartitionKey = tenant id, so nothing about a tenant crosses partitions.</summary>
public sealed class TenantEntity : ITableEntity
{
    public const string ProfileRowKey = "profile";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = ProfileRowKey;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string DefaultRegion { get; set; } = "US";

    // Non-secret credential parts; the token and secrets live in the secret store.
    public string? WabaId { get; set; }
    public string? PhoneNumberId { get; set; }
    public DateTimeOffset? CredentialsUpdatedAt { get; set; }
    /// <summary>Which Meta app signs the tenant's webhooks: <see cref="MetaApps.Own"/> (also when null, as before this existed) or <see cref="MetaApps.Platform"/>.</summary>
    public string? MetaApp { get; set; }

    [IgnoreDataMember]
    public bool UsesPlatformApp => MetaApp == MetaApps.Platform;

    // From the last connection check; pacing uses the throughput.
    public int MessagesPerSecond { get; set; } = 80;

    /// <summary>The tenant's own stop keywords as a JSON array; null means <see cref="Contacts.StopKeywords.Defaults"/>.</summary>
    public string? StopKeywordsJson { get; set; }
    /// <summary>Sent (as a text message) to a contact whose stop keyword opted them out; null = no reply.</summary>
    public string? StopConfirmationText { get; set; }
    public DateTimeOffset? ConnectionCheckedAt { get; set; }

    // Account and number health from Meta's webhooks (OneClick.Core/Health). Each part keeps the time of the
    // event it came from, so an older event arriving late never undoes a newer one.
    /// <summary>The restrictions of the last ACCOUNT_RESTRICTION event, as a JSON array of <see cref="Health.AccountRestriction"/>.</summary>
    public string? RestrictionsJson { get; set; }
    public DateTimeOffset? RestrictionsAt { get; set; }
    /// <summary>ban_info.waba_ban_state of the last DISABLED_UPDATE: DISABLE, SCHEDULE_FOR_DISABLE or REINSTATE.</summary>
    public string? BanState { get; set; }
    public string? BanDate { get; set; }
    public DateTimeOffset? BanAt { get; set; }
    /// <summary>violation_info.violation_type of the last ACCOUNT_VIOLATION (shown; Meta restricts separately).</summary>
    public string? ViolationType { get; set; }
    public DateTimeOffset? ViolationAt { get; set; }
    /// <summary>The number's messaging limit tier (TIER_2K, …) and the event of the last phone_number_quality_update.</summary>
    public string? MessagingLimitTier { get; set; }
    public string? QualityEvent { get; set; }
    public string? ThroughputLevel { get; set; }
    public DateTimeOffset? QualityAt { get; set; }
    public int? MaxDailyConversationsPerBusiness { get; set; }
    public int? MaxDailyConversationPerPhone { get; set; }
    public int? MaxPhoneNumbersPerBusiness { get; set; }
    public DateTimeOffset? CapabilityAt { get; set; }

    [IgnoreDataMember]
    public string Id => PartitionKey;
}

/// <summary>
/// A tenant's Meta app: its own (its app secret signs the webhooks Meta sends to its own callback URL) or the operator's
/// platform app (one app-level callback for every platform tenant, routed by WABA id).
/// </summary>
public static class MetaApps
{
    public const string Own = "own";
    public const string Platform = "platform";
}

/// <summary>Maps a hashed API key to its tenant. PartitionKey = SHA-256 of the key; the key itself is never stored.</summary>
public sealed class ApiKeyEntity : ITableEntity
{
    public const string KeyRowKey = "key";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = KeyRowKey;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string TenantId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
