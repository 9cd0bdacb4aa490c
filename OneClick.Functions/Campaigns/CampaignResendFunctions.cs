using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Campaigns;
using OneClick.Core.Messages;
using OneClick.Core.Results;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Campaigns;

/// <summary>A campaign after its unknown recipients were resent: how many, and what that risks.</summary>
public sealed record ResendUnknownView(CampaignView Campaign, int Resent, string DuplicateRisk);

/// <summary>
/// POST /api/campaigns/{id}/resend-unknown[?occurrence=…]: the explicit way out of "unknown" for a campaign's
/// recipients (see <see cref="CampaignUnknownResender"/>). Idempotent: a repeated request finds none left to resend.
/// </summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class CampaignResendFunctions(CampaignUnknownResender resender, CampaignStore campaigns, CampaignRecipientStore recipients)
{
    [Function("ResendUnknownCampaignRecipients")]
    [OpenApi.Refuses(FailureKind.Conflict)]
    public async Task<IResult> ResendUnknown(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "campaigns/{campaignId}/resend-unknown")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var occurrence = request.QueryText("occurrence");
        if (!CampaignStore.IsValidId(campaignId))
            return Problem.Validation("campaignId", "Not a campaign id.");
        if (occurrence is not null && !(occurrence.Length == 19 && occurrence.All(char.IsAsciiDigit)))
            return Problem.Validation("occurrence", "Not an occurrence id (see GET …/occurrences).");
        var tenantId = request.HttpContext.User.TenantId()!;
        var result = await resender.ResendAsync(tenantId, campaignId, occurrence, cancellationToken);
        if (result.Failure is { } refused)
            return Problem.From(refused);
        var (campaign, count) = result.Value!;
        var shown = occurrence ?? campaign.LatestOccurrence;
        var stats = shown is null ? null : await CampaignStatsReader.ReadAsync(campaigns, recipients, campaign, shown, cancellationToken);
        return TypedResults.Ok(new ResendUnknownView(CampaignView.From(campaign, stats), count, UnknownResend.DuplicateRisk));
    }
}

/// <summary>An occurrence's stats: the counters, and when its unknown recipients (if any) first became unknown.</summary>
public static class CampaignStatsReader
{
    public static async Task<CampaignStatsView> ReadAsync(
        CampaignStore campaigns, CampaignRecipientStore recipients, CampaignEntity campaign, string occurrence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaigns);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(campaign);
        var counts = await recipients.ReadCountsAsync(CampaignRecipientEntity.PartitionFor(campaign.TenantId, campaign.Id, occurrence), cancellationToken);
        // Read only when there is something unknown: the usual view costs no extra request.
        var unknownSince = counts[MessageStatus.Unknown] > 0
            ? (await campaigns.GetOccurrenceAsync(campaign.TenantId, campaign.Id, occurrence, cancellationToken))?.UnknownSince
            : null;
        return CampaignStatsView.From(occurrence, counts, unknownSince);
    }
}
