using System.Globalization;
using System.Net;
using System.Text;
using OneClick.Core.Campaigns;
using OneClick.Core.Messages;
using OneClick.Core.Scheduling;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Hosting;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Campaigns;

public static class CampaignEndpoints
{
    public const int MaxUpcoming = 100;

    /// <summary>Maps /api/campaigns, /api/schedules and the two campaign queue functions.</summary>
    public static void MapCampaignEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/campaigns").WithTags("Campaigns").RequireAuthorization(Policies.Tenant);
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync);
        group.MapPost("/preview", PreviewAsync);
        group.MapGet("/{campaignId}", GetAsync);
        group.MapPut("/{campaignId}", ReplaceDraftAsync);
        group.MapGet("/{campaignId}/stats", StatsAsync);
        group.MapGet("/{campaignId}/recipients", RecipientsAsync);
        group.MapGet("/{campaignId}/export", ExportAsync);
        group.MapGet("/{campaignId}/occurrences", OccurrencesAsync);
        group.MapGet("/{campaignId}/preview", PreviewExistingAsync);
        group.MapPost("/{campaignId}/launch", (string campaignId, CampaignService s, TenantStore t, CampaignStore c, CampaignRecipientStore r, HttpContext h, CancellationToken ct) =>
            ControlAsync(campaignId, h, c, r, async tenant => await s.LaunchAsync(tenant, campaignId, ct), t, ct));
        group.MapPost("/{campaignId}/pause", (string campaignId, CampaignService s, TenantStore t, CampaignStore c, CampaignRecipientStore r, HttpContext h, CancellationToken ct) =>
            ControlAsync(campaignId, h, c, r, tenant => s.PauseAsync(tenant.Id, campaignId, ct), t, ct));
        group.MapPost("/{campaignId}/resume", (string campaignId, CampaignService s, TenantStore t, CampaignStore c, CampaignRecipientStore r, HttpContext h, CancellationToken ct) =>
            ControlAsync(campaignId, h, c, r, tenant => s.ResumeAsync(tenant.Id, campaignId, ct), t, ct));
        group.MapPost("/{campaignId}/cancel", (string campaignId, CampaignService s, TenantStore t, CampaignStore c, CampaignRecipientStore r, HttpContext h, CancellationToken ct) =>
            ControlAsync(campaignId, h, c, r, tenant => s.CancelAsync(tenant.Id, campaignId, ct), t, ct));
        group.MapPost("/{campaignId}/retry-failed", (string campaignId, CampaignService s, TenantStore t, CampaignStore c, CampaignRecipientStore r, HttpContext h, CancellationToken ct) =>
            ControlAsync(campaignId, h, c, r, tenant => s.RetryFailedAsync(tenant.Id, campaignId, ct), t, ct));
        group.MapPost("/{campaignId}/retarget", RetargetAsync);

        var schedules = app.MapGroup("/api/schedules").WithTags("Schedules").RequireAuthorization(Policies.Tenant);
        schedules.MapGet("", ListSchedulesAsync);
        schedules.MapDelete("/{scheduleId}", CancelScheduleAsync);


    }

    private static async Task<IResult> CreateAsync(CampaignRequest request, CampaignService service, TenantStore tenants, CampaignStore campaigns, CampaignRecipientStore recipients, HttpContext http, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var created = await service.CreateAsync(tenant, request, http.CorrelationId(), cancellationToken);
        if (created.Errors is not null)
            return Problem.Validation(created.Errors);
        var campaign = created.Value!;
        if (request.Launch)
        {
            var launched = await service.LaunchAsync(tenant, campaign.Id, cancellationToken);
            campaign = launched.Campaign ?? await campaigns.GetAsync(tenant.Id, campaign.Id, cancellationToken) ?? campaign;
        }
        return TypedResults.Created($"/api/campaigns/{campaign.Id}", CampaignView.From(campaign, await StatsOfAsync(campaign, null, recipients, cancellationToken)));
    }

    private static async Task<IResult> ReplaceDraftAsync(
        string campaignId, CampaignRequest request, CampaignService service, TenantStore tenants, CampaignStore campaigns, CampaignRecipientStore recipients, HttpContext http, CancellationToken cancellationToken)
    {
        if (await FindAsync(campaignId, campaigns, http, cancellationToken) is null)
            return NotFoundOrInvalid(campaignId);
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var (result, refusal) = await service.ReplaceDraftAsync(tenant, campaignId, request, cancellationToken);
        if (refusal is not null)
            return Problem.Conflict(refusal);
        if (result?.Errors is not null)
            return Problem.Validation(result.Errors);
        if (result?.Value is not { } campaign)
            return Problem.NotFound("campaign");
        if (request.Launch)
            campaign = (await service.LaunchAsync(tenant, campaign.Id, cancellationToken)).Campaign ?? campaign;
        return TypedResults.Ok(CampaignView.From(campaign, await StatsOfAsync(campaign, null, recipients, cancellationToken)));
    }

    private static async Task<IResult> ListAsync(CampaignStore campaigns, HttpContext http, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await campaigns.ListAsync(http.User.TenantId()!, storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<CampaignView>(page.Items.Select(c => CampaignView.From(c)).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }

    private static async Task<IResult> GetAsync(string campaignId, CampaignStore campaigns, CampaignRecipientStore recipients, HttpContext http, CancellationToken cancellationToken)
    {
        if (await FindAsync(campaignId, campaigns, http, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        return TypedResults.Ok(CampaignView.From(campaign, await StatsOfAsync(campaign, null, recipients, cancellationToken)));
    }

    private static async Task<IResult> StatsAsync(string campaignId, string? occurrence, CampaignStore campaigns, CampaignRecipientStore recipients, HttpContext http, CancellationToken cancellationToken)
    {
        if (await FindAsync(campaignId, campaigns, http, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        if (occurrence is not null && !IsOccurrence(occurrence))
            return Problem.Validation("occurrence", "Not an occurrence id (see GET …/occurrences).");
        return TypedResults.Ok(await StatsOfAsync(campaign, occurrence, recipients, cancellationToken) ?? CampaignStatsView.From(null, new CampaignCounts()));
    }

    private static async Task<CampaignStatsView?> StatsOfAsync(CampaignEntity campaign, string? occurrence, CampaignRecipientStore recipients, CancellationToken cancellationToken)
    {
        occurrence ??= campaign.LatestOccurrence;
        if (occurrence is null)
            return null;
        var counts = await recipients.ReadCountsAsync(CampaignRecipientEntity.PartitionFor(campaign.TenantId, campaign.Id, occurrence), cancellationToken);
        return CampaignStatsView.From(occurrence, counts);
    }

    private static async Task<IResult> RecipientsAsync(
        string campaignId, string? status, string? occurrence, int? pageSize, string? continuationToken,
        CampaignStore campaigns, CampaignRecipientStore recipients, HttpContext http, CancellationToken cancellationToken)
    {
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        if (status is not null && !CampaignService.RecipientStatuses.Contains(status))
            return Problem.Validation("status", $"One of: {string.Join(", ", CampaignService.RecipientStatuses)}.");
        if (occurrence is not null && !IsOccurrence(occurrence))
            return Problem.Validation("occurrence", "Not an occurrence id (see GET …/occurrences).");
        if (await FindAsync(campaignId, campaigns, http, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        occurrence ??= campaign.LatestOccurrence;
        if (occurrence is null)
            return TypedResults.Ok(new ResultPage<RecipientView>([], null));
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await recipients.PageAsync(CampaignRecipientEntity.PartitionFor(campaign.TenantId, campaign.Id, occurrence), status, storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<RecipientView>(page.Items.Select(RecipientView.From).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }

    /// <summary>CSV of every recipient, written page by page as it is read (never the whole audience in memory).</summary>
    private static async Task<IResult> ExportAsync(string campaignId, string? status, string? occurrence, CampaignStore campaigns, CampaignRecipientStore recipients, HttpContext http, CancellationToken cancellationToken)
    {
        if (status is not null && !CampaignService.RecipientStatuses.Contains(status))
            return Problem.Validation("status", $"One of: {string.Join(", ", CampaignService.RecipientStatuses)}.");
        if (occurrence is not null && !IsOccurrence(occurrence))
            return Problem.Validation("occurrence", "Not an occurrence id (see GET …/occurrences).");
        if (await FindAsync(campaignId, campaigns, http, cancellationToken) is not { } campaign)
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

    private static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        // A leading =, +, - or @ would make a spreadsheet evaluate the cell: quote it as text.
        var safe = value[0] is '=' or '+' or '-' or '@' && !value.Skip(1).All(char.IsAsciiDigit) ? "'" + value : value;
        return safe.IndexOfAny([',', '"', '\n', '\r']) >= 0 || safe != value ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }

    private static async Task<IResult> OccurrencesAsync(string campaignId, int? upcoming, CampaignStore campaigns, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (upcoming is < 0 or > MaxUpcoming)
            return Problem.Validation("upcoming", $"Between 0 and {MaxUpcoming}.");
        if (await FindAsync(campaignId, campaigns, http, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        var past = (await campaigns.OccurrencesAsync(campaign.TenantId, campaign.Id, cancellationToken))
            .Select(o => new OccurrenceView(o.Occurrence, o.DueAt, o.Status, o.StartedAt, o.CompletedAt)).ToList();
        var schedule = CampaignSchedule.Load(campaign.ScheduleJson);
        var now = clock.GetUtcNow();
        var future = campaign.Status is CampaignStatus.Cancelled or CampaignStatus.Completed ? [] :
            schedule.Occurrences(campaign.LaunchedAt ?? now, campaign.NextDueAt is { } next ? next - TimeSpan.FromTicks(1) : campaign.LaunchedAt is null ? now : DateTimeOffset.MaxValue)
                .Take(upcoming ?? 10).Select(at => new OccurrenceView(CampaignScheduler.OccurrenceId(at), at, "upcoming", null, null)).ToList();
        return TypedResults.Ok(new { timeZone = schedule.Zone.Id, past, upcoming = future });
    }

    private static async Task<IResult> PreviewAsync(PreviewRequest request, AudiencePreview preview, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.Audience is null || AudienceReader.Sources(request.Audience).Count == 0)
            return Problem.Validation("audience", "An audience is required: lists, tags, contacts and/or groups.");
        var freeForm = (request.Message?.Type ?? "template") != "template";
        return TypedResults.Ok(await preview.PreviewAsync(http.User.TenantId()!, request.Audience, freeForm, cancellationToken));
    }

    private static async Task<IResult> PreviewExistingAsync(string campaignId, CampaignStore campaigns, AudiencePreview preview, HttpContext http, CancellationToken cancellationToken)
    {
        if (await FindAsync(campaignId, campaigns, http, cancellationToken) is not { } campaign)
            return NotFoundOrInvalid(campaignId);
        return TypedResults.Ok(await preview.PreviewAsync(campaign.TenantId, CampaignJson.Read<AudienceSpec>(campaign.AudienceJson), campaign.IsFreeForm, cancellationToken));
    }

    private static async Task<IResult> RetargetAsync(string campaignId, RetargetRequest request, CampaignService service, TenantStore tenants, HttpContext http, CancellationToken cancellationToken)
    {
        if (!CampaignStore.IsValidId(campaignId))
            return NotFoundOrInvalid(campaignId);
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var created = await service.RetargetAsync(tenant, campaignId, request, http.CorrelationId(), cancellationToken);
        if (created is null)
            return Problem.NotFound("campaign");
        if (created.Errors is not null)
            return Problem.Validation(created.Errors);
        return TypedResults.Created($"/api/campaigns/{created.Value!.Id}", CampaignView.From(created.Value));
    }

    private static async Task<IResult> ControlAsync(
        string campaignId, HttpContext http, CampaignStore campaigns, CampaignRecipientStore recipients, Func<TenantEntity, Task<ControlResult>> action, TenantStore tenants, CancellationToken cancellationToken)
    {
        if (await FindAsync(campaignId, campaigns, http, cancellationToken) is null)
            return NotFoundOrInvalid(campaignId);
        var result = await action(await CurrentTenant.GetAsync(http, tenants, cancellationToken));
        if (result.Refusal is not null)
            return Problem.Conflict(result.Refusal);
        var campaign = result.Campaign ?? await FindAsync(campaignId, campaigns, http, cancellationToken);
        return campaign is null ? Problem.NotFound("campaign") : TypedResults.Ok(new { campaign = CampaignView.From(campaign, await StatsOfAsync(campaign, null, recipients, cancellationToken)), affected = result.Count });
    }

    private static async Task<IResult> ListSchedulesAsync(DueScheduleStore schedules, HttpContext http, CancellationToken cancellationToken)
    {
        var items = new List<object>();
        await foreach (var row in schedules.PendingForTenantAsync(http.User.TenantId()!, cancellationToken))
        {
            // A "now" message's safety-net row is not pending work the client scheduled.
            items.Add(new
            {
                id = ScheduleId(row),
                kind = row.CampaignId is null ? "message" : "campaign",
                campaignId = row.CampaignId,
                messageId = row.CampaignId is null ? row.MessageId : null,
                dueAt = row.DueAt,
            });
        }
        return TypedResults.Ok(new { items });
    }

    private static async Task<IResult> CancelScheduleAsync(string scheduleId, DueScheduleStore schedules, MessageStore messages, CampaignService campaigns, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var tenantId = http.User.TenantId()!;
        var parts = scheduleId.Split('_', 2);
        if (parts.Length != 2 || parts[0].Length != 19 || !parts[0].All(char.IsAsciiDigit) || !(MessageStore.IsValidId(parts[1]) || CampaignStore.IsValidId(parts[1])))
            return Problem.Validation("scheduleId", "Not a schedule id (see GET /api/schedules).");
        var row = await schedules.FindAsync($"{parts[0]}|{tenantId}|{parts[1]}", cancellationToken);
        if (row is null || row.TenantId != tenantId)
            return Problem.NotFound("pending schedule");
        if (row.CampaignId is not null)
        {
            var result = await campaigns.CancelAsync(tenantId, row.CampaignId, cancellationToken);
            if (result.Refusal is not null)
                return Problem.Conflict(result.Refusal);
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

    private static string ScheduleId(DueScheduleEntity row) => $"{row.RowKey[..19]}_{row.CampaignId ?? row.MessageId}";

    private static bool IsOccurrence(string occurrence) => occurrence.Length == 19 && occurrence.All(char.IsAsciiDigit);

    private static async Task<CampaignEntity?> FindAsync(string campaignId, CampaignStore campaigns, HttpContext http, CancellationToken cancellationToken) =>
        CampaignStore.IsValidId(campaignId) ? await campaigns.GetAsync(http.User.TenantId()!, campaignId, cancellationToken) : null;

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
        services.AddSingleton<Core.Webhooks.IWebhookChangeHandler, CampaignWebhookHandler>();
    }
}
