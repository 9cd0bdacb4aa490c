using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace OneClick.Core.ContactImports;

public static class ImportStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static bool IsFinal(string state) => state is Completed or Failed;
}

/// <summary>
/// One CSV import, in the "contactimports" table (PK = tenant id, RK = "import|{id}"). NextOffset is where in the
/// uploaded blob the next chunk starts: a chunk is applied only when its offset is NextOffset, so a queue message
/// delivered twice changes the counts once.
/// </summary>
public sealed class ContactImportEntity : ITableEntity
{
    public const string RowPrefix = "import|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string State { get; set; } = ImportStates.Queued;
    public string BlobName { get; set; } = "";
    public long SizeBytes { get; set; }
    /// <summary>The field separator found in the header, used for every chunk.</summary>
    public string Separator { get; set; } = ",";
    public string ColumnsJson { get; set; } = "{}";
    public string? FileName { get; set; }

    public long NextOffset { get; set; }
    /// <summary>The offset of the last chunk applied (-1 before the first), to re-enqueue a lost continuation.</summary>
    public long PreviousOffset { get; set; } = -1;
    public int Chunks { get; set; }

    public long RowsRead { get; set; }
    public long Imported { get; set; }
    public long Created { get; set; }
    public long Updated { get; set; }
    public long Unchanged { get; set; }
    public long Rejected { get; set; }
    public string? Error { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    [IgnoreDataMember]
    public string Id => RowKey[RowPrefix.Length..];

    public static string RowKeyFor(string importId) => RowPrefix + importId;
}

/// <summary>A rejected row: "error|{importId}|{row:D10}", so the report pages in row order.</summary>
public sealed class ImportErrorEntity : ITableEntity
{
    public const string RowPrefix = "error|";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public long Row { get; set; }
    public string Reason { get; set; } = "";

    public static string PrefixFor(string importId) => $"{RowPrefix}{importId}|";
    public static string RowKeyFor(string importId, long row) => PrefixFor(importId) + row.ToString("D10", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Queue message for contact-imports: process the chunk of an import that starts at Offset. Version 1.</summary>
public sealed record ImportChunkCommand(int V, string TenantId, string ImportId, long Offset, string CorrelationId)
{
    public const int CurrentVersion = 1;
}
