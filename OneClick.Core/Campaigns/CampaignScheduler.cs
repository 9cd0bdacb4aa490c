using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneClick.Core.Scheduling;
using OneClick.Core.Storage;

namespace OneClick.Core.Campaigns;

/// <summary>
/// Starts campaign occurrences from due-schedule rows. The timer claims each row by ETag before calling this,
/// so overlapping runs cannot both start it; the occurrence row (keyed by its due time) is added once, so a
/// run that died half-way and is retaken finds it and only finishes what is missing. The next occurrence's row
/// is written before this one's is removed, so a recurring campaign is never left without its next run.
/// </summary>
public sealed partial class CampaignScheduler(
    CampaignStore campaigns,
    DueScheduleStore schedules,
    QueuePublisher queue,
    CampaignEvents events,
    IOptions<CampaignOptions> options,
    TimeProvider clock,
    ILogger<CampaignScheduler> logger) : IDueScheduleHandler
{
    public bool Takes(DueScheduleEntity row) => row?.CampaignId is not null;

    public static string OccurrenceId(DateTimeOffset dueAt) => TableKey.Sortable(dueAt);

    public async Task<bool> HandleAsync(DueScheduleEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var campaign = await campaigns.GetAsync(row.TenantId, row.CampaignId!, cancellationToken).ConfigureAwait(false);
        if (campaign is null || CampaignStatus.IsFinal(campaign.Status) || campaign.Status == CampaignStatus.Draft)
            return false;
        var now = clock.GetUtcNow();
        var occurrence = OccurrenceId(row.DueAt);
        var late = now - row.DueAt > options.Value.MaxLateness;
        var schedule = CampaignSchedule.Load(campaign.ScheduleJson);
        var next = schedule.IsRecurring ? schedule.NextAfter(campaign.LaunchedAt ?? row.DueAt, row.DueAt) : null;

        await campaigns.TryAddOccurrenceAsync(new CampaignOccurrenceEntity
        {
            PartitionKey = row.TenantId,
            RowKey = CampaignOccurrenceEntity.RowKeyFor(campaign.Id, occurrence),
            CampaignId = campaign.Id,
            Occurrence = occurrence,
            Status = late ? OccurrenceStatus.Missed : OccurrenceStatus.Running,
            DueAt = row.DueAt,
            StartedAt = now,
        }, cancellationToken).ConfigureAwait(false);
        if (next is not null)
            await schedules.AddAsync(next.Value, row.TenantId, "", row.CorrelationId, cancellationToken, campaign.Id).ConfigureAwait(false);

        await campaigns.UpdateAsync(row.TenantId, campaign.Id, c =>
        {
            if (CampaignStatus.IsFinal(c.Status))
                return false;
            c.NextDueAt = next;
            c.UpdatedAt = now;
            if (late)
            {
                c.StatusReason = $"The occurrence due {row.DueAt:O} was found {(now - row.DueAt).TotalMinutes:0} minutes late and recorded as missed.";
                if (next is null && c.Status == CampaignStatus.Scheduled)
                    c.Status = CampaignStatus.Completed;
                return true;
            }
            c.LatestOccurrence = occurrence;
            c.StatusReason = null;
            if (c.Status == CampaignStatus.Scheduled)
                c.Status = CampaignStatus.Running;
            return true;
        }, cancellationToken).ConfigureAwait(false);

        if (late)
        {
            LogMissed(logger, campaign.Id, row.DueAt, now);
            return false;
        }
        await events.StartedAsync(row.TenantId, campaign.Id, occurrence, cancellationToken).ConfigureAwait(false);
        await queue.SendAsync(QueueNames.CampaignDispatch, new DispatchCampaignCommand(DispatchCampaignCommand.CurrentVersion,
            row.TenantId, campaign.Id, occurrence, 0, null, row.CorrelationId), cancellationToken: cancellationToken).ConfigureAwait(false);
        LogStarted(logger, campaign.Id, occurrence);
        return true;
    }

    /// <summary>Launch "now": the row is written first (so the timer would find it), then taken here at once.</summary>
    public async Task StartNowAsync(string tenantId, string campaignId, DateTimeOffset dueAt, string correlationId, CancellationToken cancellationToken)
    {
        var row = await schedules.AddAsync(dueAt, tenantId, "", correlationId, cancellationToken, campaignId).ConfigureAwait(false);
        if (!await schedules.TryClaimAsync(row, clock.GetUtcNow() + DueScheduleDispatcher.ClaimFor, cancellationToken).ConfigureAwait(false))
            return;
        await HandleAsync(row, cancellationToken).ConfigureAwait(false);
        await schedules.RemoveAsync(row, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Information, "Campaign {CampaignId}: occurrence {Occurrence} started")]
    private static partial void LogStarted(ILogger logger, string campaignId, string occurrence);

    [LoggerMessage(LogLevel.Warning, "Campaign {CampaignId}: occurrence due {DueAt} found at {Now}, later than the maximum lateness; recorded as missed")]
    private static partial void LogMissed(ILogger logger, string campaignId, DateTimeOffset dueAt, DateTimeOffset now);
}
