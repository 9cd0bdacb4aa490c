using OneClick.Core.Analytics;
using OneClick.Core.Automations;

namespace OneClick.Core.Campaigns;

/// <summary>
/// What other features hear about a campaign: analytics events when an occurrence starts and finishes, and the
/// "campaign finished" automations. Each event's id is the occurrence's, so telling twice records and fires once.
/// </summary>
public sealed class CampaignEvents(AnalyticsEvents analytics, AutomationTriggers automations, TimeProvider clock)
{
    public Task StartedAsync(string tenantId, string campaignId, string occurrence, CancellationToken cancellationToken) =>
        analytics.RecordAsync(tenantId, new AnalyticsEvent($"{AnalyticsEventTypes.CampaignStarted}|{campaignId}|{occurrence}",
            AnalyticsEventTypes.CampaignStarted, clock.GetUtcNow(), CampaignId: campaignId), cancellationToken);

    public async Task FinishedAsync(string tenantId, string campaignId, string occurrence, CancellationToken cancellationToken)
    {
        await analytics.RecordAsync(tenantId, new AnalyticsEvent($"{AnalyticsEventTypes.CampaignFinished}|{campaignId}|{occurrence}",
            AnalyticsEventTypes.CampaignFinished, clock.GetUtcNow(), CampaignId: campaignId), cancellationToken).ConfigureAwait(false);
        await automations.CampaignFinishedAsync(tenantId, campaignId, occurrence, cancellationToken).ConfigureAwait(false);
    }
}
