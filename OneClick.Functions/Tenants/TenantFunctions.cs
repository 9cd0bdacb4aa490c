using System.Text.RegularExpressions;
using OneClick.Core.Configuration;
using OneClick.Core.Contacts;
using OneClick.Core.Meta;
using OneClick.Core.Secrets;
using OneClick.Core.Storage;
using OneClick.Core.Tenants;
using OneClick.Core.Validation;
using OneClick.Functions.Auth;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Tenants;

public sealed record CreateTenantRequest(string? Id, string? Name, string? DefaultRegion);

public sealed record TenantView(
    string Id, string Name, string DefaultRegion, DateTimeOffset CreatedAt,
    string? WabaId, string? PhoneNumberId, DateTimeOffset? CredentialsUpdatedAt, int MessagesPerSecond, string WebhookUrl);

public sealed record CreatedTenantView(TenantView Tenant, string ApiKey);

/// <summary>The secret fields are write-only: they never come back in any response.</summary>
public sealed record StoreCredentialsRequest(string? WabaId, string? PhoneNumberId, string? AccessToken, string? AppSecret, string? WebhookVerifyToken);

public static partial class TenantEndpoints
{
    public static void MapTenantEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants").WithTags("Tenants");
        group.MapPost("", CreateAsync).RequireAuthorization(Policies.Admin);
        group.MapGet("", ListAsync).RequireAuthorization(Policies.Admin);
        group.MapGet("/{tenantId}", GetAsync).RequireAuthorization(Policies.TenantOrAdmin);
        group.MapPut("/{tenantId}/credentials", StoreCredentialsAsync).RequireAuthorization(Policies.TenantOrAdmin);
        group.MapGet("/{tenantId}/credentials", GetAsync).RequireAuthorization(Policies.TenantOrAdmin);
        group.MapGet("/{tenantId}/connection", CheckConnectionAsync).RequireAuthorization(Policies.TenantOrAdmin);
    }

    private const string InvalidTenantId = "3–40 lowercase letters, digits and single dashes, starting and ending with a letter or digit.";

    private static async Task<IResult> CreateAsync(CreateTenantRequest request, TenantStore tenants, HttpContext http, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Id is not null && !TenantIds.IsValid(request.Id))
            errors.Add("id", InvalidTenantId);
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
            errors.Add("name", "A name of 1–200 characters is required.");
        var region = request.DefaultRegion ?? "US";
        if (!E164.IsSupportedRegion(region))
            errors.Add("defaultRegion", "An ISO 3166-1 alpha-2 region such as US, GB, IN or BR.");
        if (errors.Any)
            return Problem.Validation(errors);

        var created = await tenants.CreateAsync(request.Id ?? TenantIds.New(), request.Name!.Trim(), region, apiKey: null, cancellationToken);
        if (created is not { } result)
            return Problem.Conflict($"A tenant with id '{request.Id}' already exists.");
        var view = View(result.Tenant, http, configuration);
        return TypedResults.Created($"/api/tenants/{view.Id}", new CreatedTenantView(view, result.ApiKey));
    }

    private static async Task<IResult> ListAsync(TenantStore tenants, HttpContext http, IConfiguration configuration, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await tenants.ListAsync(storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<TenantView>(page.Items.Select(t => View(t, http, configuration)).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }

    private static async Task<IResult> GetAsync(string tenantId, TenantStore tenants, HttpContext http, IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (!TenantIds.IsValid(tenantId))
            return Problem.Validation("tenantId", InvalidTenantId);
        var tenant = await FindAsync(tenantId, tenants, http, cancellationToken);
        return tenant is null ? Problem.NotFound("tenant") : TypedResults.Ok(View(tenant, http, configuration));
    }

    private static async Task<IResult> StoreCredentialsAsync(
        string tenantId, StoreCredentialsRequest request, TenantStore tenants, TenantSecrets secrets, TimeProvider clock,
        HttpContext http, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!TenantIds.IsValid(tenantId))
            errors.Add("tenantId", InvalidTenantId);
        CheckGraphId(errors, "wabaId", request.WabaId);
        CheckGraphId(errors, "phoneNumberId", request.PhoneNumberId);
        CheckSecret(errors, "accessToken", request.AccessToken);
        // The token travels in an HTTP header, which takes printable ASCII only.
        if (request.AccessToken is { } token && !token.All(c => c is > ' ' and < '\u007f'))
            errors.Add("accessToken", "Only printable ASCII characters (Meta's tokens are letters and digits).");
        CheckSecret(errors, "appSecret", request.AppSecret);
        CheckSecret(errors, "webhookVerifyToken", request.WebhookVerifyToken);
        if (errors.Any)
            return Problem.Validation(errors);
        if (await FindAsync(tenantId, tenants, http, cancellationToken) is null)
            return Problem.NotFound("tenant");

        // Secrets first: the table only ever points at credentials that exist.
        await secrets.SetAsync(tenantId, new TenantSecretValues(request.AccessToken!, request.AppSecret!, request.WebhookVerifyToken!), cancellationToken);
        var tenant = await tenants.UpdateAsync(tenantId, t =>
        {
            t.WabaId = request.WabaId;
            t.PhoneNumberId = request.PhoneNumberId;
            t.CredentialsUpdatedAt = clock.GetUtcNow();
        }, cancellationToken);
        return tenant is null ? Problem.NotFound("tenant") : TypedResults.Ok(View(tenant, http, configuration));
    }

    private static async Task<IResult> CheckConnectionAsync(
        string tenantId, TenantStore tenants, TenantSecrets secrets, MetaGraphClient meta, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (!TenantIds.IsValid(tenantId))
            return Problem.Validation("tenantId", InvalidTenantId);
        var tenant = await FindAsync(tenantId, tenants, http, cancellationToken);
        if (tenant is null)
            return Problem.NotFound("tenant");
        var credentials = await secrets.GetAsync(tenantId, cancellationToken);
        if (tenant.PhoneNumberId is null || credentials is null)
            return TypedResults.Ok(ConnectionReport.Broken("No Meta credentials are stored yet. PUT them to /api/tenants/{id}/credentials."));

        try
        {
            var info = await meta.GetPhoneNumberAsync(tenant.PhoneNumberId, credentials.AccessToken, cancellationToken);
            await tenants.UpdateAsync(tenantId, t =>
            {
                t.MessagesPerSecond = info.MessagesPerSecond;
                t.ConnectionCheckedAt = clock.GetUtcNow();
            }, cancellationToken);
            return TypedResults.Ok(ConnectionReport.From(info));
        }
        catch (MetaApiException e)
        {
            return TypedResults.Ok(ConnectionReport.Broken(
                MetaErrorPolicy.ExplainCredentialProblem(e) ?? $"Meta answered error {e.Code}: {e.Title}",
                new ConnectionError(e.Code, e.Subcode, e.Title, e.Details)));
        }
        catch (MetaUnreachableException)
        {
            return TypedResults.Ok(ConnectionReport.Broken("The Graph API could not be reached."));
        }
    }

    /// <summary>The tenant, if the caller may see it; another tenant's id reads as unknown.</summary>
    private static async Task<TenantEntity?> FindAsync(string tenantId, TenantStore tenants, HttpContext http, CancellationToken cancellationToken) =>
        TenantIds.IsValid(tenantId) && http.User.CanAccessTenant(tenantId)
            ? await tenants.GetAsync(tenantId, cancellationToken)
            : null;

    private static TenantView View(TenantEntity t, HttpContext http, IConfiguration configuration)
    {
        var publicBase = configuration[SettingNames.ConfigKey(SettingNames.PublicBaseUrl)] ?? $"{http.Request.Scheme}://{http.Request.Host}";
        return new(t.Id, t.Name, t.DefaultRegion, t.CreatedAt, t.WabaId, t.PhoneNumberId, t.CredentialsUpdatedAt, t.MessagesPerSecond,
            $"{publicBase.TrimEnd('/')}/api/webhooks/meta/{t.Id}");
    }

    private static void CheckGraphId(ValidationErrors errors, string field, string? value)
    {
        if (value is null || !GraphId().IsMatch(value))
            errors.Add(field, "Meta's numeric id (digits only) is required.");
    }

    private static void CheckSecret(ValidationErrors errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 2048 || value.Any(char.IsWhiteSpace))
            errors.Add(field, "Required: up to 2048 characters, no spaces.");
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
