using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Idempotency;

/// <summary>
/// One Idempotency-Key of one tenant. Table "idempotencykeys", PartitionKey = tenant id, RowKey = the escaped key.
/// Inserted (pending) before the request acts, so of two requests with the same key only one can insert and act;
/// the answer is recorded on the same row afterwards, under its ETag.
/// </summary>
public sealed class IdempotencyEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>SHA-256 of method, path and body: a retry must be the same request.</summary>
    public string Fingerprint { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public bool Completed { get; set; }
    public int Status { get; set; }
    public string? ContentType { get; set; }
    public string? Location { get; set; }
    /// <summary>The answer's body; null when it was over <see cref="IdempotencyStore.MaxBodyBytes"/> (replayed empty).</summary>
    public byte[]? Body { get; set; }
}

public enum ReservationOutcome
{
    /// <summary>This request holds the key: act, then <see cref="IdempotencyStore.CompleteAsync"/>.</summary>
    Reserved,
    /// <summary>The same request was answered before: replay <see cref="Reservation.Record"/>.</summary>
    Replay,
    /// <summary>The key was used for another request.</summary>
    Mismatch,
    /// <summary>The same request is being handled right now.</summary>
    InProgress,
}

public sealed record Reservation(ReservationOutcome Outcome, IdempotencyEntity Record);

public sealed class IdempotencyStore(StorageAccount storage, TimeProvider clock)
{
    /// <summary>How long a key's answer is kept: a retry after that is a new request.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>
    /// A pending key whose request never recorded its answer (the worker died while acting) is taken over after this;
    /// before, a retry is told to wait.
    /// </summary>
    public static readonly TimeSpan PendingLease = TimeSpan.FromMinutes(5);

    /// <summary>Table Storage holds at most 64 KiB in one binary property.</summary>
    public const int MaxBodyBytes = 60 * 1024;

    private TableClient Table => storage.Table(TableNames.IdempotencyKeys);

    public async Task<Reservation> ReserveAsync(string tenantId, string key, string fingerprint, CancellationToken cancellationToken)
    {
        var rowKey = TableKey.Escape(key);
        for (var attempt = 0; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var fresh = new IdempotencyEntity { PartitionKey = tenantId, RowKey = rowKey, Fingerprint = fingerprint, CreatedAt = now };
            try
            {
                var added = await Table.AddEntityAsync(fresh, cancellationToken).ConfigureAwait(false);
                fresh.ETag = added.Headers.ETag ?? default;
                return new Reservation(ReservationOutcome.Reserved, fresh);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }

            var existing = await Table.GetEntityIfExistsAsync<IdempotencyEntity>(tenantId, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!existing.HasValue || existing.Value is not { } record)
                continue; // deleted in between: insert again
            var expired = now - record.CreatedAt > Retention;
            var abandoned = !record.Completed && now - record.CreatedAt > PendingLease;
            if (!expired && !abandoned)
            {
                if (record.Fingerprint != fingerprint)
                    return new Reservation(ReservationOutcome.Mismatch, record);
                return new Reservation(record.Completed ? ReservationOutcome.Replay : ReservationOutcome.InProgress, record);
            }
            if (attempt >= 3)
                return new Reservation(ReservationOutcome.InProgress, record);
            // Take the row over under its ETag: of two requests doing this at once, one wins and the other reads again.
            try
            {
                var replaced = await Table.UpdateEntityAsync(fresh, record.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                fresh.ETag = replaced.Headers.ETag ?? default;
                return new Reservation(ReservationOutcome.Reserved, fresh);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
            }
        }
    }

    /// <summary>Records the answer on the reserved row (its ETag: the row is still this request's).</summary>
    public async Task CompleteAsync(IdempotencyEntity reserved, int status, string? contentType, string? location, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reserved);
        ArgumentNullException.ThrowIfNull(body);
        reserved.Completed = true;
        reserved.Status = status;
        reserved.ContentType = contentType;
        reserved.Location = location;
        reserved.Body = body.Length <= MaxBodyBytes ? body : null;
        await Table.UpdateEntityAsync(reserved, reserved.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The request failed on our side before it answered: a retry with the key may act.</summary>
    public async Task ReleaseAsync(IdempotencyEntity reserved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reserved);
        try
        {
            await Table.DeleteEntityAsync(reserved.PartitionKey, reserved.RowKey, reserved.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
        }
    }
}
