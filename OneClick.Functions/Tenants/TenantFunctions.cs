using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using OneClick.Core.Configuration;
using OneClick.Core.Contacts;
using OneClick.Core.Health;
using OneClick.Core.Meta;
using OneClick.Core.Secrets;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Core.Webhooks;
using OneClick.Functions.Auth;
using OneClick.Functions.Http;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Tenants;

public sealed record CreateTenantRequest(string? Id, string? Name, string? DefaultRegion);

public sealed record TenantView(
    string Id, string Name, string DefaultRegion, DateTimeOffset CreatedAt,
    string? WabaId, string? PhoneNumberId, DateTimeOffset? CredentialsUpdatedAt, string MetaApp, int MessagesPerSecond, string WebhookUrl,
    AccountHealthView Health);

/// <summary>
/// The account and number as Meta's account webhooks last described them (docs/account-health.md). <c>Status</c> is
/// "ok", "restricted" (some sends are held) or "disabled" (every send is held); <c>Holds</c> says which and why.
/// </summary>
public sealed record AccountHealthView(
    string Status, IReadOnlyList<string> Holds, IReadOnlyList<AccountRestriction> Restrictions, DateTimeOffset? RestrictionsUpdatedAt,
    string? BanState, string? BanDate, string? ViolationType,
    string? MessagingLimitTier, string? ThroughputLevel, int MessagesPerSecond, string? QualityEvent, DateTimeOffset? QualityUpdatedAt,
    int? MaxDailyConversationsPerBusiness, int? MaxDailyConversationPerPhone, int? MaxPhoneNumbersPerBusiness)
{
    public static AccountHealthView From(TenantEntity t, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(t);
        var holds = new[] { AccountHealth.Hold(t, businessInitiated: true, now), AccountHealth.Hold(t, businessInitiated: false, now) }
            .OfType<Core.Sending.SkipReason>().ToList();
        var status = holds.Any(h => h.Reason == AccountHealth.Disabled) ? "disabled" : holds.Count > 0 ? "restricted" : "ok";
        return new(status, holds.Select(h => h.Detail).Distinct().ToList(), AccountHealth.Active(t, now).ToList(), t.RestrictionsAt,
            t.BanState, t.BanDate, t.ViolationType, t.MessagingLimitTier, t.ThroughputLevel, t.MessagesPerSecond, t.QualityEvent, t.QualityAt,
            t.MaxDailyConversationsPerBusiness, t.MaxDailyConversationPerPhone, t.MaxPhoneNumbersPerBusiness);
    }
}

public sealed record CreatedTenantView(TenantView Tenant, string ApiKey);

/// <summary>
/// The secret fields are write-only: they never come back in any response. <c>MetaApp</c> is "own" (the default: the
/// tenant's own Meta app, whose <c>AppSecret</c> and <c>WebhookVerifyToken</c> are required) or "platform" (the operator's
/// platform app signs the webhooks, so the tenant gives neither).
/// </summary>
public sealed record StoreCredentialsRequest(string? WabaId, string? PhoneNumberId, string? AccessToken, string? AppSecret, string? WebhookVerifyToken, string? MetaApp = null);

