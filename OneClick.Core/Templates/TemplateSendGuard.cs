using System.Text.Json;
using OneClick.Core.Messages;
using OneClick.Core.Sending;

namespace OneClick.Core.Templates;

/// <summary>
/// At send time, a template message whose template has meanwhile left APPROVED (paused, disabled, deleted, ... as
/// the webhooks reported) is skipped with "template_not_approved" instead of being refused by Meta (132001, 132015,
/// 132016). A template with no stored row is left to Meta: messages accepted before OneClick stored templates
/// have none, and skipping them on an upgrade would be worse than Meta's own answer.
/// </summary>
public sealed class TemplateSendGuard(TemplateStore templates) : ISendGuard
{
    public const string NotApproved = "template_not_approved";

    public async Task<SkipReason?> SkipReasonAsync(MessageEntity message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Type != "template")
            return null;
        string? name, language;
        try
        {
            using var payload = JsonDocument.Parse(message.PayloadJson);
            var template = payload.RootElement.GetProperty("template");
            name = template.GetProperty("name").GetString();
            language = template.GetProperty("language").GetProperty("code").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null; // Not a payload OneClick wrote; Meta will judge it.
        }
        if (name is null || language is null)
            return null;
        var stored = await templates.GetAsync(message.TenantId, name, language, cancellationToken).ConfigureAwait(false);
        return stored is null || stored.Status == TemplateStatuses.Approved
            ? null
            : new SkipReason(NotApproved, $"Template {name} ({language}) is {stored.Status} at send time; only APPROVED templates can be sent.");
    }
}
