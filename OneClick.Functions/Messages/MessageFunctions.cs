using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Media;
using OneClick.Core.Messages;
using OneClick.Core.Secrets;
using OneClick.Core.Messages.Content;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Content;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Messages;

public sealed record MessageError(int? Code, string? Title, string? Details);

public sealed record MessageView(
    string Id, string ContactId, string To, string Type, string Status, DateTimeOffset? ScheduledFor,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? MetaMessageId, MessageError? Error, int Attempts,
    IReadOnlyList<StatusChange> History, JsonNode? Payload, JsonNode? Metadata, string CorrelationId, string? SkipReason,
    string? Category = null)
{
    public static MessageView From(MessageEntity m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new(m.Id, m.ContactId, m.To, m.Type, m.Status, m.ScheduledFor, m.CreatedAt, m.UpdatedAt, m.MetaMessageId,
            m.ErrorCode is null && m.ErrorTitle is null ? null : new MessageError(m.ErrorCode, m.ErrorTitle, m.ErrorDetails),
            m.Attempts, m.History, JsonNode.Parse(m.PayloadJson), JsonNode.Parse(m.MetadataJson), m.CorrelationId, m.SkipReason, m.Category);
    }
}

/// <summary>/api/messages: the calling tenant's messages, sent through the outbound queue (<see cref="MessageQueueFunctions"/>); a read receipt goes to Meta at once.</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class MessageFunctions(MessageService service, MessageStore messages, TenantStore tenants, TenantSecrets secrets, MetaContentClient contentClient)
{
    [Function("SendMessage")]
    [Idempotent]
    public async Task<IResult> Send(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "messages")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<SendMessageRequest>(cancellationToken);
        var http = request.HttpContext;
        if (body.Type == "read")
            return await MarkAsReadAsync(body, http, cancellationToken);
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var result = await service.SubmitAsync(tenant, body, http.CorrelationId(), cancellationToken);
        return result.ToResult(message => TypedResults.Accepted($"/api/messages/{message.Id}", MessageView.From(message)));
    }

    [Function("GetMessage")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "messages/{messageId}")] HttpRequest request, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MessageStore.IsValidId(messageId))
            return Problem.Validation("messageId", "Not a message id.");
        var message = await messages.GetAsync(request.HttpContext.User.TenantId()!, messageId, cancellationToken);
        return message is null ? Problem.NotFound("message") : TypedResults.Ok(MessageView.From(message));
    }

    [Function("ListMessages")]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "messages")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenantId = request.HttpContext.User.TenantId()!;
        return ListParameters.PageAsync(request, (storageToken, size) => messages.ListAsync(tenantId, storageToken, size, cancellationToken), MessageView.From);
    }

    /// <summary>
    /// type "read": marks an inbound message as read at once. Not stored as a message: it reaches no customer, gets
    /// no status webhooks and repeating it is harmless, so it is done synchronously and answered 200.
    /// </summary>
    private async Task<IResult> MarkAsReadAsync(SendMessageRequest request, HttpContext http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new ValidationErrors();
        if (!MessageContent.IsWamid(request.Read?.MessageId))
            errors.Add("read.messageId", "The WhatsApp id (wamid....) of the received message to mark as read.");
        if (request.To is not null || request.ContactId is not null || request.ScheduleFor is not null)
            errors.Add("type", "A read receipt goes to the message's sender at once: leave out to, contactId and scheduleFor.");
        if (errors.Any)
            return Problem.Validation(errors);
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var credentials = await secrets.GetAsync(tenant.Id, cancellationToken);
        return await MetaProblems.CallAsync("read.messageId", async () =>
        {
            if (tenant.PhoneNumberId is null || credentials is null)
                throw new Core.Templates.TenantNotConnectedException("The tenant has no Meta credentials: store them with PUT /api/tenants/{id}/credentials.");
            await contentClient.MarkAsReadAsync(tenant.PhoneNumberId, credentials.AccessToken, request.Read!.MessageId!, request.Read.TypingIndicator, cancellationToken);
            return TypedResults.Ok(new ReadReceiptView("read", request.Read.MessageId!, true));
        });
    }
}
