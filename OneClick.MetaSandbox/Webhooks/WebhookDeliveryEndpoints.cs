using OneClick.MetaSandbox.Control;

namespace OneClick.MetaSandbox.Webhooks;

internal static class WebhookDeliveryEndpoints
{
    /// <summary>GET /_sandbox/webhook-deliveries: scheduled, pending, delivered and failed counts, the last error, recent outcomes.</summary>
    public static void MapWebhookDeliveryEndpoints(this RouteGroupBuilder control) =>
        control.MapGet("/webhook-deliveries", (WebhookDeliveryStats stats) => Results.Json(stats.Snapshot(), ControlJson.Options));
}
