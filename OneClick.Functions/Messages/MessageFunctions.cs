using System.Text.Json.Nodes;
using OneClick.Core.Messages;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Functions.Auth;
using OneClick.Functions.Hosting;
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

public static class MessageEndpoints
{
    public static void MapMessageEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/messages").WithTags("Messages").RequireAuthorization(Policies.Tenant);
        group.MapPost("", SendAsync);
        group.MapGet("", ListAsync);
        group.MapGet("/{messageId}", GetAsync);
    }

    private static async Task<IResult> SendAsync(SendMessageRequest request, MessageService service, TenantStore tenants, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.Type == "read")
            return await Content.ContentEndpoints.MarkAsReadAsync(request, tenants, http.RequestServices.GetRequiredService<Core.Secrets.TenantSecrets>(), http.RequestServices.GetRequiredService<Core.Media.MetaContentClient>(), http, cancellationToken);
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        var result = await service.SubmitAsync(tenant, request, http.CorrelationId(), cancellationToken);
        if (result.Errors is not null)
            return Problem.Validation(result.Errors);
        return TypedResults.Accepted($"/api/messages/{result.Value!.Id}", MessageView.From(result.Value));
    }

    private static async Task<IResult> GetAsync(string messageId, MessageStore messages, HttpContext http, CancellationToken cancellationToken)
    {
        if (!MessageStore.IsValidId(messageId))
            return Problem.Validation("messageId", "Not a message id.");
        var message = await messages.GetAsync(http.User.TenantId()!, messageId, cancellationToken);
        return message is null ? Problem.NotFound("message") : TypedResults.Ok(MessageView.From(message));
    }

    private static async Task<IResult> ListAsync(MessageStore messages, HttpContext http, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        return await ListParameters.PageAsync(pageSize, continuationToken,
            (storageToken, size) => messages.ListAsync(http.User.TenantId()!, storageToken, size, cancellationToken), MessageView.From);
    }
}
