using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Messages;
using OneClick.Core.Results;
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
    [OpenApi.Refuses(FailureKind.Conflict)]
    public async Task<IResult> Resend(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "messages/{messageId}/resend")] HttpRequest request, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MessageStore.IsValidId(messageId))
            return Problem.Validation("messageId", "Not a message id.");
        var result = await resender.ResendUnknownAsync(request.HttpContext.User.TenantId()!, messageId, cancellationToken);
        return result.ToResult(r => TypedResults.Ok(new ResendMessageView(MessageView.From(r.Message), r.Resent, UnknownResend.DuplicateRisk)));
    }
}
