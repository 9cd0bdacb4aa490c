using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Secrets;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;
using OneClick.Functions.Tenants;

namespace OneClick.Functions.Webhooks;

/// <summary>Both fields are write-only: they never come back in any response.</summary>
public sealed record PlatformAppRequest(string? AppSecret, string? VerifyToken);

/// <param name="CallbackUrl">The app-level callback to configure in the platform app's WhatsApp webhook settings.</param>
public sealed record PlatformAppView(bool Configured, string CallbackUrl);

/// <summary>
/// /api/admin/platform-app: the operator's Meta app, which serves every tenant that does not bring its own
/// (docs/deployment.md#platform-app). Admin key only; the secrets are set here and never shown.
/// </summary>
public sealed class PlatformAppFunctions(PlatformApp platformApp, IConfiguration configuration)
{
    [Function("SetPlatformApp")]
    [Authorize(Policy = Policies.Admin)]
    public async Task<IResult> Set(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "admin/platform-app")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<PlatformAppRequest>(cancellationToken);
        var errors = new ValidationErrors();
        MetaSecrets.Check(errors, "appSecret", body.AppSecret);
        MetaSecrets.Check(errors, "verifyToken", body.VerifyToken);
        if (errors.Any)
            return Problem.Validation(errors);
        await platformApp.SetAsync(new PlatformAppValues(body.AppSecret!, body.VerifyToken!), cancellationToken);
        return TypedResults.NoContent();
    }

    [Function("GetPlatformApp")]
    [Authorize(Policy = Policies.Admin)]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/platform-app")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var configured = await platformApp.GetAsync(cancellationToken) is not null;
        return TypedResults.Ok(new PlatformAppView(configured, PublicUrls.Of(configuration, request.HttpContext, "api/webhooks/meta")));
    }
}
