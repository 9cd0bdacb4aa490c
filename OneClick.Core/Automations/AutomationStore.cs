using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using OneClick.Core.Storage;

namespace OneClick.Core.Automations;

/// <summary>Rules in table "automations"; their webhook signing secrets in the secret store (<see cref="AutomationSecrets"/>).</summary>
public sealed class AutomationStore(StorageAccount storage, AutomationSecrets secrets, TimeProvider clock)
{
    private TableClient Table => storage.Table(TableNames.Automations);

    public async Task<AutomationRuleEntity> CreateAsync(string tenantId, AutomationRuleRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = AutomationValidation.NewId();
        request = request with { Actions = await secrets.StoreAsync(tenantId, id, request.Actions!, cancellationToken).ConfigureAwait(false) };
        var now = clock.GetUtcNow();
        var rule = new AutomationRuleEntity
        {
            PartitionKey = tenantId,
            RowKey = AutomationRuleEntity.RowKeyFor(id),
            CreatedAt = now,
        };
        Apply(rule, request, now);
        await Table.AddEntityAsync(rule, cancellationToken).ConfigureAwait(false);
        return rule;
    }

    public async Task<AutomationRuleEntity?> ReplaceAsync(string tenantId, string id, AutomationRuleRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await GetAsync(tenantId, id, cancellationToken).ConfigureAwait(false) is null)
            return null; // no secrets written for a rule that does not exist
        request = request with { Actions = await secrets.StoreAsync(tenantId, id, request.Actions!, cancellationToken).ConfigureAwait(false) };
        return await Table.UpdateWithRetryAsync<AutomationRuleEntity>(tenantId, AutomationRuleEntity.RowKeyFor(id), rule =>
        {
            Apply(rule, request, clock.GetUtcNow());
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<AutomationRuleEntity?> SetEnabledAsync(string tenantId, string id, bool enabled, CancellationToken cancellationToken) =>
        Table.UpdateWithRetryAsync<AutomationRuleEntity>(tenantId, AutomationRuleEntity.RowKeyFor(id), rule =>
        {
            if (rule.Enabled == enabled)
                return false;
            rule.Enabled = enabled;
            rule.UpdatedAt = clock.GetUtcNow();
            return true;
        }, cancellationToken);

    public Task<AutomationRuleEntity?> GetAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        Table.FindAsync<AutomationRuleEntity>(tenantId, AutomationRuleEntity.RowKeyFor(id), cancellationToken);

    /// <returns>False when there was no such rule.</returns>
    public async Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        // The SDK answers a missing entity with a 404 response rather than an exception.
        var response = await Table.DeleteEntityAsync(tenantId, AutomationRuleEntity.RowKeyFor(id), ETag.All, cancellationToken).ConfigureAwait(false);
        return response.Status != 404;
    }

    public Task<ResultPage<AutomationRuleEntity>> PageAsync(string tenantId, string? continuationToken, int pageSize, CancellationToken cancellationToken) =>
        Paging.ReadPageAsync(
            Table.QueryAsync<AutomationRuleEntity>(RowRanges.StartsWith(tenantId, AutomationRuleEntity.RowPrefix), pageSize, cancellationToken: cancellationToken),
            continuationToken, pageSize, r => r);

    /// <summary>Every rule of a tenant (rules are few; evaluated for each event).</summary>
    public async Task<IReadOnlyList<AutomationRuleEntity>> AllAsync(string tenantId, CancellationToken cancellationToken)
    {
        var all = new List<AutomationRuleEntity>();
        await foreach (var rule in Table.QueryAsync<AutomationRuleEntity>(RowRanges.StartsWith(tenantId, AutomationRuleEntity.RowPrefix), cancellationToken: cancellationToken).ConfigureAwait(false))
            all.Add(rule);
        return all;
    }

    private static void Apply(AutomationRuleEntity rule, AutomationRuleRequest request, DateTimeOffset now)
    {
        rule.Name = request.Name!.Trim();
        rule.Enabled = request.Enabled ?? true;
        rule.TriggerJson = JsonSerializer.Serialize(request.Trigger, AutomationJson.Options);
        rule.ActionsJson = JsonSerializer.Serialize(request.Actions, AutomationJson.Options);
        rule.UpdatedAt = now;
    }
}
