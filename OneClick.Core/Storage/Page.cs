using Azure;
using Azure.Data.Tables;

namespace OneClick.Core.Storage;

/// <summary>One page of a list; pass <see cref="ContinuationToken"/> back to get the next (null at the end).</summary>
public sealed record ResultPage<T>(IReadOnlyList<T> Items, string? ContinuationToken);

public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    /// <summary>Reads one server page of a table query.</summary>
    public static async Task<ResultPage<TOut>> ReadPageAsync<TEntity, TOut>(
        AsyncPageable<TEntity> query, string? continuationToken, int pageSize, Func<TEntity, TOut> map)
        where TEntity : notnull
    {
        await foreach (var page in query.AsPages(continuationToken, pageSize).ConfigureAwait(false))
            return new ResultPage<TOut>(page.Values.Select(map).ToList(), page.ContinuationToken);
        return new ResultPage<TOut>([], null);
    }

    public static int Clamp(int? pageSize) => Math.Clamp(pageSize ?? DefaultPageSize, 1, MaxPageSize);

    /// <summary>A continuation token from a client is opaque to it but must still be a valid one.</summary>
    public static bool LooksValid(string? token) => token is null || (token.Length <= 2048 && !token.Any(char.IsControl));
}

public static class TableErrors
{
    public static bool IsNotFound(RequestFailedException e) => e.Status == 404;
    public static bool IsConflict(RequestFailedException e) => e.Status == 409;
    public static bool IsPreconditionFailed(RequestFailedException e) => e.Status == 412;
}

public static class TableClientExtensions
{
    /// <summary>
    /// Reads, changes and writes back an entity with optimistic concurrency, reading again and reapplying the
    /// change whenever a concurrent writer got there first. <paramref name="change"/> returns false to leave
    /// the entity as it is. Returns the entity as last read or written, or null when it does not exist.
    /// </summary>
    public static async Task<T?> UpdateWithRetryAsync<T>(
        this TableClient table, string partitionKey, string rowKey, Func<T, bool> change, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        ArgumentNullException.ThrowIfNull(change);
        while (true)
        {
            var entity = await table.FindAsync<T>(partitionKey, rowKey, cancellationToken).ConfigureAwait(false);
            if (entity is null || !change(entity))
                return entity;
            try
            {
                var response = await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                entity.ETag = response.Headers.ETag ?? entity.ETag;
                return entity;
            }
            catch (RequestFailedException e) when (TableErrors.IsPreconditionFailed(e))
            {
                // Changed under us: read again and reapply.
            }
        }
    }

    /// <summary>Point read that returns null instead of throwing when the entity is absent.</summary>
    public static async Task<T?> FindAsync<T>(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var response = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }
}
