using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Contacts;

/// <summary>
/// Contacts live in one partition per tenant. Two row kinds share it: "contact|{id}" holds the contact,
/// "phone|{e164}" points from a number to its contact id, so one number is one contact; both are
/// written in one transaction.
/// </summary>
public sealed class ContactEntity : ITableEntity
{
    public const string RowPrefix = "contact|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string PhoneNumber { get; set; } = "";
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
    /// <summary>When the contact last wrote to the tenant: free-form messages may follow for 24 hours (meta-facts §3.5).</summary>
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
