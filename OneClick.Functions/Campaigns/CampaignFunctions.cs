using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Campaigns;
using OneClick.Core.Messages;
using OneClick.Core.Results;
using OneClick.Core.Scheduling;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Campaigns;

/// <summary>/api/campaigns and /api/schedules (pending scheduled work of messages and campaigns), for the calling tenant.</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class CampaignFunctions(
    CampaignService service, CampaignStore campaigns, CampaignRecipientStore recipients, AudiencePreview preview,
    DueScheduleStore schedules, MessageStore messages, TenantStore tenants, TimeProvider clock)
{
    public const int MaxUpcoming = 100;

    [Function("CreateCampaign")]
    [Idempotent]
    public async Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "campaigns")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<CampaignRequest>(cancellationToken);
        var http = request.HttpContext;
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var created = await service.CreateAsync(tenant, body, http.CorrelationId(), cancellationToken);
        if (created.Failure is { } refused)
            return Problem.From(refused);
        var campaign = created.Value!;
        if (body.Launch)
        {
            var launched = await service.LaunchAsync(tenant, campaign.Id, cancellationToken);
            campaign = launched.Value?.Campaign ?? await campaigns.GetAsync(tenant.Id, campaign.Id, cancellationToken) ?? campaign;
        }
        return TypedResults.Created($"/api/campaigns/{campaign.Id}", CampaignView.From(campaign, await StatsOfAsync(campaign, null, cancellationToken)));
    }

    [Function("ReplaceCampaignDraft")]
    [OpenApi.Refuses(FailureKind.Conflict)]
    public async Task<IResult> ReplaceDraft(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "campaigns/{campaignId}")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<CampaignRequest>(cancellationToken);
        var http = request.HttpContext;
        if (await FindAsync(http, campaignId, cancellationToken) is null)
            return NotFoundOrInvalid(campaignId);
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var replaced = await service.ReplaceDraftAsync(tenant, campaignId, body, cancellationToken);
        if (replaced.Failure is { } refused)
            return Problem.From(refused);
        var campaign = replaced.Value!;
        if (body.Launch)
            campaign = (await service.LaunchAsync(tenant, campaign.Id, cancellationToken)).Value?.Campaign ?? campaign;
        return TypedResults.Ok(CampaignView.From(campaign, await StatsOfAsync(campaign, null, cancellationToken)));
    }

    [Function("ListCampaigns")]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "campaigns")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenantId = request.HttpContext.User.TenantId()!;
        return ListParameters.PageAsync(request, (storageToken, size) => campaigns.ListAsync(tenantId, storageToken, size, cancellationToken), c => CampaignView.From(c));
    }

    [Function("GetCampaign")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "campaigns/{campaignId}")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await FindAsync(request.HttpContext, campaignId, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        return TypedResults.Ok(CampaignView.From(campaign, await StatsOfAsync(campaign, null, cancellationToken)));
    }

    [Function("GetCampaignStats")]
    public async Task<IResult> Stats(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "campaigns/{campaignId}/stats")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var occurrence = request.QueryText("occurrence");
        if (await FindAsync(request.HttpContext, campaignId, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        if (occurrence is not null && !IsOccurrence(occurrence))
            return Problem.Validation("occurrence", "Not an occurrence id (see GET …/occurrences).");
        return TypedResults.Ok(await StatsOfAsync(campaign, occurrence, cancellationToken) ?? CampaignStatsView.From(null, new CampaignCounts()));
    }

    [Function("ListCampaignRecipients")]
    public async Task<IResult> Recipients(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "campaigns/{campaignId}/recipients")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (status, occurrence) = (request.QueryText("status"), request.QueryText("occurrence"));
        var (pageSize, continuationToken) = (request.QueryInt(ListParameters.PageSize), request.QueryText(ListParameters.ContinuationToken));
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        if (status is not null && !CampaignService.RecipientStatuses.Contains(status))
            return Problem.Validation("status", $"One of: {string.Join(", ", CampaignService.RecipientStatuses)}.");
        if (occurrence is not null && !IsOccurrence(occurrence))
            return Problem.Validation("occurrence", "Not an occurrence id (see GET …/occurrences).");
        if (await FindAsync(request.HttpContext, campaignId, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        occurrence ??= campaign.LatestOccurrence;
        if (occurrence is null)
            return TypedResults.Ok(new ResultPage<RecipientView>([], null));
        var partition = CampaignRecipientEntity.PartitionFor(campaign.TenantId, campaign.Id, occurrence);
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => recipients.PageAsync(partition, status, storageToken, size, cancellationToken), RecipientView.From);
    }

    /// <summary>CSV of every recipient, written page by page as it is read (never the whole audience in memory).</summary>
    [Function("ExportCampaignRecipients")]
    [OpenApi.ResponseContent("text/csv", "The recipients as CSV (UTF-8, a header row, one recipient a line).")]
    public async Task<IResult> Export(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "campaigns/{campaignId}/export")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (status, occurrence) = (request.QueryText("status"), request.QueryText("occurrence"));
        if (status is not null && !CampaignService.RecipientStatuses.Contains(status))
            return Problem.Validation("status", $"One of: {string.Join(", ", CampaignService.RecipientStatuses)}.");
        if (occurrence is not null && !IsOccurrence(occurrence))
            return Problem.Validation("occurrence", "Not an occurrence id (see GET …/occurrences).");
        if (await FindAsync(request.HttpContext, campaignId, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        occurrence ??= campaign.LatestOccurrence;
        return Results.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(false));
            await writer.WriteLineAsync("recipient,contact_id,to,recipient_type,status,meta_message_id,error_code,error_title,skip_reason,attempts,updated_at,replied_at");
            if (occurrence is null)
                return;
            await foreach (var page in recipients.PagesAsync(CampaignRecipientEntity.PartitionFor(campaign.TenantId, campaign.Id, occurrence), status, cancellationToken))
            {
                foreach (var r in page)
                {
                    await writer.WriteLineAsync(string.Join(",", new[]
                    {
                        r.RowKey, r.ContactId, r.To, r.RecipientType, r.Status, r.MetaMessageId, r.ErrorCode?.ToString(CultureInfo.InvariantCulture), r.ErrorTitle, r.SkipReason,
                        r.Attempts.ToString(CultureInfo.InvariantCulture), r.UpdatedAt.ToString("O", CultureInfo.InvariantCulture), r.RepliedAt?.ToString("O", CultureInfo.InvariantCulture),
                    }.Select(Csv)));
                }
                await writer.FlushAsync(cancellationToken);
            }
        }, "text/csv; charset=utf-8", $"campaign-{campaign.Id}-{occurrence ?? "none"}.csv");
    }

    [Function("ListCampaignOccurrences")]
    public async Task<IResult> Occurrences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "campaigns/{campaignId}/occurrences")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var upcoming = request.QueryInt("upcoming");
        if (upcoming is < 0 or > MaxUpcoming)
            return Problem.Validation("upcoming", $"Between 0 and {MaxUpcoming}.");
        if (await FindAsync(request.HttpContext, campaignId, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        var past = (await campaigns.OccurrencesAsync(campaign.TenantId, campaign.Id, cancellationToken))
            .Select(o => new OccurrenceView(o.Occurrence, o.DueAt, o.Status, o.StartedAt, o.CompletedAt)).ToList();
        var schedule = CampaignSchedule.Load(campaign.ScheduleJson);
        var now = clock.GetUtcNow();
        var future = campaign.Status is CampaignStatus.Cancelled or CampaignStatus.Completed ? [] :
            schedule.Occurrences(campaign.LaunchedAt ?? now, campaign.NextDueAt is { } next ? next - TimeSpan.FromTicks(1) : campaign.LaunchedAt is null ? now : DateTimeOffset.MaxValue)
                .Take(upcoming ?? 10).Select(at => new OccurrenceView(CampaignScheduler.OccurrenceId(at), at, "upcoming", null, null)).ToList();
        return TypedResults.Ok(new OccurrencesView(schedule.Zone.Id, past, future));
    }

    [Function("PreviewNewCampaign")]
    public async Task<IResult> PreviewUnsaved(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "campaigns/preview")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<PreviewRequest>(cancellationToken);
        if (body.Audience is null || AudienceReader.Sources(body.Audience).Count == 0)
            return Problem.Validation("audience", "An audience is required: lists, tags, contacts and/or groups.");
        return TypedResults.Ok(await preview.PreviewAsync(request.HttpContext.User.TenantId()!, body.Audience, body.Message, cancellationToken));
    }

    [Function("PreviewCampaign")]
    public async Task<IResult> Preview(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "campaigns/{campaignId}/preview")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await FindAsync(request.HttpContext, campaignId, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        return TypedResults.Ok(await preview.PreviewAsync(campaign.TenantId, CampaignJson.Read<AudienceSpec>(campaign.AudienceJson), CampaignJson.Read<SendMessageRequest>(campaign.MessageJson), cancellationToken));
    }

    [Function("LaunchCampaign")]
    [Idempotent]
    public Task<IResult> Launch(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "campaigns/{campaignId}/launch")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ControlAsync(request.HttpContext, campaignId, tenant => service.LaunchAsync(tenant, campaignId, cancellationToken), cancellationToken);
    }

    [Function("PauseCampaign")]
    [Idempotent]
    public Task<IResult> Pause(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "campaigns/{campaignId}/pause")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ControlAsync(request.HttpContext, campaignId, tenant => service.PauseAsync(tenant.Id, campaignId, cancellationToken), cancellationToken);
    }

    [Function("ResumeCampaign")]
    [Idempotent]
    public Task<IResult> Resume(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "campaigns/{campaignId}/resume")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ControlAsync(request.HttpContext, campaignId, tenant => service.ResumeAsync(tenant.Id, campaignId, cancellationToken), cancellationToken);
    }

    [Function("CancelCampaign")]
    [Idempotent]
    public Task<IResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "campaigns/{campaignId}/cancel")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ControlAsync(request.HttpContext, campaignId, tenant => service.CancelAsync(tenant.Id, campaignId, cancellationToken), cancellationToken);
    }

    [Function("RetryFailedCampaignRecipients")]
    [OpenApi.Refuses(FailureKind.Conflict)]
    public Task<IResult> RetryFailed(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "campaigns/{campaignId}/retry-failed")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ControlAsync(request.HttpContext, campaignId, tenant => service.RetryFailedAsync(tenant.Id, campaignId, cancellationToken), cancellationToken);
    }

    [Function("RetargetCampaign")]
    public async Task<IResult> Retarget(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "campaigns/{campaignId}/retarget")] HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<RetargetRequest>(cancellationToken);
        if (!CampaignStore.IsValidId(campaignId))
            return NotFoundOrInvalid(campaignId);
        var http = request.HttpContext;
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var created = await service.RetargetAsync(tenant, campaignId, body, http.CorrelationId(), cancellationToken);
        return created.ToResult(campaign => TypedResults.Created($"/api/campaigns/{campaign.Id}", CampaignView.From(campaign)));
    }

    [Function("ListSchedules")]
    public Task<IResult> ListSchedules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenantId = request.HttpContext.User.TenantId()!;
        return ListParameters.PageAsync(request, (storageToken, size) => schedules.PendingForTenantAsync(tenantId, storageToken, size, cancellationToken),
            row => new ScheduleView(ScheduleId(row), row.CampaignId is null ? "message" : "campaign", row.CampaignId, row.CampaignId is null ? row.MessageId : null, row.DueAt));
    }

    [Function("CancelSchedule")]
    public async Task<IResult> CancelSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "schedules/{scheduleId}")] HttpRequest request, string scheduleId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(scheduleId);
        var tenantId = request.HttpContext.User.TenantId()!;
        var parts = scheduleId.Split('_', 2);
        if (parts.Length != 2 || parts[0].Length != 19 || !parts[0].All(char.IsAsciiDigit) || !(MessageStore.IsValidId(parts[1]) || CampaignStore.IsValidId(parts[1])))
            return Problem.Validation("scheduleId", "Not a schedule id (see GET /api/schedules).");
        var row = await schedules.FindAsync(tenantId, $"{parts[0]}|{tenantId}|{parts[1]}", cancellationToken);
        if (row is null || row.TenantId != tenantId)
            return Problem.NotFound("pending schedule");
        if (row.CampaignId is not null)
        {
            // A campaign gone since the row was written leaves only the row to remove.
            var result = await service.CancelAsync(tenantId, row.CampaignId, cancellationToken);
            if (result.Failure is { Kind: not FailureKind.NotFound } refused)
                return Problem.From(refused);
        }
        else
        {
            var message = await messages.UpdateAsync(tenantId, row.MessageId, m => m.MoveTo(MessageStatus.Cancelled, clock.GetUtcNow(), "cancelled through /api/schedules"), cancellationToken);
            if (message is not null && message.Status != MessageStatus.Cancelled)
                return Problem.Conflict($"The message is already {message.Status}.");
        }
        await schedules.RemoveAsync(row, cancellationToken);
        return TypedResults.NoContent();
    }

    private async Task<IResult> ControlAsync(HttpContext http, string campaignId, Func<TenantEntity, Task<Outcome<CampaignControl>>> action, CancellationToken cancellationToken)
    {
        if (await FindAsync(http, campaignId, cancellationToken) is null)
            return NotFoundOrInvalid(campaignId);
        var result = await action(await CurrentTenant.GetAsync(http, tenants, cancellationToken));
        if (result.Failure is { } refused)
            return Problem.From(refused);
        var (campaign, count) = result.Value!;
        return TypedResults.Ok(new CampaignControlView(CampaignView.From(campaign, await StatsOfAsync(campaign, null, cancellationToken)), count));
    }

    private async Task<CampaignStatsView?> StatsOfAsync(CampaignEntity campaign, string? occurrence, CancellationToken cancellationToken)
    {
        occurrence ??= campaign.LatestOccurrence;
        if (occurrence is null)
            return null;
        return await CampaignStatsReader.ReadAsync(campaigns, recipients, campaign, occurrence, cancellationToken);
    }

    private async Task<CampaignEntity?> FindAsync(HttpContext http, string campaignId, CancellationToken cancellationToken) =>
        CampaignStore.IsValidId(campaignId) ? await campaigns.GetAsync(http.User.TenantId()!, campaignId, cancellationToken) : null;

    private static string Csv(string? value) => OneClick.Core.Exports.CsvCell.Escape(value);

    private static string ScheduleId(DueScheduleEntity row) => $"{row.RowKey[..19]}_{row.CampaignId ?? row.MessageId}";

    private static bool IsOccurrence(string occurrence) => occurrence.Length == 19 && occurrence.All(char.IsAsciiDigit);

    private static IResult NotFoundOrInvalid(string campaignId) =>
        CampaignStore.IsValidId(campaignId) ? Problem.NotFound("campaign") : Problem.Validation("campaignId", "Not a campaign id.");
}

/// <summary>Registers the campaign engine (one call from OneClickApp).</summary>
public static class CampaignServices
{
    public static void AddCampaigns(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<CampaignOptions>(configuration.GetSection(CampaignOptions.Section));
        services.AddSingleton<CampaignStore>();
        services.AddSingleton<CampaignRecipientStore>();
        services.AddSingleton<AudienceReader>();
        services.AddSingleton<AudiencePreview>();
        services.AddSingleton<CampaignProgress>();
        services.AddSingleton<CampaignEvents>();
        services.AddSingleton<CampaignDispatcher>();
        services.AddSingleton<CampaignBatchSender>();
        services.AddSingleton<TenantRateLimiter>();
        services.AddSingleton<CampaignScheduler>();
        services.AddSingleton<IDueScheduleHandler>(sp => sp.GetRequiredService<CampaignScheduler>());
        services.AddSingleton<CampaignService>();
        services.AddSingleton<CampaignUnknownResender>();
        services.AddSingleton<Core.Webhooks.IWebhookChangeHandler, CampaignWebhookHandler>();
    }
}
