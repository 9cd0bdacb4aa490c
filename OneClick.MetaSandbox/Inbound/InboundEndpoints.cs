using OneClick.MetaSandbox.Control;
using OneClick.MetaSandbox.Registry;

namespace OneClick.MetaSandbox.Inbound;

internal static class InboundEndpoints
{
    /// <summary>POST /_sandbox/phone-numbers/{id}/inbound → 202 {"id":"wamid...","from":"...","timestamp":"..."}.</summary>
    public static void MapInboundEndpoints(this RouteGroupBuilder control) =>
        control.MapPost("/phone-numbers/{phoneNumberId}/inbound", ReceiveAsync);

    private static async Task<IResult> ReceiveAsync(
        string phoneNumberId, HttpRequest request, PhoneNumberRegistry registry, InboundMessages inbound, CancellationToken cancellationToken)
    {
        if (registry.Find(phoneNumberId) is not { } number)
        {
            return ControlJson.NotRegistered(phoneNumberId);
        }

        if (number.WebhookUrl is null)
        {
            return ControlJson.Error($"Phone number '{phoneNumberId}' has no webhookUrl, so an inbound message could not be delivered.", StatusCodes.Status409Conflict);
        }

        var (body, readError) = await ControlJson.ReadAsync<InboundMessageRequest>(request, cancellationToken);
        if (readError is not null)
        {
            return readError;
        }

        var (accepted, error) = inbound.Receive(number, body!);
        return error is not null
            ? ControlJson.Error(error)
            : Results.Json(accepted, ControlJson.Options, statusCode: StatusCodes.Status202Accepted);
    }
}
