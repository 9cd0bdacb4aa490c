using System.Net;
using OneClick.Core.Automations;
using OneClick.Core.Storage;
using OneClick.Functions.Hosting;

namespace OneClick.Functions.Automations;

/// <summary>The queue function for automation-actions (one action per message), invoked like every other queue function.</summary>
public static class AutomationInvocationEndpoint
{
    public static void MapAutomationInvocationEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPost($"/{FunctionNames.RunAutomationAction}", async (InvocationRequest invocation, AutomationActionRunner runner, HttpContext http, CancellationToken cancellationToken) =>
        {
            if (http.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
                return Results.NotFound();
            AutomationActionCommand command;
            try
            {
                command = invocation.Payload<AutomationActionCommand>(FunctionNames.RunAutomationActionBinding, QueueJson.Options,
                    c => c.V == AutomationActionCommand.CurrentVersion && c.TenantId is not null && c.RunKey is not null);
            }
            catch (InvalidInvocationException e)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid invocation", detail: e.Message);
            }
            var outcome = await runner.RunAsync(command, cancellationToken);
            return Results.Ok(InvocationResponse.Ok($"Automation action {command.RunKey}: {outcome}."));
        }).ExcludeFromDescription().AllowAnonymous();
}
