using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using OneClick.Core.Meta;
using OneClick.Core.Secrets;
using OneClick.Core.Tenants;
using OneClick.Core.Webhooks;
using OneClick.Functions.Hosting;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Webhooks;

/// <summary>
/// Meta's callback, one URL per tenant. GET answers the verification handshake; POST checks the signature
/// over the raw bytes, parks the body on the webhook-events queue and answers 200 at once — Meta retries
/// slow answers and then sends duplicates, so all processing happens from the queue.
/// </summary>
public static class MetaWebhookEndpoints
{
    /// <summary>Meta batches up to 1,000 updates in one POST; its payloads stay well under this.</summary>
    public const long MaxBodyBytes = 4 * 1024 * 1024;

    public static void MapMetaWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/webhooks/meta").WithTags("Meta webhook").AllowAnonymous();
        group.MapGet("/{tenantId}", VerifyAsync);
        group.MapPost("/{tenantId}", ReceiveAsync);
    }

    private static async Task<IResult> VerifyAsync(
        string tenantId,
        [FromQuery(Name = "hub.mode")] string? mode,
        [FromQuery(Name = "hub.verify_token")] string? verifyToken,
        [FromQuery(Name = "hub.challenge")] string? challenge,
        TenantSecrets secrets,
        CancellationToken cancellationToken)
    {
        var tenantSecrets = TenantIds.IsValid(tenantId) ? await secrets.GetAsync(tenantId, cancellationToken) : null;
        if (tenantSecrets is null)
            return Problem.NotFound("tenant with stored credentials");
        if (mode != "subscribe" || string.IsNullOrEmpty(challenge) || challenge.Length > 512 || verifyToken is null ||
            !ApiKeys.Matches(verifyToken, tenantSecrets.WebhookVerifyToken))
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Verification failed",
                detail: "hub.mode must be 'subscribe' and hub.verify_token must match the tenant's webhook verify token.");
        // Meta expects the challenge back as the raw body.
        return TypedResults.Text(challenge, "text/plain");
    }

    private static async Task<IResult> ReceiveAsync(
        string tenantId, HttpContext http, TenantSecrets secrets, WebhookInbox inbox, CancellationToken cancellationToken)
    {
        var sizeLimit = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeLimit is { IsReadOnly: false })
            sizeLimit.MaxRequestBodySize = MaxBodyBytes;
        if (http.Request.ContentLength > MaxBodyBytes)
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request body is too large.");

        var tenantSecrets = TenantIds.IsValid(tenantId) ? await secrets.GetAsync(tenantId, cancellationToken) : null;
        if (tenantSecrets is null)
            return Problem.NotFound("tenant with stored credentials");

        // The signature covers the exact bytes Meta sent: read them before anything parses the body.
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        if (!WebhookSignature.IsValid(body, http.Request.Headers[WebhookSignature.HeaderName], tenantSecrets.AppSecret))
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid signature",
                detail: $"{WebhookSignature.HeaderName} is missing or does not match the body signed with the app secret.");

        await inbox.AcceptAsync(tenantId, body, http.CorrelationId(), cancellationToken);
        return TypedResults.Ok();
    }
}
