using OneClick.MetaSandbox.Faults;
using OneClick.MetaSandbox.Messages;
using OneClick.MetaSandbox.Registry;
using OneClick.MetaSandbox.Templates;
using OneClick.MetaSandbox.Webhooks;

namespace OneClick.MetaSandbox.Control;

internal static class ResetEndpoint
{
    /// <summary>
    /// POST /_sandbox/reset clears messages, send attempts, behaviours, throughput windows, webhook counters and
    /// pending webhooks. Phone numbers (and their templates) stay unless ?phoneNumbers=true, which clears those too.
    /// </summary>
    public static void MapResetEndpoint(this RouteGroupBuilder control) =>
        control.MapPost("/reset", (
            bool? phoneNumbers,
            MessageLog log,
            BehaviourStore behaviours,
            ThroughputLimiter limiter,
            WebhookDeliveryStats webhooks,
            PhoneNumberRegistry registry,
            TemplateStore templates,
            Groups.GroupRegistry groups,
            TemplateWebhooks templateReviews,
            Media.MediaStore media) =>
        {
            log.Clear();
            behaviours.Clear();
            limiter.Clear();
            webhooks.Clear();
            groups.Clear();
            templateReviews.Clear();
            media.Clear();
            if (phoneNumbers == true)
            {
                registry.Clear();
                templates.Clear();
            }

            return Results.NoContent();
        });
}
