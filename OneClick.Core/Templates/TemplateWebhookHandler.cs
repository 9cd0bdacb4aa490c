using System.Text.Json;
using Microsoft.Extensions.Logging;
using OneClick.Core.Webhooks;

namespace OneClick.Core.Templates;

/// <summary>
/// Keeps status, category and quality current from Meta's template webhooks (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update and https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/template_category_update). Meta delivers
/// duplicates and out of order and puts no event time in these values, so each kind has an order rule:
/// <list type="bullet">
/// <item>status: a repeat of the last event changes nothing; a late PENDING never replaces a decided status (edits of
/// approved templates are not made through OneClick; the next sync picks them up); DELETED is final.</item>
/// <item>quality and category carry previous → new: an update whose "new" is the stored "previous" while its
/// "previous" is not the stored current value is an older step arriving late, and is ignored.</item>
/// </list>
/// A webhook for a template OneClick has not stored yet (it can beat the create's own write) makes a row from
/// the webhook, which the create or the next sync completes.
/// </summary>
public sealed partial class TemplateWebhookHandler(TemplateStore store, TimeProvider clock, ILogger<TemplateWebhookHandler> logger) : IWebhookChangeHandler
{
    public const string StatusField = "message_template_status_update";
    public const string QualityField = "message_template_quality_update";
    public const string CategoryField = "template_category_update";

    public bool Wants(string field) => field is StatusField or QualityField or CategoryField;

    public async Task HandleAsync(WebhookChangeContext change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var value = change.Value;
        var name = Str(value, "message_template_name");
        var language = Str(value, "message_template_language") is { } l ? TemplateService.NormalizeLanguage(l) : null;
        var metaId = Str(value, "message_template_id");
        TemplateEntity? target = null;
        if (name is not null && language is not null)
            target = await store.GetAsync(change.TenantId, name, language, cancellationToken).ConfigureAwait(false);
        if (target is null && metaId is not null)
            target = await store.FindByMetaIdAsync(change.TenantId, metaId, cancellationToken).ConfigureAwait(false);
        if (target is null)
        {
            if (name is null || language is null || change.Field != StatusField)
            {
                LogUnknown(logger, change.TenantId, change.Field, name ?? metaId ?? "(none)");
                return;
            }
            // The webhook came before the template was stored here: keep what it says.
            var now = clock.GetUtcNow();
            await store.TryAddAsync(new TemplateEntity
            {
                PartitionKey = change.TenantId,
                RowKey = TemplateEntity.RowKeyFor(name, language),
                MetaId = metaId ?? "",
                Name = name,
                Language = language,
                Category = Str(value, "message_template_category")?.ToUpperInvariant() ?? "",
                FromWebhookOnly = true,
                CreatedAt = now,
                UpdatedAt = now,
            }, cancellationToken).ConfigureAwait(false);
            target = await store.GetAsync(change.TenantId, name, language, cancellationToken).ConfigureAwait(false);
            if (target is null)
                return;
        }

        Func<TemplateEntity, bool> apply = change.Field switch
        {
            StatusField => t => ApplyStatus(t, value),
            QualityField => t => ApplyChain(t, Str(value, "previous_quality_score"), Str(value, "new_quality_score"),
                x => x.QualityScore, (x, v) => x.QualityScore = v, x => x.PreviousQualityScore, (x, v) => x.PreviousQualityScore = v),
            _ => t => ApplyCategory(t, value),
        };
        var updated = await store.UpdateAsync(change.TenantId, target.RowKey, t =>
        {
            if (metaId is not null && t.MetaId.Length > 0 && t.MetaId != metaId)
                return false; // Another template (deleted and re-created under the same name): not this row.
            if (!apply(t))
                return false;
            if (t.MetaId.Length == 0 && metaId is not null)
                t.MetaId = metaId;
            t.UpdatedAt = clock.GetUtcNow();
            return true;
        }, cancellationToken).ConfigureAwait(false);
        LogApplied(logger, change.TenantId, change.Field, target.Name, updated?.Status ?? "(gone)");
    }

