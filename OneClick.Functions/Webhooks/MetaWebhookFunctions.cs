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
/// Meta's callbacks: one URL per tenant with its own Meta app, and one app-level URL for the operator's platform app
/// (docs/deployment.md#platform-app). GET answers the verification handshake; POST checks the signature over the raw bytes, parks the
/// body on the webhook-events queue and answers 200 at once — Meta retries slow answers and then sends duplicates, so all
/// processing happens from the queue (<see cref="ProcessWebhookEvent"/>).
/// </summary>
public sealed class MetaWebhookFunctions(TenantSecrets secrets, PlatformApp platformApp, WebhookInbox inbox, WebhookEventProcessor processor, InvocationTelemetry telemetry)
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
        var tenantSecrets = TenantIds.IsValid(tenantId) ? await secrets.GetAsync(tenantId, cancellationToken) : null;
        return tenantSecrets is null
            ? Problem.NotFound("tenant with stored credentials")
            : Handshake(request, tenantSecrets.WebhookVerifyToken, "the tenant's webhook verify token");
    }

    [Function("ReceiveMetaWebhook")]
    [OpenApi.RequestContent("application/json", "Meta's webhook notification, read as the exact bytes that X-Hub-Signature-256 signs.")]
    [AllowAnonymous]
    public async Task<IResult> Receive(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/meta/{tenantId}")] HttpRequest request,
        string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (LimitBody(request) is { } tooLarge)
            return tooLarge;

        var tenantSecrets = TenantIds.IsValid(tenantId) ? await secrets.GetAsync(tenantId, cancellationToken) : null;
        if (tenantSecrets is null)
            return Problem.NotFound("tenant with stored credentials");
        return await AcceptSignedAsync(request, tenantSecrets.AppSecret, tenantId, cancellationToken);
    }

    /// <summary>
    /// The platform app's verification handshake: Meta calls the callback URL configured in the operator's app with
    /// the verify token set there (https://developers.facebook.com/docs/graph-api/webhooks/getting-started).
    /// </summary>
    [Function("VerifyPlatformMetaWebhook")]
    [AllowAnonymous]
    public async Task<IResult> VerifyPlatform(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "webhooks/meta")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var platform = await platformApp.GetAsync(cancellationToken);
        return platform is null ? PlatformAppNotConfigured() : Handshake(request, platform.WebhookVerifyToken, "the platform app's webhook verify token");
    }

    /// <summary>
    /// The platform app's callback: one URL for every tenant on the operator's Meta app, as multi-tenant WhatsApp
    /// platforms run it (https://developers.facebook.com/docs/whatsapp/embedded-signup/). Signed with the platform app's
    /// secret; the body is parked once and each entry is routed to its tenant by WABA id when processed.
    /// </summary>
    [Function("ReceivePlatformMetaWebhook")]
    [OpenApi.RequestContent("application/json", "Meta's webhook notification for the platform app, read as the exact bytes that X-Hub-Signature-256 signs.")]
    [AllowAnonymous]
    public async Task<IResult> ReceivePlatform(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/meta")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (LimitBody(request) is { } tooLarge)
            return tooLarge;
        var platform = await platformApp.GetAsync(cancellationToken);
        if (platform is null)
            return PlatformAppNotConfigured();
        return await AcceptSignedAsync(request, platform.AppSecret, tenantId: null, cancellationToken);
    }

    private static IResult Handshake(HttpRequest request, string expectedToken, string tokenName)
    {
        var (mode, verifyToken, challenge) = (request.QueryText("hub.mode"), request.QueryText("hub.verify_token"), request.QueryText("hub.challenge"));
        if (mode != "subscribe" || string.IsNullOrEmpty(challenge) || challenge.Length > 512 || verifyToken is null ||
            !ApiKeys.Matches(verifyToken, expectedToken))
            return Problem.Status(StatusCodes.Status403Forbidden, "Verification failed",
                $"hub.mode must be 'subscribe' and hub.verify_token must match {tokenName}.");
        // Meta expects the challenge back as the raw body.
        return TypedResults.Text(challenge, "text/plain");
    }

    private static IResult? LimitBody(HttpRequest request)
    {
        var sizeLimit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeLimit is { IsReadOnly: false })
            sizeLimit.MaxRequestBodySize = MaxBodyBytes;
        return request.ContentLength > MaxBodyBytes ? Problem.Status(StatusCodes.Status413PayloadTooLarge, "The request body is too large.") : null;
    }

    /// <param name="tenantId">The tenant whose URL was called; null for the platform app's callback.</param>
    private async Task<IResult> AcceptSignedAsync(HttpRequest request, string appSecret, string? tenantId, CancellationToken cancellationToken)
    {
        // The signature covers the exact bytes Meta sent: read them before anything parses the body.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        if (!WebhookSignature.IsValid(body, request.Headers[WebhookSignature.HeaderName], appSecret))
            return Problem.Status(StatusCodes.Status401Unauthorized, "Invalid signature",
                $"{WebhookSignature.HeaderName} is missing or does not match the body signed with the app secret.");

        await inbox.AcceptAsync(tenantId, body, request.HttpContext.CorrelationId(), cancellationToken);
        return TypedResults.Ok();
    }

    private static IResult PlatformAppNotConfigured() =>
        Problem.From(Core.Results.Failure.NotFound("platform app") with { Detail = "No platform app is configured: the operator sets it with PUT /api/admin/platform-app." });

    /// <summary>
    /// The webhook deliveries one instance parked together, applied side by side (status steps then share table
    /// transactions). Processing is idempotent, so a retry is harmless; when some of several fail, the rest stay done
    /// and the failed ones are parked again alone, to be retried (and poisoned) on their own.
    /// </summary>
    [Function(nameof(ProcessWebhookEvent))]
    public async Task ProcessWebhookEvent(
        [QueueTrigger(QueueNames.WebhookEvents, Connection = QueueTriggers.Connection)] WebhookEventCommand command, CancellationToken cancellationToken)
    {
        QueueTriggers.Require(command, c => c.ReadDeliveries() is not null);
        var deliveries = command.ReadDeliveries()!;
        if (deliveries is [var single])
        {
            await ProcessAsync(single, cancellationToken);
            return;
        }
        var failed = new System.Collections.Concurrent.ConcurrentBag<WebhookDelivery>();
        await Parallel.ForEachAsync(deliveries, new ParallelOptions { MaxDegreeOfParallelism = DeliveriesAtOnce, CancellationToken = cancellationToken }, async (delivery, ct) =>
        {
            try
            {
                await ProcessAsync(delivery, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                telemetry.WebhookDeliveryFailed(delivery, e);
                failed.Add(delivery);
            }
        });
        if (!failed.IsEmpty)
            await inbox.RequeueAloneAsync(failed, cancellationToken);
    }

    /// <summary>Deliveries of one message applied at once; the host runs up to 24 messages at once besides.</summary>
    private const int DeliveriesAtOnce = 16;

    private async Task ProcessAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        using var operation = telemetry.StartWebhook(delivery);
        var body = await inbox.ReadBodyAsync(delivery, cancellationToken);
        if (delivery.TenantId is null)
            await processor.ProcessPlatformAsync(body, cancellationToken);
        else
            await processor.ProcessAsync(delivery.TenantId, body, cancellationToken);
    }
}
