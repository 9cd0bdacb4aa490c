using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns;

public sealed class CampaignStore(StorageAccount storage)
{
    private TableClient Table => storage.Table(TableNames.Campaigns);

    public static string NewId() => "k" + Guid.CreateVersion7().ToString("N")[..24];

    public static bool IsValidId(string? id) => id is { Length: > 1 and <= 64 } && id[0] == 'k' && id.Skip(1).All(char.IsAsciiLetterOrDigit);

    public Task AddAsync(CampaignEntity campaign, CancellationToken cancellationToken) => Table.AddEntityAsync(campaign, cancellationToken);

    public Task<CampaignEntity?> GetAsync(string tenantId, string campaignId, CancellationToken cancellationToken) =>
        Table.FindAsync<CampaignEntity>(tenantId, CampaignEntity.RowKeyFor(campaignId), cancellationToken);

    public Task<CampaignEntity?> UpdateAsync(string tenantId, string campaignId, Func<CampaignEntity, bool> change, CancellationToken cancellationToken) =>
        Table.UpdateWithRetryAsync(tenantId, CampaignEntity.RowKeyFor(campaignId), change, cancellationToken);

    public Task<ResultPage<CampaignEntity>> ListAsync(string tenantId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(Table.QueryAsync<CampaignEntity>(RowRanges.StartsWith(tenantId, CampaignEntity.RowPrefix), pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, c => c);

    /// <summary>Records an occurrence; false when it was already recorded (a retried timer claim).</summary>
    public async Task<bool> TryAddOccurrenceAsync(CampaignOccurrenceEntity occurrence, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(occurrence, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (TableErrors.IsConflict(e))
        {
            return false;
        }
    }

    public Task<CampaignOccurrenceEntity?> GetOccurrenceAsync(string tenantId, string campaignId, string occurrence, CancellationToken cancellationToken) =>
        Table.FindAsync<CampaignOccurrenceEntity>(tenantId, CampaignOccurrenceEntity.RowKeyFor(campaignId, occurrence), cancellationToken);

    public Task<CampaignOccurrenceEntity?> UpdateOccurrenceAsync(string tenantId, string campaignId, string occurrence, Func<CampaignOccurrenceEntity, bool> change, CancellationToken cancellationToken) =>
        Table.UpdateWithRetryAsync(tenantId, CampaignOccurrenceEntity.RowKeyFor(campaignId, occurrence), change, cancellationToken);

    public async Task<List<CampaignOccurrenceEntity>> OccurrencesAsync(string tenantId, string campaignId, CancellationToken cancellationToken)
    {
        var all = new List<CampaignOccurrenceEntity>();
        await foreach (var o in Table.QueryAsync<CampaignOccurrenceEntity>(RowRanges.StartsWith(tenantId, CampaignOccurrenceEntity.PrefixFor(campaignId)), cancellationToken: cancellationToken).ConfigureAwait(false))
            all.Add(o);
        return all;
    }
}
