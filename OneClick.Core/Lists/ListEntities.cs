using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace OneClick.Core.Lists;

/// <summary>
/// Lists live in the "lists" table, one partition per tenant. "list|{listId}" holds the list;
/// "member|{listId}|{contactId}" is one membership, so a list's members are one range query, page by page.
/// </summary>
public sealed class ContactListEntity : ITableEntity
{
    public const string RowPrefix = "list|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = "";
    public long MemberCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    [IgnoreDataMember]
    public string Id => RowKey[RowPrefix.Length..];

    public static string RowKeyFor(string listId) => RowPrefix + listId;
}

public sealed class ListMemberEntity : ITableEntity
{
    public const string RowPrefix = "member|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ContactId { get; set; } = "";
    public DateTimeOffset AddedAt { get; set; }

    public static string PrefixFor(string listId) => $"{RowPrefix}{listId}|";
    public static string RowKeyFor(string listId, string contactId) => PrefixFor(listId) + contactId;
}

/// <summary>
/// "inlist|{contactId}|{listId}": the reverse of <see cref="ListMemberEntity"/>, written in the same transaction,
/// so erasing a contact finds its memberships in one range query instead of scanning every list.
/// </summary>
public sealed class ContactInListEntity : ITableEntity
{
    public const string RowPrefix = "inlist|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ListId { get; set; } = "";

    public static string PrefixFor(string contactId) => $"{RowPrefix}{contactId}|";
    public static string RowKeyFor(string contactId, string listId) => PrefixFor(contactId) + listId;
}
