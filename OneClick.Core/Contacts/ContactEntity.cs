using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Contacts;

/// <summary>
/// Contacts live in one partition per tenant. Row kinds share it: "contact|{id}" holds the contact,
/// "phone|{e164}", "user|{bsuid}" and "parent|{parent bsuid}" point from an identity to its contact id, so one
/// identity is one contact; a contact and its index rows are written in one transaction.
/// </summary>
public sealed class ContactEntity : ITableEntity
{
    public const string RowPrefix = "contact|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>E.164, or "" for a person known only by a business-scoped user id.</summary>
    public string PhoneNumber { get; set; } = "";
    /// <summary>Meta's business-scoped user id (BSUID), when known.</summary>
    public string? UserId { get; set; }
    public string? ParentUserId { get; set; }
    /// <summary>The WhatsApp username, as last shown in a webhook's contacts[].profile.</summary>
    public string? Username { get; set; }
    public string? Name { get; set; }
    public string AttributesJson { get; set; } = "{}";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Lower-case tags as a JSON array; each also has a <see cref="ContactTagEntity"/> row for lookups by tag.</summary>
    public string TagsJson { get; set; } = "[]";

    /// <summary>One of <see cref="OptInStates"/>.</summary>
    public string OptInState { get; set; } = OptInStates.Unknown;
    public string? OptInSource { get; set; }
    public DateTimeOffset? OptInAt { get; set; }
    public string? OptOutSource { get; set; }
    public DateTimeOffset? OptOutAt { get; set; }
    /// <summary>The customer's last inbound message: the 24-hour customer-service window runs from it (only moves forward).</summary>
    public DateTimeOffset? LastInboundAt { get; set; }

    [IgnoreDataMember]
    public string Id => RowKey[RowPrefix.Length..];

    [IgnoreDataMember]
    public bool IsOptedOut => OptInState == OptInStates.OptedOut;

    [IgnoreDataMember]
    public IReadOnlyList<string> Tags => System.Text.Json.JsonSerializer.Deserialize<List<string>>(TagsJson) ?? [];
    public static string RowKeyFor(string contactId) => RowPrefix + contactId;
}

public sealed class ContactPhoneIndexEntity : ITableEntity
{
    public const string RowPrefix = "phone|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ContactId { get; set; } = "";

    public static string RowKeyFor(string e164) => RowPrefix + e164;
}

/// <summary>"user|{bsuid}" and "parent|{parent bsuid}": from a business-scoped user id to its contact.</summary>
public sealed class ContactUserIndexEntity : ITableEntity
{
    public const string UserPrefix = "user|";
    public const string ParentPrefix = "parent|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ContactId { get; set; } = "";

    public static string UserRowKeyFor(string userId) => UserPrefix + userId;
    public static string ParentRowKeyFor(string parentUserId) => ParentPrefix + parentUserId;
}

/// <summary>"tag|{tag}|{contactId}": finds a tag's contacts in one range query of the tenant's partition.</summary>
public sealed class ContactTagEntity : ITableEntity
{
    public const string RowPrefix = "tag|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ContactId { get; set; } = "";

    public static string PrefixFor(string tag) => $"{RowPrefix}{TableKey.Escape(tag)}|";
    public static string RowKeyFor(string tag, string contactId) => PrefixFor(tag) + contactId;
}

public static class OptInStates
{
    public const string Unknown = "unknown";
    public const string OptedIn = "opted_in";
    public const string OptedOut = "opted_out";
}
