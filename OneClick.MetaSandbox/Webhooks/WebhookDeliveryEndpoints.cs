using OneClick.MetaSandbox.Control;

namespace OneClick.MetaSandbox.Webhooks;

internal static class WebhookDeliveryEndpoints
{
    /// <summary>GET /_sandbox/webhook-deliveries: scheduled, pending, delivered and failed counts, the last error, recent outcomes.</summary>
    public static void MapWebhookDeliveryEndpoints(this RouteGroupBuilder control)
    {
        control.MapGet("/webhook-deliveries", (WebhookDeliveryStats stats) => Results.Json(stats.Snapshot(), ControlJson.Options));
        // A callback outage and its end: while held, due webhooks wait; on release they all go, as Meta replays a backlog.
        control.MapPost("/webhook-deliveries/hold", (WebhookDispatcher dispatcher) =>
        {
            dispatcher.Hold();
            return Results.NoContent();
        });
        control.MapPost("/webhook-deliveries/release", (WebhookDispatcher dispatcher) =>
        {
            dispatcher.Release();
            return Results.NoContent();
        });
    }
}
