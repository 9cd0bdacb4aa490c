using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OneClick.Core.Storage;
using OneClick.Core.Templates;
using OneClick.Core.Tenants;
using OneClick.Functions.Auth;
using OneClick.Functions.Content;
using OneClick.Functions.Problems;

namespace OneClick.Functions.Templates;

public sealed record TemplateView(
    string Id, string Name, string Language, string Category, string Status, string QualityScore, string ParameterFormat,
    JsonNode? Components, string? RejectedReason, string? PreviousCategory, string? UpcomingCategory, DateTimeOffset? UpcomingCategoryAt,
    DateTimeOffset? SyncedAt, DateTimeOffset UpdatedAt)
{
    public static TemplateView From(TemplateEntity t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new(t.MetaId, t.Name, t.Language, t.Category, t.Status, t.QualityScore, t.ParameterFormat.ToLowerInvariant(),
            JsonNode.Parse(t.ComponentsJson), t.RejectedReason, t.PreviousCategory, t.UpcomingCategory, t.UpcomingCategoryAt, t.SyncedAt, t.UpdatedAt);
    }
}

/// <summary>/api/templates: the tenant's templates, kept in step with its WABA.</summary>
public static partial class TemplateEndpoints
{
    public static void MapTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/templates").WithTags("Templates").RequireAuthorization(Policies.Tenant);
        group.MapPost("/sync", SyncAsync);
        group.MapGet("", ListAsync);
        group.MapPost("", CreateAsync);
        group.MapGet("/{name}", GetByNameAsync);
        group.MapGet("/{name}/{language}", GetAsync);
        group.MapDelete("/{name}", (string name, TemplateService service, TenantStore tenants, HttpContext http, CancellationToken ct) => DeleteAsync(name, null, service, tenants, http, ct));
        group.MapDelete("/{name}/{language}", DeleteAsync);
    }

    private static async Task<IResult> SyncAsync(TemplateService service, TenantStore tenants, HttpContext http, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        return await MetaProblems.CallAsync("templates", async () => TypedResults.Ok(await service.SyncAsync(tenant, cancellationToken)));
    }

    private static async Task<IResult> CreateAsync(CreateTemplateRequest request, TemplateService service, TenantStore tenants, HttpContext http, CancellationToken cancellationToken)
    {
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        return await MetaProblems.CallAsync("components", async () =>
        {
            var created = await service.CreateAsync(tenant, request, cancellationToken);
            if (created.Errors is not null)
                return Problem.Validation(created.Errors);
            var view = TemplateView.From(created.Value!);
            return TypedResults.Created($"/api/templates/{view.Name}/{view.Language}", view);
        });
    }

    private static async Task<IResult> ListAsync(
        TemplateStore store, HttpContext http, int? pageSize, string? continuationToken, string? status, string? category, string? name, string? language,
        CancellationToken cancellationToken)
    {
        if (ListParameters.Check(pageSize, continuationToken) is { } invalid)
            return invalid;
        var errors = new Core.Validation.ValidationErrors();
        if (status is not null && !Upper().IsMatch(status))
            errors.Add("status", "A template status such as APPROVED, PENDING or REJECTED.");
        if (category is not null && !TemplateCreateValidator.Categories.Contains(category))
            errors.Add("category", "MARKETING, UTILITY or AUTHENTICATION.");
        if (name is not null && !Name().IsMatch(name))
            errors.Add("name", "The start of a template name: lowercase letters, digits and underscores.");
        if (language is not null && !Language().IsMatch(language))
            errors.Add("language", "A language code such as en_US.");
        if (errors.Any)
            return Problem.Validation(errors);
        ListParameters.TryUnwrap(continuationToken, out var storageToken);
        return await ListParameters.ReadAsync(async () =>
        {
            var page = await store.PageAsync(http.User.TenantId()!, new TemplateFilter(status, category, name, language), storageToken, Paging.Clamp(pageSize), cancellationToken);
            return new ResultPage<TemplateView>(page.Items.Select(TemplateView.From).ToList(), ListParameters.Wrap(page.ContinuationToken));
        });
    }

    private static async Task<IResult> GetByNameAsync(string name, TemplateStore store, HttpContext http, CancellationToken cancellationToken)
    {
        if (!Name().IsMatch(name))
            return Problem.Validation("name", "Not a template name.");
        var all = await store.ByNameAsync(http.User.TenantId()!, name, cancellationToken);
        return all.Count == 0 ? Problem.NotFound("template") : TypedResults.Ok(new { items = all.Select(TemplateView.From).ToList() });
    }

    private static async Task<IResult> GetAsync(string name, string language, TemplateStore store, HttpContext http, CancellationToken cancellationToken)
    {
        if (!Name().IsMatch(name) || !Language().IsMatch(language))
            return Problem.Validation(Name().IsMatch(name) ? "language" : "name", "Not a template name or language code.");
        var template = await store.GetAsync(http.User.TenantId()!, name, language, cancellationToken);
        return template is null ? Problem.NotFound("template") : TypedResults.Ok(TemplateView.From(template));
    }

    private static async Task<IResult> DeleteAsync(string name, string? language, TemplateService service, TenantStore tenants, HttpContext http, CancellationToken cancellationToken)
    {
        if (!Name().IsMatch(name) || (language is not null && !Language().IsMatch(language)))
            return Problem.Validation(Name().IsMatch(name) ? "language" : "name", "Not a template name or language code.");
        var tenant = await CurrentTenant.GetAsync(http, tenants, cancellationToken);
        return await MetaProblems.CallAsync("name", async () =>
        {
            var deleted = await service.DeleteAsync(tenant, name, language, cancellationToken);
            return deleted.Count == 0 ? Problem.NotFound("template") : TypedResults.NoContent();
        });
    }

    [GeneratedRegex("^[A-Z_]{1,40}$")]
    private static partial Regex Upper();

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex Name();

    [GeneratedRegex("^[a-z]{2,3}(_[A-Za-z]{2,4})?$")]
    private static partial Regex Language();
}
