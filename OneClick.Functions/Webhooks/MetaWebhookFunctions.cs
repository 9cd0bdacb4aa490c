using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Meta;
using OneClick.Core.Secrets;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Webhooks;
using OneClick.Functions.Hosting;
using OneClick.Functions.Http;
using OneClick.Functions.Observability;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Webhooks;

/// <summary>
/// Meta's callback, one URL per tenant. GET answers the verification handshake; POST checks the signature
/// over the raw bytes, parks the body on the webhook-events queue and answers 200 at once — Meta retries
/// slow answers and then sends duplicates, so all processing happens from the queue (<see cref="ProcessWebhookEvent"/>).
/// </summary>
public sealed class MetaWebhookFunctions(TenantSecrets secrets, WebhookInbox inbox, WebhookEventProcessor processor, InvocationTelemetry telemetry)
{
    /// <summary>Meta batches up to 1,000 updates in one POST; its payloads stay well under this.</summary>
    public const long MaxBodyBytes = 4 * 1024 * 1024;

    [Function("VerifyMetaWebhook")]
    [AllowAnonymous]
    public async Task<IResult> Verify(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "webhooks/meta/{tenantId}")] HttpRequest request,
        string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (mode, verifyToken, challenge) = (request.QueryText("hub.mode"), request.QueryText("hub.verify_token"), request.QueryText("hub.challenge"));
        var tenantSecrets = TenantIds.IsValid(tenantId) ? await secrets.GetAsync(tenantId, cancellationToken) : null;
        if (tenantSecrets is null)
            return Problem.NotFound("tenant with stored credentials");
        if (mode != "subscribe" || string.IsNullOrEmpty(challenge) || challenge.Length > 512 || verifyToken is null ||
            !ApiKeys.Matches(verifyToken, tenantSecrets.WebhookVerifyToken))
            return Problem.Status(StatusCodes.Status403Forbidden, "Verification failed",
                "hub.mode must be 'subscribe' and hub.verify_token must match the tenant's webhook verify token.");
        // Meta expects the challenge back as the raw body.
        return TypedResults.Text(challenge, "text/plain");
    }

    [Function("ReceiveMetaWebhook")]
    [OpenApi.RequestContent("application/json", "Meta's webhook notification, read as the exact bytes that X-Hub-Signature-256 signs.")]
    [AllowAnonymous]
    public async Task<IResult> Receive(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/meta/{tenantId}")] HttpRequest request,
        string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = request.HttpContext;
        var sizeLimit = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeLimit is { IsReadOnly: false })
            sizeLimit.MaxRequestBodySize = MaxBodyBytes;
        if (request.ContentLength > MaxBodyBytes)
            return Problem.Status(StatusCodes.Status413PayloadTooLarge, "The request body is too large.");

        var tenantSecrets = TenantIds.IsValid(tenantId) ? await secrets.GetAsync(tenantId, cancellationToken) : null;
        if (tenantSecrets is null)
            return Problem.NotFound("tenant with stored credentials");

        // The signature covers the exact bytes Meta sent: read them before anything parses the body.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        if (!WebhookSignature.IsValid(body, request.Headers[WebhookSignature.HeaderName], tenantSecrets.AppSecret))
            return Problem.Status(StatusCodes.Status401Unauthorized, "Invalid signature",
                $"{WebhookSignature.HeaderName} is missing or does not match the body signed with the app secret.");

        await inbox.AcceptAsync(tenantId, body, http.CorrelationId(), cancellationToken);
        return TypedResults.Ok();
    }

    /// <summary>One parked webhook delivery from the queue; processing is idempotent, so a retry is harmless.</summary>
    [Function(nameof(ProcessWebhookEvent))]
    public async Task ProcessWebhookEvent(
        [QueueTrigger(QueueNames.WebhookEvents, Connection = QueueTriggers.Connection)] WebhookEventCommand command, CancellationToken cancellationToken)
    {
        QueueTriggers.Require(command, c => c.V == WebhookEventCommand.CurrentVersion && c.TenantId is not null && (c.Body ?? c.BlobName) is not null);
        using var operation = telemetry.StartWebhook(command);
        await processor.ProcessAsync(command.TenantId, await inbox.ReadBodyAsync(command, cancellationToken), cancellationToken);
    }
}