    private static bool ApplyStatus(TemplateEntity template, JsonElement value)
    {
        var @event = Str(value, "event")?.ToUpperInvariant();
        if (@event is null || TemplateStatuses.FromEvent(@event) is not { } status)
            return false;
        if (@event == template.LastStatusEvent || template.Status == TemplateStatuses.Deleted)
            return false;
        if (status == TemplateStatuses.Pending && template.Status != TemplateStatuses.Pending)
            return false;
        template.Status = status;
        template.LastStatusEvent = @event;
        var reason = Str(value, "reason");
        template.RejectedReason = status == TemplateStatuses.Rejected ? reason : null;
        // rejection_info {reason, recommendation} says in words what to fix; kept only while rejected.
        var info = status == TemplateStatuses.Rejected && value.TryGetProperty("rejection_info", out var i) ? i : default;
        template.RejectionDetail = Str(info, "reason");
        template.RejectionRecommendation = Str(info, "recommendation");
        if (Str(value, "message_template_category") is { Length: > 0 } category && template.Category.Length == 0)
            template.Category = category.ToUpperInvariant();
        return true;
    }

    private static bool ApplyCategory(TemplateEntity template, JsonElement value)
    {
        var previous = Str(value, "previous_category")?.ToUpperInvariant();
        var next = Str(value, "new_category")?.ToUpperInvariant();
        var upcoming = Str(value, "correct_category")?.ToUpperInvariant();
        if (previous is null && upcoming is not null)
        {
            // Impending change (24 h ahead): new_category is the current one, correct_category the one to come.
            if (upcoming == template.UpcomingCategory)
                return false;
            template.UpcomingCategory = upcoming;
            template.UpcomingCategoryAt = value.TryGetProperty("category_update_timestamp", out var at) && at.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
            return true;
        }
        // A completed change may come with new_category alone (no previous_category): the stored category is the previous.
        var changed = ApplyChain(template, previous, next, x => x.Category, (x, v) => x.Category = v, x => x.PreviousCategory, (x, v) => x.PreviousCategory = v);
        if (changed && template.UpcomingCategory == template.Category)
            (template.UpcomingCategory, template.UpcomingCategoryAt) = (null, null);
        return changed;
    }

    /// <summary>previous → next, ignoring repeats and older steps that arrive after a newer one.</summary>
    private static bool ApplyChain(TemplateEntity template, string? previous, string? next,
        Func<TemplateEntity, string?> current, Action<TemplateEntity, string> setCurrent,
        Func<TemplateEntity, string?> storedPrevious, Action<TemplateEntity, string> setPrevious)
    {
        if (next is null)
            return false;
        next = next.ToUpperInvariant();
        previous = previous?.ToUpperInvariant();
        if (next == current(template) && (previous is null || previous == storedPrevious(template)))
            return false; // a repeat
        if (next == storedPrevious(template) && previous != current(template))
            return false; // an older step, arriving after the one that replaced it
        setPrevious(template, previous ?? current(template) ?? "");
        setCurrent(template, next);
        return true;
    }

    private static string? Str(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var member)
            ? member.ValueKind switch
            {
                JsonValueKind.String => member.GetString(),
                JsonValueKind.Number => member.GetRawText(),
                _ => null,
            }
            : null;

    [LoggerMessage(LogLevel.Information, "Template webhook {Field} for tenant {TenantId} names no stored template ({Template}); ignored")]
    private static partial void LogUnknown(ILogger logger, string tenantId, string field, string template);

    [LoggerMessage(LogLevel.Information, "Template webhook {Field} for tenant {TenantId} on {Template}: status now {Status}")]
    private static partial void LogApplied(ILogger logger, string tenantId, string field, string template, string status);
}
