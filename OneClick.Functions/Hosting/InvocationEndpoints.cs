using System.Net;
using OneClick.Core.Messages;
using OneClick.Core.Scheduling;
using OneClick.Core.Sending;
using OneClick.Core.Storage;
using OneClick.Core.Webhooks;
using OneClick.Functions.Observability;

namespace OneClick.Functions.Hosting;

/// <summary>
/// The endpoints the Functions host (or the standalone host) POSTs timer and queue invocations to.
/// A non-2xx answer fails the invocation, so the message is retried and in the end poisoned.
/// </summary>
public static class InvocationEndpoints
{
    public static void MapInvocationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").ExcludeFromDescription().AllowAnonymous().AddEndpointFilter(OnlyFromThisMachine);

        group.MapPost($"/{FunctionNames.EnqueueDueSchedules}", async (InvocationRequest _, DueScheduleDispatcher dispatcher, CancellationToken cancellationToken) =>
        {
            var count = await dispatcher.EnqueueDueAsync(cancellationToken);
            return TypedResults.Ok(InvocationResponse.Ok($"Enqueued {count} due messages."));
        });

        group.MapPost($"/{FunctionNames.SendOutboundMessage}", async (InvocationRequest invocation, MessageSender sender, InvocationTelemetry telemetry, CancellationToken cancellationToken) =>
        {
            var command = invocation.Payload<SendMessageCommand>(FunctionNames.SendOutboundMessageBinding, QueueJson.Options,
                c => c.V == SendMessageCommand.CurrentVersion && c.TenantId is not null && c.MessageId is not null);
            using var operation = telemetry.StartSend(command);
            var outcome = await sender.SendAsync(command, cancellationToken);
            telemetry.Sent(operation, command, outcome);
            return TypedResults.Ok(InvocationResponse.Ok($"Message {command.MessageId}: {outcome}."));
        });

        group.MapPost($"/{FunctionNames.ProcessWebhookEvent}", async (InvocationRequest invocation, WebhookInbox inbox, WebhookEventProcessor processor, InvocationTelemetry telemetry, CancellationToken cancellationToken) =>
        {
            var command = invocation.Payload<WebhookEventCommand>(FunctionNames.ProcessWebhookEventBinding, QueueJson.Options,
                c => c.V == WebhookEventCommand.CurrentVersion && c.TenantId is not null && (c.Body ?? c.BlobName) is not null);
            using var operation = telemetry.StartWebhook(command);
            await processor.ProcessAsync(command.TenantId, await inbox.ReadBodyAsync(command, cancellationToken), cancellationToken);
            return TypedResults.Ok(InvocationResponse.Ok($"Webhook {command.CorrelationId} processed."));
        });

        ContactImports.ImportEndpoints.MapContactImportInvocation(group);
    }

    /// <summary>The host calls the handler over loopback; nothing else may invoke functions directly.</summary>
    private static async ValueTask<object?> OnlyFromThisMachine(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var remote = context.HttpContext.Connection.RemoteIpAddress;
        if (remote is not null && !IPAddress.IsLoopback(remote))
            return TypedResults.NotFound();
        try
        {
            return await next(context);
        }
        catch (InvalidInvocationException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid invocation", detail: e.Message);
        }
    }
}
