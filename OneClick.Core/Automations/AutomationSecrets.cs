using Microsoft.Extensions.Caching.Memory;
using OneClick.Core.Secrets;

namespace OneClick.Core.Automations;

/// <summary>
/// The signing secrets of webhook actions live in the secret store (Key Vault in Azure), never in table rows: the
/// rule row and every run row keep the action without its secret, which is found by tenant, rule and action index.
/// Saving a rule writes its secrets first, so a stored rule never points at a secret that is not there yet.
/// </summary>
public sealed class AutomationSecrets(ISecretStore store, IMemoryCache cache)
{
    /// <summary>A replaced secret signs on every instance within this time.</summary>
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);

    /// <summary>Stores the actions' secrets and returns the actions as the rule row keeps them: without secrets.</summary>
    public async Task<List<AutomationAction>> StoreAsync(string tenantId, string ruleId, IReadOnlyList<AutomationAction> actions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var kept = new List<AutomationAction>(actions.Count);
        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i].Secret is { } secret)
            {
                await store.SetAsync(Name(tenantId, ruleId, i), secret, cancellationToken).ConfigureAwait(false);
                cache.Remove(Name(tenantId, ruleId, i));
            }
            kept.Add(actions[i] with { Secret = null });
        }
        return kept;
    }

    /// <returns>The secret of the rule's action at <paramref name="index"/>, or null when there is none.</returns>
    public async Task<string?> GetAsync(string tenantId, string ruleId, int index, CancellationToken cancellationToken)
    {
        var name = Name(tenantId, ruleId, index);
        if (cache.TryGetValue(name, out string? cached))
            return cached;
        var secret = await store.GetAsync(name, cancellationToken).ConfigureAwait(false);
        if (secret is not null)
            cache.Set(name, secret, CacheFor);
        return secret;
    }

    // Key Vault secret names allow letters, digits and '-': tenant ids are validated to fit, rule ids are hex.
    private static string Name(string tenantId, string ruleId, int index) => $"tenant-{tenantId}-automation-{ruleId}-{index}";
}
