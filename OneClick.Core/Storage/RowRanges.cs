namespace OneClick.Core.Storage;

public static class RowRanges
{
    /// <summary>An OData filter for every row of a partition whose RowKey starts with <paramref name="prefix"/>.</summary>
    public static string StartsWith(string partitionKey, string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var end = prefix[..^1] + (char)(prefix[^1] + 1);
        return Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {prefix} and RowKey lt {end}");
    }
}
