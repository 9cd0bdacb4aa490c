using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneClick.MetaSandbox.Registry;
using OneClick.MetaSandbox.Webhooks;

namespace OneClick.MetaSandbox.Templates;

/// <summary>How the sandbox "reviews" created templates of one WABA (PUT /_sandbox/wabas/{waba-id}/template-review).</summary>
internal sealed class TemplateReviewSettings
{
    /// <summary>Time between the create and the status webhook.</summary>
    public int DelayMs { get; set; } = 100;

    /// <summary>APPROVED or REJECTED for templates not named in <see cref="Outcomes"/>.</summary>
    public string Outcome { get; set; } = "APPROVED";

    /// <summary>Template name → APPROVED or REJECTED.</summary>
    public Dictionary<string, string>? Outcomes { get; set; }

    /// <summary>The webhook's reason on a rejection (INVALID_FORMAT, INCORRECT_CATEGORY, PROMOTIONAL, ...).</summary>
    public string RejectionReason { get; set; } = "INVALID_FORMAT";

    /// <summary>The webhook's rejection_info.recommendation on a rejection (its reason is a sentence made from RejectionReason).</summary>
    public string? Recommendation { get; set; }

    public string? Validate()
    {
        if (DelayMs is < 0 or > 600_000)
        {
            return "delayMs must be between 0 and 600000.";
        }

        string[] allowed = ["APPROVED", "REJECTED"];
        if (!allowed.Contains(Outcome) || (Outcomes ?? []).Values.Any(v => !allowed.Contains(v)))
        {
            return "outcome and outcomes values must be APPROVED or REJECTED.";
        }

        return string.IsNullOrWhiteSpace(RejectionReason) ? "rejectionReason must not be empty." : null;
    }

    public string OutcomeFor(string name) => Outcomes?.GetValueOrDefault(name) ?? Outcome;
}

/// <summary>
/// The account-level template webhooks (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update and https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/template_category_update): message_template_status_update after a review or a
/// control-API event, message_template_quality_update and template_category_update. Signed and POSTed to the
/// webhook URL of a phone number of the WABA, like every other webhook.
/// </summary>
internal sealed class TemplateWebhooks(TemplateStore templates, PhoneNumberRegistry registry, WebhookDispatcher dispatcher, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, TemplateReviewSettings> _review = new(StringComparer.Ordinal);

    public TemplateReviewSettings Review(string wabaId) => _review.GetValueOrDefault(wabaId) ?? new TemplateReviewSettings();

    public void SetReview(string wabaId, TemplateReviewSettings settings) => _review[wabaId] = settings;

    public void Clear() => _review.Clear();

    /// <summary>After the review delay: APPROVED or REJECTED in the store, then the status webhook.</summary>
    public void ScheduleReview(string wabaId, MessageTemplate template)
    {
        var settings = Review(wabaId);
        _ = ReviewLaterAsync(wabaId, template, settings);
    }

    private async Task ReviewLaterAsync(string wabaId, MessageTemplate template, TemplateReviewSettings settings)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(settings.DelayMs), time);
        var outcome = settings.OutcomeFor(template.Name);
        var reason = outcome == "REJECTED" ? settings.RejectionReason : "NONE";
        var changed = templates.Update(wabaId, template.Name, template.Language, t => t.Id != template.Id || t.Status != "PENDING"
            ? t
            : t with { Status = outcome, RejectedReason = outcome == "REJECTED" ? reason : null });
        if (changed && templates.Find(wabaId, template.Name, template.Language) is { Id: var id } && id == template.Id)
        {
            var value = StatusValue(template, outcome, reason);
            if (outcome == "REJECTED")
            {
                value["rejection_info"] = RejectionInfo(reason, settings.Recommendation);
            }

            Send(wabaId, "message_template_status_update", value);
        }
    }

    public static JsonObject StatusValue(MessageTemplate template, string @event, string reason) => new()
    {
        ["event"] = @event,
        ["message_template_id"] = long.Parse(template.Id, CultureInfo.InvariantCulture),
        ["message_template_name"] = template.Name,
        ["message_template_language"] = template.Language,
        ["reason"] = reason,
        ["message_template_category"] = template.Category,
    };

    /// <summary>rejection_info as Meta sends it with a REJECTED event: a readable reason and a recommendation.</summary>
    public static JsonObject RejectionInfo(string reason, string? recommendation) => new()
    {
        ["reason"] = $"The template was rejected: {reason}.",
        ["recommendation"] = recommendation ?? "Review the template guidelines and edit the template.",
    };

    public static JsonObject QualityValue(MessageTemplate template, string previous, string next) => new()
    {
        ["previous_quality_score"] = previous,
        ["new_quality_score"] = next,
        ["message_template_id"] = long.Parse(template.Id, CultureInfo.InvariantCulture),
        ["message_template_name"] = template.Name,
        ["message_template_language"] = template.Language,
    };

    /// <summary>A completed category change; Meta may leave out previous_category (null here), sending new_category alone.</summary>
    public static JsonObject CategoryValue(MessageTemplate template, string? previous, string next)
    {
        var value = new JsonObject
        {
            ["message_template_id"] = long.Parse(template.Id, CultureInfo.InvariantCulture),
            ["message_template_name"] = template.Name,
            ["message_template_language"] = template.Language,
            ["new_category"] = next,
        };
        if (previous is not null)
        {
            value["previous_category"] = previous;
        }

        return value;
    }

    /// <summary>Wraps one change in Meta's envelope, signs it and POSTs it now; returns the body (null without a webhook URL).</summary>
    public string? Send(string wabaId, string field, JsonObject value)
    {
        var number = registry.All().FirstOrDefault(n => n.WabaId == wabaId && n.WebhookUrl is not null);
        if (number is null)
        {
            return null;
        }

        var envelope = new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = wabaId,
                ["time"] = time.GetUtcNow().ToUnixTimeSeconds(),
                ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = field }),
            }),
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(envelope);
        dispatcher.Schedule(number, "template:" + field, null, body, TimeSpan.Zero);
        return System.Text.Encoding.UTF8.GetString(body);
    }
}
