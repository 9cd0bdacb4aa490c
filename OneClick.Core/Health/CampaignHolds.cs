using Microsoft.Extensions.Logging;
using OneClick.Core.Campaigns;
using OneClick.Core.Tenants;

namespace OneClick.Core.Health;

/// <summary>
/// Pauses campaigns for the account's health and resumes them when it recovers. A campaign paused for an account hold
/// (a restriction or ban from account_update) resumes by itself when Meta lifts it; one paused for an account-level
/// send error (131048, 368, 131031, 131042, 131037) has no lift event, so it waits for POST /api/campaigns/{id}/resume.
/// A campaign paused through the API is never resumed here.
/// </summary>
public sealed partial class CampaignHolds(
    CampaignStore campaigns, CampaignService service, TenantStore tenants, TimeProvider clock, ILogger<CampaignHolds> logger)
{
    /// <summary><see cref="CampaignEntity.PausedFor"/>: a restriction or ban; resumed on the lift.</summary>
    public const string AccountHold = "account_hold";
    /// <summary><see cref="CampaignEntity.PausedFor"/>: an account-level error from a send; resumed by hand.</summary>
    public const string AccountError = "account_error";

    /// <summary>Pauses a running (or scheduled) campaign with the reason; false when it was not running.</summary>
    public async Task<bool> PauseAsync(string tenantId, string campaignId, string pausedFor, string reason, CancellationToken cancellationToken)
    {
        var paused = false;
        await campaigns.UpdateAsync(tenantId, campaignId, c =>
        {
            paused = c.Status is CampaignStatus.Running or CampaignStatus.Scheduled;
            if (paused)
                (c.Status, c.PausedFor, c.StatusReason, c.UpdatedAt) = (CampaignStatus.Paused, pausedFor, reason, clock.GetUtcNow());
            return paused;
        }, cancellationToken).ConfigureAwait(false);
        if (paused)
            LogPaused(logger, tenantId, campaignId, reason);
        return paused;
    }

    /// <summary>
    /// Brings every campaign of the tenant in line with its health as stored now: running ones that may not send are
    /// paused with the reason, ones paused for a hold that is gone are resumed. Idempotent, and order-safe because
    /// it reads the state the event handler kept (the newest event wins there).
    /// </summary>
    public async Task ReconcileAsync(string tenantId, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(tenantId, cancellationToken).ConfigureAwait(false);
        if (tenant is null)
            return;
        var now = clock.GetUtcNow();
        string? token = null;
        do
        {
            var page = await campaigns.ListAsync(tenantId, token, 100, cancellationToken).ConfigureAwait(false);
            foreach (var campaign in page.Items)
            {
                var hold = AccountHealth.Hold(tenant, !campaign.IsFreeForm, now);
                if (hold is not null && campaign.Status == CampaignStatus.Running)
                    await PauseAsync(tenantId, campaign.Id, AccountHold, hold.Detail, cancellationToken).ConfigureAwait(false);
                else if (hold is not null && campaign.Status == CampaignStatus.Paused && campaign.PausedFor == AccountHold && campaign.StatusReason != hold.Detail)
                    await campaigns.UpdateAsync(tenantId, campaign.Id, c => c.PausedFor == AccountHold && (c.StatusReason = hold.Detail) is not null, cancellationToken).ConfigureAwait(false);
                else if (hold is null && campaign.Status == CampaignStatus.Paused && campaign.PausedFor == AccountHold)
                {
                    var resumed = await service.ResumeAsync(tenantId, campaign.Id, cancellationToken).ConfigureAwait(false);
                    LogResumed(logger, tenantId, campaign.Id, resumed.Value?.Count ?? 0);
                }
            }
            token = page.ContinuationToken;
        }
        while (token is not null);
    }

    /// <summary>
    /// A batch found the account held: pauses the campaign, then looks once more in case the lift was applied meanwhile
    /// (its reconcile may have run before this pause), so a campaign is never left paused after the lift.
    /// </summary>
    public async Task HoldAsync(string tenantId, string campaignId, string reason, CancellationToken cancellationToken)
    {
        if (!await PauseAsync(tenantId, campaignId, AccountHold, reason, cancellationToken).ConfigureAwait(false))
            return;
        var tenant = await tenants.GetAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var campaign = await campaigns.GetAsync(tenantId, campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is not null && AccountHealth.Hold(tenant, !campaign.IsFreeForm, clock.GetUtcNow()) is null)
            await service.ResumeAsync(tenantId, campaignId, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Warning, "Campaign {TenantId}/{CampaignId} paused: {Reason}")]
    private static partial void LogPaused(ILogger logger, string tenantId, string campaignId, string reason);

    [LoggerMessage(LogLevel.Information, "Campaign {TenantId}/{CampaignId} resumed after Meta lifted the account hold ({Requeued} recipients queued again)")]
    private static partial void LogResumed(ILogger logger, string tenantId, string campaignId, int requeued);
}
