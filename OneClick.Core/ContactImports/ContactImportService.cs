using System.Buffers;
using System.Text.Unicode;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using CsvHelper;
using Microsoft.Extensions.Logging;
using OneClick.Core.Contacts;
using OneClick.Core.Results;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;

namespace OneClick.Core.ContactImports;

/// <summary>The upload cannot be imported at all; nothing was stored. It never leaves the service: StartAsync answers its failure.</summary>
internal sealed class ImportRefusedException(Failure failure) : Exception(failure.Detail)
{
    public Failure Failure { get; } = failure;
}

/// <summary>
/// CSV imports of contacts. The upload streams into a blob (never whole in memory) after its first 64 KiB were checked:
/// UTF-8, a header row with a phone number column. A queue job then reads the blob in chunks of at most
/// <see cref="RowsPerChunk"/> rows, each invocation starting where the last stopped (a byte offset) and enqueueing the
/// next, so none runs long and a retried chunk only repeats idempotent upserts. Bad rows are reported by row number
/// and never stop the good ones.
/// </summary>
public sealed partial class ContactImportService(
    StorageAccount storage, TenantStore tenants, ContactBulkWriter writer, QueuePublisher queue, TimeProvider clock, ILogger<ContactImportService> logger)
{
    public const long MaxFileBytes = 50L * 1024 * 1024;
    public const int RowsPerChunk = 5000;
    public const int MaxNameLength = 256;
    public const int MaxAttributeValueLength = 1024;
    private const int SniffBytes = 64 * 1024;
    private const int MaxRecordBytes = 64 * 1024;

    private TableClient Table => storage.Table(TableNames.ContactImports);
    private BlobContainerClient Blobs => storage.Blobs.GetBlobContainerClient(BlobContainerNames.ContactImports);

    public static string NewId() => "i" + Guid.CreateVersion7().ToString("N")[..24];

    public static bool IsValidId(string? id) => id is { Length: > 1 and <= 64 } && id[0] == 'i' && id.Skip(1).All(char.IsAsciiLetterOrDigit);

    /// <summary>The failure for an upload over <see cref="MaxFileBytes"/>.</summary>
    public static Failure TooLarge { get; } = new(FailureKind.TooLarge, "The request body is too large.",
        $"A CSV import takes at most {MaxFileBytes / (1024 * 1024)} MiB; split the file.");

    /// <summary>Stores the upload and queues its import; a file that cannot be imported is refused and nothing is stored.</summary>
    public async Task<Outcome<ContactImportEntity>> StartAsync(string tenantId, Stream body, string? fileName, string correlationId, CancellationToken cancellationToken)
    {
        try
        {
            return Outcome.Ok(await StoreAndQueueAsync(tenantId, body, fileName, correlationId, cancellationToken).ConfigureAwait(false));
        }
        catch (ImportRefusedException refused)
        {
            return refused.Failure;
        }
    }

    private async Task<ContactImportEntity> StoreAndQueueAsync(string tenantId, Stream body, string? fileName, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var prefix = new byte[SniffBytes];
        var length = 0;
        int read;
        while (length < prefix.Length && (read = await body.ReadAsync(prefix.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            length += read;
        var wholeFile = length < prefix.Length;
        var (separator, columns) = InspectHeader(prefix.AsMemory(0, length), wholeFile);

        var id = NewId();
        var blobName = $"{tenantId}/{id}.csv";
        var blob = Blobs.GetBlobClient(blobName);
        long size = length;
        try
        {
            await using (var target = await blob.OpenWriteAsync(overwrite: true, new BlobOpenWriteOptions { BufferSize = 4 * 1024 * 1024 }, cancellationToken).ConfigureAwait(false))
            {
                await target.WriteAsync(prefix.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                var buffer = ArrayPool<byte>.Shared.Rent(81920);
                try
                {
                    while (!wholeFile && (read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        size += read;
                        if (size > MaxFileBytes)
                            throw new ImportRefusedException(TooLarge);
                        await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var now = clock.GetUtcNow();
        var job = new ContactImportEntity
        {
            PartitionKey = tenantId,
            RowKey = ContactImportEntity.RowKeyFor(id),
            BlobName = blobName,
            SizeBytes = size,
            Separator = separator.ToString(),
            ColumnsJson = columns.ToJson(),
            FileName = fileName,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await Table.AddEntityAsync(job, cancellationToken).ConfigureAwait(false);
        await queue.SendAsync(QueueNames.ContactImports, new ImportChunkCommand(ImportChunkCommand.CurrentVersion, tenantId, id, 0, correlationId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return job;
    }

    /// <summary>Checks the start of the file: encoding, header row, number column.</summary>
    internal static (char Separator, ImportColumns Columns) InspectHeader(ReadOnlyMemory<byte> prefix, bool wholeFile)
    {
        var bytes = prefix.Span;
        if (bytes.IsEmpty)
            throw new ImportRefusedException(Failure.Invalid("file", "The file is empty: send a CSV with a header row."));
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || bytes.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]))
            throw new ImportRefusedException(Failure.Invalid("encoding", "The file is UTF-16 or UTF-32; save it as UTF-8 (\"CSV UTF-8\" in Excel)."));
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            bytes = bytes[3..];
        if (bytes.Contains((byte)0))
            throw new ImportRefusedException(Failure.Invalid("encoding", "The file contains NUL bytes: it is not a text CSV file."));
        var chars = ArrayPool<char>.Shared.Rent(bytes.Length);
        try
        {
            var status = Utf8.ToUtf16(bytes, chars, out _, out _, replaceInvalidSequences: false, isFinalBlock: wholeFile);
            if (status == System.Buffers.OperationStatus.InvalidData)
                throw new ImportRefusedException(Failure.Invalid("encoding", "The file is not valid UTF-8 (perhaps Latin-1 or Windows-1252); save it as UTF-8 (\"CSV UTF-8\" in Excel)."));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
        if (!wholeFile && !bytes.Contains((byte)'\n') && !bytes.Contains((byte)'\r'))
            throw new ImportRefusedException(Failure.Invalid("file", $"The header row is longer than {SniffBytes / 1024} KiB."));

        try
        {
            using var reader = CsvReader.Create(prefix, new CsvReaderOptions { AllowLineBreaksInQuotes = false, SkipEmptyLines = true });
            var headers = reader.Headers;
            var columns = ImportColumns.FromHeader(headers, out var error)
                ?? throw new ImportRefusedException(Failure.Invalid("header", error!));
            return (reader.Separator, columns);
        }
        catch (CsvFormatException e)
        {
            throw new ImportRefusedException(Failure.Invalid("header", $"The header row is not valid CSV: {e.Message}"));
        }
    }

    public Task<ContactImportEntity?> GetAsync(string tenantId, string importId, CancellationToken cancellationToken) =>
        Table.FindAsync<ContactImportEntity>(tenantId, ContactImportEntity.RowKeyFor(importId), cancellationToken);

    public Task<ResultPage<ContactImportEntity>> PageAsync(string tenantId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Table.QueryAsync<ContactImportEntity>(RowRanges.StartsWith(tenantId, ContactImportEntity.RowPrefix), pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, i => i);

    public Task<ResultPage<ImportErrorEntity>> PageErrorsAsync(string tenantId, string importId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Table.QueryAsync<ImportErrorEntity>(RowRanges.StartsWith(tenantId, ImportErrorEntity.PrefixFor(importId)), pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, e => e);

    /// <summary>Processes one chunk. Safe to call twice with the same command: only the first changes anything.</summary>
    public async Task ProcessChunkAsync(ImportChunkCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var job = await GetAsync(command.TenantId, command.ImportId, cancellationToken).ConfigureAwait(false);
        if (job is null || ImportStates.IsFinal(job.State))
            return;
        if (command.Offset != job.NextOffset)
        {
            // A duplicate of a chunk already applied. If it was the last one, its continuation may have been lost
            // (a crash between saving progress and enqueueing): send it again; a duplicate of that is harmless too.
            if (command.Offset == job.PreviousOffset)
                await EnqueueNextAsync(job, command, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (job.State == ImportStates.Queued)
        {
            // Shows that work has begun; counts move once the first chunk is applied.
            job = await Table.UpdateWithRetryAsync<ContactImportEntity>(job.PartitionKey, job.RowKey, j =>
            {
                if (j.State != ImportStates.Queued)
                    return false;
                (j.State, j.UpdatedAt) = (ImportStates.Running, clock.GetUtcNow());
                return true;
            }, cancellationToken).ConfigureAwait(false) ?? job;
        }

        var tenant = await tenants.GetAsync(command.TenantId, cancellationToken).ConfigureAwait(false);
        Chunk chunk;
        try
        {
            chunk = await ReadChunkAsync(job, tenant?.DefaultRegion ?? "US", cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            await FailAsync(job, "The uploaded file is gone.", cancellationToken).ConfigureAwait(false);
            return;
        }

        var written = await writer.UpsertAsync(job.PartitionKey, chunk.Rows, cancellationToken).ConfigureAwait(false);
        var rejections = chunk.Rejections.Concat(written.Rejections).ToList();
        await AddErrorsAsync(job, rejections, cancellationToken).ConfigureAwait(false);

        var applied = false;
        var saved = await Table.UpdateWithRetryAsync<ContactImportEntity>(job.PartitionKey, job.RowKey, j =>
        {
            applied = j.NextOffset == command.Offset && !ImportStates.IsFinal(j.State);
            if (!applied)
                return false;
            j.PreviousOffset = command.Offset;
            j.NextOffset = chunk.NextOffset ?? j.SizeBytes;
            j.Chunks++;
            j.RowsRead += chunk.RowsRead;
            j.Rejected += rejections.Count;
            j.Imported += chunk.Rows.Count - written.Rejections.Count;
            j.Created += written.Created;
            j.Updated += written.Updated;
            j.Unchanged += written.Unchanged;
            j.UpdatedAt = clock.GetUtcNow();
            j.State = chunk.Failure is not null ? ImportStates.Failed : chunk.NextOffset is null ? ImportStates.Completed : ImportStates.Running;
            j.Error = chunk.Failure;
            if (chunk.NextOffset is null)
                j.CompletedAt = j.UpdatedAt;
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (!applied || saved is null)
            return;
        LogChunk(logger, job.PartitionKey, job.Id, chunk.RowsRead, saved.RowsRead, saved.State);
        if (chunk.NextOffset is not null)
            await EnqueueNextAsync(saved, command, cancellationToken).ConfigureAwait(false);
        else
            await Blobs.DeleteBlobIfExistsAsync(job.BlobName, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends an import that cannot go on, with the reason (the rows imported so far stay, and are counted).</summary>
    public async Task FailAsync(ContactImportEntity job, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        LogFailed(logger, job.PartitionKey, job.Id, reason);
        await Table.UpdateWithRetryAsync<ContactImportEntity>(job.PartitionKey, job.RowKey, j =>
        {
            if (ImportStates.IsFinal(j.State))
                return false;
            (j.State, j.Error, j.UpdatedAt, j.CompletedAt) = (ImportStates.Failed, reason, clock.GetUtcNow(), clock.GetUtcNow());
            return true;
        }, cancellationToken).ConfigureAwait(false);
        // The file holds personal data and cannot be resumed: it goes as it does after a completed import.
        await Blobs.DeleteBlobIfExistsAsync(job.BlobName, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private Task EnqueueNextAsync(ContactImportEntity job, ImportChunkCommand command, CancellationToken cancellationToken) =>
        queue.SendAsync(QueueNames.ContactImports, command with { Offset = job.NextOffset }, cancellationToken: cancellationToken);

    /// <param name="Failure">Why the file cannot be read past these rows (they are still imported), or null.</param>
    private sealed record Chunk(List<ImportRow> Rows, List<RowRejection> Rejections, int RowsRead, long? NextOffset, string? Failure = null);

    private async Task<Chunk> ReadChunkAsync(ContactImportEntity job, string region, CancellationToken cancellationToken)
    {
        var columns = ImportColumns.FromJson(job.ColumnsJson);
        var hasHeader = job.NextOffset == 0;
        var malformed = new Dictionary<long, string>();
        var options = new CsvReaderOptions
        {
            Separator = job.Separator[0],
            HasHeader = hasHeader,
            // One stray quote must not swallow the rest of the file: a line break always ends a record.
            AllowLineBreaksInQuotes = false,
            SkipEmptyLines = true,
            MaxRecordSize = MaxRecordBytes,
            OnMalformedRecord = m => malformed[hasHeader ? m.RecordNumber - 1 : m.RecordNumber] = m.Reason.ToString(),
        };
        var blob = Blobs.GetBlobClient(job.BlobName);
        await using var stream = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { Position = job.NextOffset, BufferSize = 1024 * 1024 }, cancellationToken).ConfigureAwait(false);
        await using var reader = CsvReader.Create(stream, options, leaveOpen: true);
        if (hasHeader)
            await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);

        var rows = new List<ImportRow>();
        var rejections = new List<RowRejection>();
        var count = 0;
        while (true)
        {
            try
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    break;
            }
            catch (CsvFormatException e)
            {
                // Unreadable from here on (a record over the size limit): keep what was read, end the import with the reason.
                return new Chunk(rows, rejections, count, null, $"The file cannot be read after row {job.RowsRead + count}: {e.Message}");
            }
            if (count == RowsPerChunk)
                return new Chunk(rows, rejections, count, job.NextOffset + reader.ByteOffset);
            count++;
            var rowNumber = job.RowsRead + reader.RowNumber;
            ImportRow? row = null;
            var reason = malformed.Remove(reader.RowNumber, out var why)
                ? $"Malformed CSV ({why}): check the quotes in this row."
                : ParseRow(reader, columns, region, rowNumber, out row);
            if (reason is null && row is not null)
                rows.Add(row);
            else
                rejections.Add(new RowRejection(rowNumber, reason ?? "The row cannot be read."));
        }
        return new Chunk(rows, rejections, count, null);
    }

    /// <returns>Why the row cannot be imported, or null with the row.</returns>
    private static string? ParseRow(CsvReader reader, ImportColumns columns, string region, long rowNumber, out ImportRow? row)
    {
        row = null;
        if (!Utf8.IsValid(reader.RawRecord))
            return "The row is not valid UTF-8; save the file as UTF-8.";
        if (reader.FieldCount > columns.Count)
            return $"The row has {reader.FieldCount} fields but the header has {columns.Count}: quote values that contain the separator.";
        // A row may name the person by BSUID only (the phone cell empty): Meta knows some users without a phone.
        var userId = columns.UserId is { } u ? Field(reader, u) : null;
        if (userId is not null && !UserIds.IsUserId(userId))
            return $"'{TextCut.Quote(userId, 40)}' is not a business-scoped user id. {UserIds.FormatHint}";
        var phoneCell = Field(reader, columns.Number);
        string? numberError = null;
        var number = phoneCell is null && userId is not null ? "" : E164.TryNormalize(phoneCell, region, out numberError);
        if (number is null)
            return numberError;
        var name = columns.Name is { } n ? Field(reader, n) : null;
        if (name is { Length: > MaxNameLength })
            return $"The name has more than {MaxNameLength} characters.";
        var tags = new List<string>();
        if (columns.Tags is { } t && Field(reader, t) is { } tagText)
        {
            foreach (var raw in tagText.Split([';', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var tag = Tags.Normalize(raw);
                if (!Tags.IsValid(tag))
                    return $"The tag '{TextCut.Quote(raw, 60)}' is not valid: letters, digits, '_', '.', '-', at most 50 characters, starting with a letter or digit.";
                if (!tags.Contains(tag))
                    tags.Add(tag);
            }
            if (tags.Count > Tags.MaxPerContact)
                return $"At most {Tags.MaxPerContact} tags per contact.";
        }
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var column in columns.Attributes)
        {
            if (Field(reader, column.Index) is not { } value)
                continue;
            if (value.Length > MaxAttributeValueLength)
                return $"The value of '{column.Key}' has more than {MaxAttributeValueLength} characters.";
            attributes[column.Key] = value;
        }
        row = new ImportRow(rowNumber, number, name, attributes, tags, userId);
        return null;
    }

    /// <summary>A trimmed field, null when empty or missing (an empty cell never clears what a contact has).</summary>
    private static string? Field(CsvReader reader, int index) =>
        index < reader.FieldCount && reader.GetString(index)?.Trim() is { Length: > 0 } value ? value : null;

    private async Task AddErrorsAsync(ContactImportEntity job, List<RowRejection> rejections, CancellationToken cancellationToken)
    {
        // Keys are the row numbers, so a retried chunk overwrites its own reports instead of adding more.
        var entities = rejections.Select(r => new ImportErrorEntity
        {
            PartitionKey = job.PartitionKey,
            RowKey = ImportErrorEntity.RowKeyFor(job.Id, r.Row),
            Row = r.Row,
            Reason = TextCut.Cut(r.Reason, 1000),
        });
        foreach (var batch in entities.Chunk(ContactStore.MaxTransactionActions))
            await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Information, "Import {TenantId}/{ImportId}: chunk of {Rows} rows applied, {Total} read, {State}")]
    private static partial void LogChunk(ILogger logger, string tenantId, string importId, int rows, long total, string state);

    [LoggerMessage(LogLevel.Warning, "Import {TenantId}/{ImportId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string tenantId, string importId, string reason);
}
