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

    // From the last connection check; pacing uses the throughput.
    public int MessagesPerSecond { get; set; } = 80;

    /// <summary>The tenant's own stop keywords as a JSON array; null means <see cref="Contacts.StopKeywords.Defaults"/>.</summary>
    public string? StopKeywordsJson { get; set; }
    /// <summary>Sent (as a text message) to a contact whose stop keyword opted them out; null = no reply.</summary>
    public string? StopConfirmationText { get; set; }
    public DateTimeOffset? ConnectionCheckedAt { get; set; }

    [IgnoreDataMember]
    public string Id => PartitionKey;
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
