using OneClick.Core.Messages.Content;
using System.Text.Json;
using OneClick.Core.Contacts;
using OneClick.Core.Lists;
using OneClick.Core.Messages;
using OneClick.Core.Meta;
using OneClick.Core.Results;
using OneClick.Core.Scheduling;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;

namespace OneClick.Core.Campaigns;

/// <summary>A control action done: the campaign after it, and how many recipients it moved (resumed, cancelled, retried).</summary>
public sealed record CampaignControl(CampaignEntity Campaign, int Count = 0);

/// <summary>Creates campaigns and carries out the lifecycle: launch, pause, resume, cancel, retry the failed, re-target.</summary>
public sealed class CampaignService(
    CampaignStore campaigns,
    CampaignRecipientStore recipients,
    CampaignScheduler scheduler,
    CampaignProgress progress,
    ContactStore contacts,
    ListStore lists,
    DueScheduleStore schedules,
    QueuePublisher queue,
    Templates.TemplateService templates,
    TimeProvider clock)
{
    public const int MaxNameLength = 200;

    public async Task<Outcome<CampaignEntity>> CreateAsync(TenantEntity tenant, CampaignRequest request, string correlationId, CancellationToken cancellationToken)
    {
        var built = await BuildAsync(tenant, request, cancellationToken).ConfigureAwait(false);
        if (built.Failure is not null)
            return built;
        var campaign = built.Value!;
        (campaign.PartitionKey, campaign.RowKey, campaign.CreatedAt, campaign.CorrelationId) = (tenant.Id, CampaignEntity.RowKeyFor(CampaignStore.NewId()), campaign.UpdatedAt, correlationId);
        await campaigns.AddAsync(campaign, cancellationToken).ConfigureAwait(false);
        return Outcome.Ok(campaign);
    }

    /// <summary>
    /// Edits a draft: the whole definition (name, audience, message, schedule) is checked as at creation and replaces
    /// the draft's. A campaign that has been launched is not a draft any more (refused: re-target or create another).
    /// </summary>
    public async Task<Outcome<CampaignEntity>> ReplaceDraftAsync(TenantEntity tenant, string campaignId, CampaignRequest request, CancellationToken cancellationToken)
    {
        var built = await BuildAsync(tenant, request, cancellationToken).ConfigureAwait(false);
        if (built.Failure is not null)
            return built;
        var definition = built.Value!;
        string? refusal = null;
        var campaign = await campaigns.UpdateAsync(tenant.Id, campaignId, c =>
        {
            if (c.Status != CampaignStatus.Draft)
            {
                refusal = $"The campaign is {c.Status}: only a draft can be edited.";
                return false;
            }
            (c.Name, c.MessageJson, c.MessageType, c.ContentJson, c.AudienceJson, c.ScheduleJson, c.UpdatedAt) =
                (definition.Name, definition.MessageJson, definition.MessageType, definition.ContentJson, definition.AudienceJson, definition.ScheduleJson, definition.UpdatedAt);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return refusal is not null ? Failure.Conflict(refusal) : campaign is null ? Failure.NotFound("campaign") : Outcome.Ok(campaign);
    }

    /// <summary>Checks a definition and builds the campaign's content from it (keys, status and ids are the caller's).</summary>
    private async Task<Outcome<CampaignEntity>> BuildAsync(TenantEntity tenant, CampaignRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new ValidationErrors();
        var now = clock.GetUtcNow();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > MaxNameLength)
            errors.Add("name", $"A name is required, at most {MaxNameLength} characters.");
        var content = CheckMessage(request.Message, errors);
        // A template is checked once, here, against the synced template (placeholders are resolved per recipient later).
        if (content is System.Text.Json.Nodes.JsonObject template && request.Message!.Type == "template")
        {
            var languages = await templates.ForSendAsync(tenant, MessageContent.Str(template, "name")!, cancellationToken).ConfigureAwait(false);
            var inner = new ValidationErrors();
            TemplateSendValidator.Validate(template, languages, inner);
            foreach (var (field, problems) in inner.ToDictionary())
                foreach (var problem in problems)
                    errors.Add("message." + field, problem);
        }
        CampaignSchedule.Parse(request.Schedule, now, errors);
        await CheckAudienceAsync(tenant.Id, request.Audience, errors, cancellationToken).ConfigureAwait(false);
        if (errors.Any)
            return Failure.Invalid(errors);

        var campaign = new CampaignEntity
        {
            Name = request.Name!.Trim(),
            MessageJson = JsonSerializer.Serialize(request.Message! with { To = null, ContactId = null, ScheduleFor = null }, CampaignJson.Options),
            MessageType = request.Message!.Type!,
            ContentJson = content!.ToJsonString(),
            AudienceJson = JsonSerializer.Serialize(Normalize(request.Audience!), CampaignJson.Options),
            ScheduleJson = CampaignSchedule.ToJson(request.Schedule),
            UpdatedAt = now,
        };
        if (campaign.MessageJson.Length + campaign.AudienceJson.Length + campaign.ContentJson.Length > 60_000)
        {
            errors.Add("message", "The campaign is too large to store: keep the message and audience under 60,000 characters of JSON.");
            return Failure.Invalid(errors);
        }
        return Outcome.Ok(campaign);
    }

    private static System.Text.Json.Nodes.JsonNode? CheckMessage(SendMessageRequest? message, ValidationErrors errors)
    {
        if (message is null)
        {
            errors.Add("message", "A message is required: {type: \"template\", template: {...}} or {type: \"text\", text: {body}}.");
            return null;
        }
        var inner = new ValidationErrors();
        var content = MessageContent.Build(message, inner);
        foreach (var (field, problems) in inner.ToDictionary())
            foreach (var problem in problems)
                errors.Add("message." + field, problem);
        return inner.Any ? null : content;
    }

    private static AudienceSpec Normalize(AudienceSpec a) => a with
    {
        Tags = a.Tags?.Select(t => t.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList(),
        Lists = a.Lists?.Distinct(StringComparer.Ordinal).ToList(),
        Contacts = a.Contacts?.Distinct(StringComparer.Ordinal).ToList(),
        Groups = a.Groups?.Distinct(StringComparer.Ordinal).ToList(),
        ExcludeLists = a.ExcludeLists?.Distinct(StringComparer.Ordinal).ToList(),
    };

    private async Task CheckAudienceAsync(string tenantId, AudienceSpec? audience, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (audience is null)
        {
            errors.Add("audience", "An audience is required: lists, tags, contacts and/or groups.");
            return;
        }
        var tooMany = new[] { ("lists", audience.Lists), ("tags", audience.Tags), ("contacts", audience.Contacts), ("groups", audience.Groups), ("excludeLists", audience.ExcludeLists) }
            .Where(x => x.Item2?.Count > AudienceSpec.MaxItems).ToList();
        foreach (var (field, _) in tooMany)
            errors.Add("audience." + field, $"At most {AudienceSpec.MaxItems} entries.");
        if (tooMany.Count > 0)
            return;
        var anyone = false;
        foreach (var (field, ids) in new[] { ("lists", audience.Lists), ("excludeLists", audience.ExcludeLists) })
        {
            foreach (var id in ids ?? [])
            {
                if (!ListStore.IsValidId(id))
                {
                    errors.Add($"audience.{field}", $"'{id}' is not a list id.");
                    continue;
                }
                var list = await lists.GetAsync(tenantId, id, cancellationToken).ConfigureAwait(false);
                if (list is null)
                    errors.Add($"audience.{field}", $"No list '{id}'.");
                else if (field == "lists" && !anyone)
                    anyone = (await lists.PageMemberIdsAsync(tenantId, id, null, 1, cancellationToken).ConfigureAwait(false)).Items.Count > 0;
            }
        }
        foreach (var tag in audience.Tags ?? [])
        {
            if (tag is null || !Tags.IsValid(tag.ToLowerInvariant()))
                errors.Add("audience.tags", $"'{tag}' is not a valid tag.");
            else if (!anyone)
                anyone = (await contacts.PageIdsByTagAsync(tenantId, tag.ToLowerInvariant(), null, 1, cancellationToken).ConfigureAwait(false)).Items.Count > 0;
        }
        var contactIds = audience.Contacts ?? [];
        foreach (var bad in contactIds.Where(c => !ContactStore.IsValidId(c)))
            errors.Add("audience.contacts", $"'{bad}' is not a contact id.");
        if (contactIds.All(ContactStore.IsValidId))
        {
            var found = await Task.WhenAll(contactIds.Distinct(StringComparer.Ordinal).Select(async id => (id, await contacts.GetAsync(tenantId, id, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
            foreach (var (id, _) in found.Where(f => f.Item2 is null))
                errors.Add("audience.contacts", $"No contact '{id}'.");
            anyone |= found.Length > 0;
        }
        foreach (var bad in (audience.Groups ?? []).Where(g => string.IsNullOrWhiteSpace(g) || g.Length > 256))
            errors.Add("audience.groups", $"'{bad}' is not a group id.");
        anyone |= audience.Groups is { Count: > 0 };
        if (audience.FromCampaign is { } from)
            anyone |= (await recipients.PageAsync(CampaignRecipientEntity.PartitionFor(tenantId, from.CampaignId, from.Occurrence), from.Status, null, 1, cancellationToken).ConfigureAwait(false)).Items.Count > 0;
        if (!anyone && !errors.Any)
            errors.Add("audience", "The audience is empty: give lists or tags with members, contacts or groups.");
    }

    public async Task<Outcome<CampaignControl>> LaunchAsync(TenantEntity tenant, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var campaign = await campaigns.GetAsync(tenant.Id, campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is null)
            return Failure.NotFound("campaign");
        if (campaign.Status != CampaignStatus.Draft)
            return Failure.Conflict($"The campaign is {campaign.Status}; only a draft can be launched.");
        var now = clock.GetUtcNow();
        string? cannot = tenant.PhoneNumberId is null ? "The tenant has no Meta credentials: store them with PUT /api/tenants/{id}/credentials." : null;
        var errors = new ValidationErrors();
        var schedule = CampaignSchedule.Parse(CampaignJson.Read<ScheduleSpec>(campaign.ScheduleJson), now, errors);
        if (schedule is null)
            cannot ??= "The schedule has no occurrence in the future any more: " + string.Join(" ", errors.ToDictionary().SelectMany(e => e.Value));
        if (cannot is not null)
        {
            await campaigns.UpdateAsync(tenant.Id, campaignId, c => (c.StatusReason = cannot) is not null, cancellationToken).ConfigureAwait(false);
            return Failure.Conflict(cannot);
        }
        var first = schedule!.NextAfter(now, now - TimeSpan.FromTicks(1)) ?? now;
        var launched = await campaigns.UpdateAsync(tenant.Id, campaignId, c =>
        {
            if (c.Status != CampaignStatus.Draft)
                return false;
            (c.Status, c.StatusReason, c.LaunchedAt, c.NextDueAt, c.UpdatedAt) = (CampaignStatus.Scheduled, null, now, first, now);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (launched?.LaunchedAt != now)
            return Failure.Conflict("The campaign was launched by another request.");
        if (schedule.Type == "now")
            await scheduler.StartNowAsync(tenant.Id, campaignId, now, campaign.CorrelationId ?? "", cancellationToken).ConfigureAwait(false);
        else
            await schedules.AddAsync(first, tenant.Id, "", campaign.CorrelationId ?? "", cancellationToken, campaignId).ConfigureAwait(false);
        return Done(await campaigns.GetAsync(tenant.Id, campaignId, cancellationToken).ConfigureAwait(false));
    }

    public async Task<Outcome<CampaignControl>> PauseAsync(string tenantId, string campaignId, CancellationToken cancellationToken)
    {
        string? refusal = null;
        var campaign = await campaigns.UpdateAsync(tenantId, campaignId, c =>
        {
            refusal = c.Status is CampaignStatus.Running or CampaignStatus.Scheduled ? null : $"The campaign is {c.Status}; only a running or scheduled campaign can be paused.";
            if (refusal is not null)
                return false;
            (c.Status, c.UpdatedAt) = (CampaignStatus.Paused, clock.GetUtcNow());
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return refusal is not null ? Failure.Conflict(refusal) : Done(campaign);
    }

    public async Task<Outcome<CampaignControl>> ResumeAsync(string tenantId, string campaignId, CancellationToken cancellationToken)
    {
        string? refusal = null;
        var runningOccurrence = false;
        var latest = (await campaigns.GetAsync(tenantId, campaignId, cancellationToken).ConfigureAwait(false))?.LatestOccurrence;
        if (latest is not null)
            runningOccurrence = (await campaigns.GetOccurrenceAsync(tenantId, campaignId, latest, cancellationToken).ConfigureAwait(false))?.Status == OccurrenceStatus.Running;
        var campaign = await campaigns.UpdateAsync(tenantId, campaignId, c =>
        {
            refusal = c.Status == CampaignStatus.Paused ? null : $"The campaign is {c.Status}; only a paused campaign can be resumed.";
            if (refusal is not null)
                return false;
            c.Status = runningOccurrence ? CampaignStatus.Running : c.NextDueAt is null ? CampaignStatus.Completed : CampaignStatus.Scheduled;
            c.UpdatedAt = clock.GetUtcNow();
            // The reason OneClick paused it (an account hold or error) no longer applies once it runs again.
            if (c.PausedFor is not null)
                (c.PausedFor, c.StatusReason) = (null, null);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (refusal is not null || campaign is null)
            return refusal is not null ? Failure.Conflict(refusal) : Done(campaign);
        // Batches that arrived while paused were dropped; their recipients are still queued: send them now.
        var count = runningOccurrence
            ? await CampaignProgress.RequeueQueuedAsync(recipients, queue, tenantId, campaignId, latest!, campaign.CorrelationId ?? "", cancellationToken).ConfigureAwait(false)
            : 0;
        if (runningOccurrence)
            await progress.CheckCompletionAsync(tenantId, campaignId, latest!, cancellationToken).ConfigureAwait(false);
        return Done(campaign, count);
    }

    public async Task<Outcome<CampaignControl>> CancelAsync(string tenantId, string campaignId, CancellationToken cancellationToken)
    {
        string? refusal = null;
        DateTimeOffset? nextDue = null;
        var campaign = await campaigns.UpdateAsync(tenantId, campaignId, c =>
        {
            refusal = CampaignStatus.IsFinal(c.Status) ? $"The campaign is already {c.Status}." : null;
            if (refusal is not null)
                return false;
            nextDue = c.NextDueAt;
            (c.Status, c.NextDueAt, c.UpdatedAt) = (CampaignStatus.Cancelled, null, clock.GetUtcNow());
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (refusal is not null || campaign is null)
            return refusal is not null ? Failure.Conflict(refusal) : Done(campaign);
        if (nextDue is not null && await schedules.FindAsync(tenantId, DueScheduleEntity.RowKeyFor(nextDue.Value, tenantId, campaignId), cancellationToken).ConfigureAwait(false) is { } row)
            await schedules.RemoveAsync(row, cancellationToken).ConfigureAwait(false);
        var count = 0;
        if (campaign.LatestOccurrence is { } occurrence)
        {
            var partition = CampaignRecipientEntity.PartitionFor(tenantId, campaignId, occurrence);
            await foreach (var page in recipients.PagesAsync(partition, MessageStatus.Queued, cancellationToken).ConfigureAwait(false))
                count += (await recipients.ChangeAsync(partition, page, r => r.Status == MessageStatus.Queued && CampaignBatchSender.Cancel(r), cancellationToken).ConfigureAwait(false)).Count;
            await progress.CheckCompletionAsync(tenantId, campaignId, occurrence, cancellationToken).ConfigureAwait(false);
        }
        return Done(campaign, count);
    }

    /// <summary>Failed recipients whose error may pass on a second try go back to the queue; terminal failures stay.</summary>
    public async Task<Outcome<CampaignControl>> RetryFailedAsync(string tenantId, string campaignId, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(tenantId, campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is null)
            return Failure.NotFound("campaign");
        if (campaign.LatestOccurrence is not { } occurrence || campaign.Status is CampaignStatus.Cancelled or CampaignStatus.Paused or CampaignStatus.Draft)
            return Failure.Conflict($"The campaign is {campaign.Status}; retry needs a started campaign that is not paused or cancelled.");
        var partition = CampaignRecipientEntity.PartitionFor(tenantId, campaignId, occurrence);
        await campaigns.UpdateOccurrenceAsync(tenantId, campaignId, occurrence, o => o.Status == OccurrenceStatus.Completed && (o.Status = OccurrenceStatus.Running) is not null, cancellationToken).ConfigureAwait(false);
        await campaigns.UpdateAsync(tenantId, campaignId, c => c.Status is CampaignStatus.Completed or CampaignStatus.Scheduled && (c.Status = CampaignStatus.Running) is not null, cancellationToken).ConfigureAwait(false);
        var count = 0;
        await foreach (var page in recipients.PagesAsync(partition, MessageStatus.Failed, cancellationToken).ConfigureAwait(false))
        {
            count += (await recipients.ChangeAsync(partition, page, r =>
            {
                if (r.Status != MessageStatus.Failed || !IsRetryable(r.ErrorCode) || TooSoon(r))
                    return false;
                (r.Status, r.Attempts, r.ErrorCode, r.ErrorTitle, r.ErrorDetails, r.MetaMessageId, r.ClaimedAt) = (MessageStatus.Queued, 0, null, null, null, null, null);
                r.Detail = "Retried after a retryable failure.";
                return true;
            }, cancellationToken).ConfigureAwait(false)).Count;
        }
        await CampaignProgress.RequeueQueuedAsync(recipients, queue, tenantId, campaignId, occurrence, campaign.CorrelationId ?? "", cancellationToken).ConfigureAwait(false);
        await progress.WatchAsync(tenantId, campaignId, occurrence, campaign.CorrelationId ?? "", cancellationToken).ConfigureAwait(false);
        return Done(await campaigns.GetAsync(tenantId, campaignId, cancellationToken).ConfigureAwait(false), count);
    }

    /// <summary>The campaign after a control action; gone in between (deleted with its tenant) is not found.</summary>
    internal static Outcome<CampaignControl> Done(CampaignEntity? campaign, int count = 0) =>
        campaign is null ? Failure.NotFound("campaign") : Outcome.Ok(new CampaignControl(campaign, count));

    /// <summary>Meta's per-user marketing limit (131049): retrying that user within 24 hours can get them blocked for longer.</summary>
    private bool TooSoon(CampaignRecipientEntity r) =>
        r.ErrorCode is { } code && MetaErrorPolicy.Classify(code) == MetaErrorKind.RetryAfterADay && clock.GetUtcNow() - r.UpdatedAt < TimeSpan.FromHours(24);

    /// <summary>Retryable: no Meta code (gave up on an unreachable Meta) or a code Meta says may pass later.</summary>
    public static bool IsRetryable(int? code) => code is null or 0 || MetaErrorPolicy.Classify(code.Value) != MetaErrorKind.Terminal;

    /// <summary>A new draft campaign whose audience is this one's recipients in <paramref name="status"/>.</summary>
    public async Task<Outcome<CampaignEntity>> RetargetAsync(TenantEntity tenant, string campaignId, RetargetRequest request, string correlationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var source = await campaigns.GetAsync(tenant.Id, campaignId, cancellationToken).ConfigureAwait(false);
        if (source is null)
            return Failure.NotFound("campaign");
        var errors = new ValidationErrors();
        var occurrence = request.Occurrence ?? source.LatestOccurrence;
        if (occurrence is null)
            errors.Add("occurrence", "The campaign has not run yet.");
        if (request.Status is null || !RecipientStatuses.Contains(request.Status))
            errors.Add("status", $"One of: {string.Join(", ", RecipientStatuses)}.");
        if (errors.Any)
            return Failure.Invalid(errors);
        var audience = CampaignJson.Read<AudienceSpec>(source.AudienceJson);
        return await CreateAsync(tenant, new CampaignRequest
        {
            Name = request.Name ?? $"{source.Name} — {request.Status}",
            Message = request.Message ?? CampaignJson.Read<SendMessageRequest>(source.MessageJson),
            Audience = new AudienceSpec { ExcludeLists = audience.ExcludeLists, FromCampaign = new RecipientsOf(campaignId, occurrence!, request.Status!) },
            Schedule = request.Schedule,
        }, correlationId, cancellationToken).ConfigureAwait(false);
    }

    public static readonly IReadOnlyList<string> RecipientStatuses =
    [
        MessageStatus.Queued, MessageStatus.Sending, MessageStatus.Unknown, MessageStatus.Accepted, MessageStatus.Sent, MessageStatus.Delivered,
        MessageStatus.Read, MessageStatus.Failed, MessageStatus.Skipped, MessageStatus.Cancelled,
    ];
}

public sealed record RetargetRequest(string? Status, string? Occurrence, string? Name, SendMessageRequest? Message, ScheduleSpec? Schedule);
