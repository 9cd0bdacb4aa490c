using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Messages;
using OneClick.Functions.Auth;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Messages;

/// <summary>A message after POST …/resend: whether this request resent it, and what that risks.</summary>
public sealed record ResendMessageView(MessageView Message, bool Resent, string DuplicateRisk);

/// <summary>POST /api/messages/{id}/resend: sends an unknown message again, on explicit request (see <see cref="MessageResender"/>).</summary>
[Authorize(Policy = Policies.Tenant)]
public sealed class MessageResendFunctions(MessageResender resender)
{
    [Function("ResendUnknownMessage")]
    public async Task<IResult> Resend(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "messages/{messageId}/resend")] HttpRequest request, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MessageStore.IsValidId(messageId))
            return Problem.Validation("messageId", "Not a message id.");
        var (message, resent, refusal) = await resender.ResendUnknownAsync(request.HttpContext.User.TenantId()!, messageId, cancellationToken);
        if (message is null)
            return Problem.NotFound("message");
        if (refusal is not null)
            return Problem.Conflict(refusal);
        return TypedResults.Ok(new ResendMessageView(MessageView.From(message), resent, UnknownResend.DuplicateRisk));
    }
}
