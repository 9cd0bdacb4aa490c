using OneClick.MetaSandbox.Control;

namespace OneClick.MetaSandbox.Messages;

internal static class MessagesEndpoints
{
    /// <summary>POST /{version}/{phone-number-id}/messages.</summary>
    public static void MapSendMessage(this RouteGroupBuilder graph) =>
        graph.MapPost("/{phoneNumberId}/messages",
            (string phoneNumberId, HttpRequest request, MessageSender sender, CancellationToken cancellationToken) =>
                sender.SendAsync(phoneNumberId, request, cancellationToken));

    /// <summary>/_sandbox/messages and /_sandbox/requests: what was accepted, and every attempt.</summary>
    public static void MapMessageLogEndpoints(this RouteGroupBuilder control)
    {
        control.MapGet("/messages", (string? phoneNumberId, string? to, MessageLog log) =>
        {
            var messages = log.Messages(phoneNumberId, to);
            return Results.Json(new MessageList(messages.Count, messages), ControlJson.Options);
        });

        control.MapGet("/requests", (string? phoneNumberId, string? to, MessageLog log) =>
        {
            var attempts = log.Attempts(phoneNumberId, to);
            var accepted = attempts.Count(attempt => attempt.Accepted);
            return Results.Json(new RequestList(attempts.Count, accepted, attempts.Count - accepted, attempts), ControlJson.Options);
        });
    }

    private sealed record MessageList(int Count, IReadOnlyList<AcceptedMessage> Messages);

    private sealed record RequestList(int Count, int Accepted, int Rejected, IReadOnlyList<SendAttempt> Requests);
}
