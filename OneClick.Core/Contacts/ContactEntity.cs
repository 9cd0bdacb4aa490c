using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

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

    [IgnoreDataMember]
    public string Id => RowKey[RowPrefix.Length..];
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
