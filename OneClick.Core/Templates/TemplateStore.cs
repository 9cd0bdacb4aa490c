using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Templates;

/// <summary>Filters for a page of templates; null means any.</summary>
public sealed record TemplateFilter(string? Status = null, string? Category = null, string? NamePrefix = null, string? Language = null);

/// <summary>The tenant's synced templates: table "templates", one partition per tenant.</summary>
public sealed class TemplateStore(StorageAccount storage)
{
    private TableClient Table => storage.Table(TableNames.Templates);

    public Task<TemplateEntity?> GetAsync(string tenantId, string name, string language, CancellationToken cancellationToken) =>
        Table.FindAsync<TemplateEntity>(tenantId, TemplateEntity.RowKeyFor(name, language), cancellationToken);

    /// <summary>Every language of one template name.</summary>
    public Task<List<TemplateEntity>> ByNameAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        QueryAllAsync(Table.QueryAsync<TemplateEntity>(RowRanges.StartsWith(tenantId, name + "|"), cancellationToken: cancellationToken));

    public Task<List<TemplateEntity>> AllAsync(string tenantId, CancellationToken cancellationToken) =>
        QueryAllAsync(Table.QueryAsync<TemplateEntity>(t => t.PartitionKey == tenantId, cancellationToken: cancellationToken));

    public async Task<TemplateEntity?> FindByMetaIdAsync(string tenantId, string metaId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and MetaId eq {metaId}");
        await foreach (var template in Table.QueryAsync<TemplateEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            return template;
        return null;
    }

    public Task<ResultPage<TemplateEntity>> PageAsync(
        string tenantId, TemplateFilter filter, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = filter.NamePrefix is { Length: > 0 } prefix
            ? RowRanges.StartsWith(tenantId, prefix)
            : TableClient.CreateQueryFilter($"PartitionKey eq {tenantId}");
        if (filter.Status is not null)
            query += " and " + TableClient.CreateQueryFilter($"Status eq {filter.Status}");
        if (filter.Category is not null)
            query += " and " + TableClient.CreateQueryFilter($"Category eq {filter.Category}");
        if (filter.Language is not null)
            query += " and " + TableClient.CreateQueryFilter($"Language eq {filter.Language}");
        return Paging.ReadPageAsync(Table.QueryAsync<TemplateEntity>(query, cancellationToken: cancellationToken), continuationToken, pageSize, t => t);
    }

    /// <summary>Adds a new row; false when one with that name and language exists.</summary>
    public async Task<bool> TryAddAsync(TemplateEntity template, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(template, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (TableErrors.IsConflict(e))
        {
            return false;
        }
    }

    public Task UpsertAsync(TemplateEntity template, CancellationToken cancellationToken) =>
        Table.UpsertEntityAsync(template, TableUpdateMode.Replace, cancellationToken);

    public Task<TemplateEntity?> UpdateAsync(string tenantId, string rowKey, Func<TemplateEntity, bool> change, CancellationToken cancellationToken) =>
        Table.UpdateWithRetryAsync(tenantId, rowKey, change, cancellationToken);

    public async Task DeleteAsync(string tenantId, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(tenantId, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (TableErrors.IsNotFound(e))
        {
            // Already gone.
        }
    }

    private static async Task<List<TemplateEntity>> QueryAllAsync(AsyncPageable<TemplateEntity> query)
    {
        var all = new List<TemplateEntity>();
        await foreach (var template in query.ConfigureAwait(false))
            all.Add(template);
        return all;
    }
}