/// <summary>/api/tenants: creating and listing tenants (admin key), a tenant's profile, Meta credentials and connection (its own key or the admin's).</summary>
public sealed partial class TenantFunctions(
    TenantStore tenants, TenantSecrets secrets, WebhookRoutes routes, WebhookOwnership ownership, PlatformApp platformApp, MetaGraphClient meta, TimeProvider clock, IConfiguration configuration)
{
    private const string InvalidTenantId = "3–40 lowercase letters, digits and single dashes, starting and ending with a letter or digit.";

    [Function("CreateTenant")]
    [Authorize(Policy = Policies.Admin)]
    public async Task<IResult> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tenants")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<CreateTenantRequest>(cancellationToken);
        var errors = new ValidationErrors();
        if (body.Id is not null && !TenantIds.IsValid(body.Id))
            errors.Add("id", InvalidTenantId);
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 200)
            errors.Add("name", "A name of 1–200 characters is required.");
        var region = body.DefaultRegion ?? "US";
        if (!E164.IsSupportedRegion(region))
            errors.Add("defaultRegion", "An ISO 3166-1 alpha-2 region such as US, GB, IN or BR.");
        if (errors.Any)
            return Problem.Validation(errors);

        var created = await tenants.CreateAsync(body.Id ?? TenantIds.New(), body.Name!.Trim(), region, apiKey: null, cancellationToken);
        if (created is not { } result)
            return Problem.Conflict($"A tenant with id '{body.Id}' already exists.");
        var view = View(result.Tenant, request.HttpContext);
        return TypedResults.Created($"/api/tenants/{view.Id}", new CreatedTenantView(view, result.ApiKey));
    }

    [Function("ListTenants")]
    [Authorize(Policy = Policies.Admin)]
    public Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "tenants")] HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ListParameters.PageAsync(request, (storageToken, size) => tenants.ListAsync(storageToken, size, cancellationToken), t => View(t, request.HttpContext));
    }

    [Function("GetTenant")]
    [Authorize(Policy = Policies.TenantOrAdmin)]
    public Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "tenants/{tenantId}")] HttpRequest request, string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return GetViewAsync(request.HttpContext, tenantId, cancellationToken);
    }

    /// <summary>What is stored of the credentials is the tenant's view (ids and when they were stored); the secrets never come back.</summary>
    [Function("GetTenantCredentials")]
    [Authorize(Policy = Policies.TenantOrAdmin)]
    public Task<IResult> GetCredentials(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "tenants/{tenantId}/credentials")] HttpRequest request, string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return GetViewAsync(request.HttpContext, tenantId, cancellationToken);
    }

    [Function("StoreTenantCredentials")]
    [Authorize(Policy = Policies.TenantOrAdmin)]
    public async Task<IResult> StoreCredentials(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "tenants/{tenantId}/credentials")] HttpRequest request, string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await request.ReadBodyAsync<StoreCredentialsRequest>(cancellationToken);
        var errors = new ValidationErrors();
        if (!TenantIds.IsValid(tenantId))
            errors.Add("tenantId", InvalidTenantId);
        CheckGraphId(errors, "wabaId", body.WabaId);
        CheckGraphId(errors, "phoneNumberId", body.PhoneNumberId);
        MetaSecrets.Check(errors, "accessToken", body.AccessToken);
        // The token travels in an HTTP header, which takes printable ASCII only.
        if (body.AccessToken is { } token && !token.All(c => c is > ' ' and < '\u007f'))
            errors.Add("accessToken", "Only printable ASCII characters (Meta's tokens are letters and digits).");
        var metaApp = body.MetaApp ?? MetaApps.Own;
        if (metaApp == MetaApps.Own)
        {
            MetaSecrets.Check(errors, "appSecret", body.AppSecret);
            MetaSecrets.Check(errors, "webhookVerifyToken", body.WebhookVerifyToken);
        }
        else if (metaApp == MetaApps.Platform)
        {
            // The platform app's secret is the operator's: a tenant that sends one probably meant its own app.
            if (body.AppSecret is not null)
                errors.Add("appSecret", "Leave out with metaApp 'platform': the platform app's secret is set by the operator.");
            if (body.WebhookVerifyToken is not null)
                errors.Add("webhookVerifyToken", "Leave out with metaApp 'platform': the platform app's verify token is set by the operator.");
        }
        else
        {
            errors.Add("metaApp", "'own' (the tenant's own Meta app, the default) or 'platform' (the operator's platform app).");
        }
        if (errors.Any)
            return Problem.Validation(errors);
        if (await FindAsync(tenantId, request.HttpContext, cancellationToken) is null)
            return Problem.NotFound("tenant");
        if (metaApp == MetaApps.Platform && await platformApp.GetAsync(cancellationToken) is null)
            return Problem.Conflict("No platform app is configured yet: the operator sets it with PUT /api/admin/platform-app.");

        // The accounts first: another tenant's WABA or number is refused before anything is written.
        if (await routes.ClaimAsync(tenantId, body.WabaId!, body.PhoneNumberId!, cancellationToken) is { } taken)
            return Problem.From(taken);
        // Secrets next: the table only ever points at credentials that exist.
        if (metaApp == MetaApps.Platform)
            await secrets.SetForPlatformAppAsync(tenantId, body.AccessToken!, cancellationToken);
        else
            await secrets.SetAsync(tenantId, new TenantSecretValues(body.AccessToken!, body.AppSecret!, body.WebhookVerifyToken!), cancellationToken);
        var previous = new List<string>();
        var tenant = await tenants.UpdateAsync(tenantId, t =>
        {
            previous.Clear();
            if (t.WabaId is { } oldWaba && oldWaba != body.WabaId)
                previous.Add(WebhookRoutes.WabaKey(oldWaba));
            if (t.PhoneNumberId is { } oldPhone && oldPhone != body.PhoneNumberId)
                previous.Add(WebhookRoutes.PhoneKey(oldPhone));
            t.WabaId = body.WabaId;
            t.PhoneNumberId = body.PhoneNumberId;
            t.MetaApp = metaApp;
            t.CredentialsUpdatedAt = clock.GetUtcNow();
        }, cancellationToken);
        if (tenant is null)
            return Problem.NotFound("tenant");
        ownership.Forget(tenantId);
        // Only now that the profile names the new ids: a request cut short before this leaves an old row, never a gap.
        await routes.ReleaseAsync(tenantId, previous, cancellationToken);
        return TypedResults.Ok(View(tenant, request.HttpContext));
    }

    [Function("CheckTenantConnection")]
    [Authorize(Policy = Policies.TenantOrAdmin)]
    public async Task<IResult> CheckConnection(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "tenants/{tenantId}/connection")] HttpRequest request, string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TenantIds.IsValid(tenantId))
            return Problem.Validation("tenantId", InvalidTenantId);
        var tenant = await FindAsync(tenantId, request.HttpContext, cancellationToken);
        if (tenant is null)
            return Problem.NotFound("tenant");
        var credentials = await secrets.GetAsync(tenantId, cancellationToken);
        if (tenant.PhoneNumberId is null || credentials is null)
            return TypedResults.Ok(ConnectionReport.Broken("No Meta credentials are stored yet. PUT them to /api/tenants/{id}/credentials.") with { Account = AccountHealthView.From(tenant, clock.GetUtcNow()) });

        try
        {
            var info = await meta.GetPhoneNumberAsync(tenant.PhoneNumberId, credentials.AccessToken, cancellationToken);
            var updated = await tenants.UpdateAsync(tenantId, t =>
            {
                t.MessagesPerSecond = info.MessagesPerSecond;
                t.ThroughputLevel = info.Throughput?.Level ?? t.ThroughputLevel;
                t.MessagingLimitTier = info.MessagingLimit ?? t.MessagingLimitTier;
                t.ConnectionCheckedAt = clock.GetUtcNow();
            }, cancellationToken);
            var account = AccountHealthView.From(updated ?? tenant, clock.GetUtcNow());
            var report = ConnectionReport.From(info) with { Account = account };
            // A restriction or ban from Meta's account webhooks makes the connection unhealthy even when the number is CONNECTED.
            return TypedResults.Ok(account.Status == "ok" || !report.Healthy ? report : report with { Healthy = false, Problem = string.Join(" ", account.Holds) });
        }
        catch (MetaApiException e)
        {
            return TypedResults.Ok(ConnectionReport.Broken(
                MetaErrorPolicy.ExplainCredentialProblem(e) ?? $"Meta answered error {e.Code}: {e.Title}",
                new ConnectionError(e.Code, e.Subcode, e.Title, e.Details)) with { Account = AccountHealthView.From(tenant, clock.GetUtcNow()) });
        }
        catch (MetaUnreachableException)
        {
            return TypedResults.Ok(ConnectionReport.Broken("The Graph API could not be reached.") with { Account = AccountHealthView.From(tenant, clock.GetUtcNow()) });
        }
    }

    private async Task<IResult> GetViewAsync(HttpContext http, string tenantId, CancellationToken cancellationToken)
    {
        if (!TenantIds.IsValid(tenantId))
            return Problem.Validation("tenantId", InvalidTenantId);
        var tenant = await FindAsync(tenantId, http, cancellationToken);
        return tenant is null ? Problem.NotFound("tenant") : TypedResults.Ok(View(tenant, http));
    }

    /// <summary>The tenant, if the caller may see it; another tenant's id reads as unknown.</summary>
    private async Task<TenantEntity?> FindAsync(string tenantId, HttpContext http, CancellationToken cancellationToken) =>
        TenantIds.IsValid(tenantId) && http.User.CanAccessTenant(tenantId)
            ? await tenants.GetAsync(tenantId, cancellationToken)
            : null;

    /// <summary>The webhook URL is the one Meta must call for this tenant: the app-level callback for a platform tenant.</summary>
    private TenantView View(TenantEntity t, HttpContext http) =>
        new(t.Id, t.Name, t.DefaultRegion, t.CreatedAt, t.WabaId, t.PhoneNumberId, t.CredentialsUpdatedAt,
            t.UsesPlatformApp ? MetaApps.Platform : MetaApps.Own, t.MessagesPerSecond,
            PublicUrls.Of(configuration, http, t.UsesPlatformApp ? "api/webhooks/meta" : $"api/webhooks/meta/{t.Id}"), AccountHealthView.From(t, clock.GetUtcNow()));

    private static void CheckGraphId(ValidationErrors errors, string field, string? value)
    {
        if (value is null || !GraphId().IsMatch(value))
            errors.Add(field, "Meta's numeric id (digits only) is required.");
    }

    [GeneratedRegex("^[0-9]{1,32}$")]
    private static partial Regex GraphId();
}

public sealed record ConnectionError(int Code, int? Subcode, string Title, string? Details);

/// <summary>The health of a tenant's WhatsApp connection as Meta reports it.</summary>
public sealed record ConnectionReport(
    bool Healthy, string? Problem, ConnectionError? MetaError,
    string? VerifiedName, string? DisplayPhoneNumber, string? Status, string? QualityRating, string? NameStatus,
    string? MessagingLimit, string? ThroughputLevel, int? MessagesPerSecond)
{
    /// <summary>Restrictions, bans and limits from Meta's account webhooks (stored; not part of the Graph answer).</summary>
    public AccountHealthView? Account { get; init; }

    public static ConnectionReport Broken(string problem, ConnectionError? error = null) =>
        new(false, problem, error, null, null, null, null, null, null, null, null);

    public static ConnectionReport From(PhoneNumberInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var connected = info.Status is null or "CONNECTED";
        return new(connected, connected ? null : $"The number's status is {info.Status}; it must be CONNECTED to send.", null,
            info.VerifiedName, info.DisplayPhoneNumber, info.Status, info.QualityRating, info.NameStatus,
            info.MessagingLimit, info.Throughput?.Level, info.MessagesPerSecond);
    }
}
